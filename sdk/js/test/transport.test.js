import { test } from 'node:test'
import assert from 'node:assert/strict'
import { page, settle, KEY, HOST } from './helpers.js'

const T0 = Date.parse('2026-11-23T10:00:00Z')

test('events are batched: one POST after 1 s, as text/plain with keepalive', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page()
  p.start()
  p.client.capture('a')
  p.client.capture('b')
  assert.equal(p.net.posts.length, 0, 'nothing is sent before the batch interval')
  t.mock.timers.tick(1000)
  await settle()
  assert.equal(p.net.posts.length, 1)
  const { url, init, body } = p.net.posts[0]
  assert.equal(url, HOST + '/v1/events')
  assert.equal(init.method, 'POST')
  assert.equal(init.keepalive, true)
  assert.equal(init.headers['Content-Type'], 'text/plain')
  assert.equal(body.api_key, KEY)
  assert.deepEqual(body.batch.map((e) => e.event), ['page_view', 'a', 'b'])
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]', 'the sent batch leaves the stored queue')
})

test('20 queued events are sent at once, without waiting for the timer', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page()
  p.start() // page_view is event 1
  for (let i = 0; i < 19; i++) p.client.capture('e' + i)
  await settle()
  assert.equal(p.net.posts.length, 1)
  assert.equal(p.net.posts[0].body.batch.length, 20)
})

test('5xx and network failures are retried with growing, jittered backoff; same event ids', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  t.mock.method(Math, 'random', () => 1) // jitter factor 1: delays are 1 s, 2 s, 4 s
  const p = page({ statuses: [503, 0, 500, 200] })
  p.start()
  const tickAndSettle = async (ms) => {
    t.mock.timers.tick(ms)
    await settle()
  }
  await tickAndSettle(1000)
  assert.equal(p.net.posts.length, 1)
  await tickAndSettle(999)
  assert.equal(p.net.posts.length, 1, 'no retry before the first backoff')
  await tickAndSettle(1)
  assert.equal(p.net.posts.length, 2)
  await tickAndSettle(1999)
  assert.equal(p.net.posts.length, 2, 'the second backoff is longer')
  await tickAndSettle(1)
  assert.equal(p.net.posts.length, 3)
  await tickAndSettle(4000)
  assert.equal(p.net.posts.length, 4)
  const ids = p.net.posts.map((x) => x.body.batch[0].event_id)
  assert.equal(new Set(ids).size, 1, 'a retry resends the same event')
  assert.equal(new Set(p.net.posts.map((x) => x.body.sent_at)).size, 4, 'each send has its own sent_at')
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]')
  await tickAndSettle(60e3)
  assert.equal(p.net.posts.length, 4, 'nothing more once delivered')
})

test('jitter spreads the retry delay between half and all of the backoff', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  t.mock.method(Math, 'random', () => 0)
  const p = page({ statuses: [503] })
  p.start()
  t.mock.timers.tick(1000)
  await settle()
  t.mock.timers.tick(499)
  await settle()
  assert.equal(p.net.posts.length, 1)
  t.mock.timers.tick(1)
  await settle()
  assert.equal(p.net.posts.length, 2)
})

test('a 4xx answer is never retried and the batch is dropped', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page({ statuses: [400] })
  p.start()
  t.mock.timers.tick(1000)
  await settle()
  t.mock.timers.tick(120e3)
  await settle()
  assert.equal(p.net.posts.length, 1)
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]')
  p.client.capture('next')
  await p.client.flush()
  assert.deepEqual(p.net.posts[1].body.batch.map((e) => e.event), ['next'])
})

test('429 (the project is over its rate) is retried after a backoff, not dropped', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  t.mock.method(Math, 'random', () => 1)
  const p = page({ statuses: [429, 429] })
  p.start()
  t.mock.timers.tick(1000)
  await settle()
  assert.equal(p.net.posts.length, 1)
  assert.equal(JSON.parse(p.w.localStorage.getItem('bl_q')).length, 1, 'the batch stays queued')
  t.mock.timers.tick(999)
  await settle()
  assert.equal(p.net.posts.length, 1, 'not before the collector\'s Retry-After of 1 s')
  t.mock.timers.tick(1)
  await settle()
  t.mock.timers.tick(2000)
  await settle()
  assert.equal(p.net.posts.length, 3)
  const ids = p.net.posts.map((x) => x.body.batch[0].event_id)
  assert.equal(new Set(ids).size, 1, 'the same event, resent')
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]', 'settled once accepted')
})

test('events captured offline survive a reload and are sent when back online', async () => {
  const a = page()
  Object.defineProperty(a.w.navigator, 'onLine', { get: () => false, configurable: true })
  a.start()
  a.client.capture('offline_thing', { n: 1 })
  await a.client.flush()
  a.setVisible(false) // even page hide keeps them: a beacon would be lost offline
  await settle()
  assert.equal(a.net.posts.length + a.net.beacons.length, 0)
  const stored = JSON.parse(a.w.localStorage.getItem('bl_q'))
  assert.deepEqual(stored.map((e) => e.event), ['page_view', 'offline_thing', 'page_leave'])

  // Reload, still offline at first; then the browser comes back online.
  const b = page({ url: 'https://shop.example/next', storage: { ...a.w.localStorage } })
  let online = false
  Object.defineProperty(b.w.navigator, 'onLine', { get: () => online, configurable: true })
  b.start()
  await b.client.flush()
  assert.equal(b.net.posts.length, 0)
  online = true
  b.w.dispatchEvent(new b.w.Event('online'))
  await settle()
  const sent = b.events()
  assert.deepEqual(sent.map((e) => e.event), ['page_view', 'offline_thing', 'page_leave', 'page_view'])
  assert.deepEqual(sent.slice(0, 3).map((e) => e.event_id), stored.map((e) => e.event_id))
  assert.equal(b.w.localStorage.getItem('bl_q'), '[]')
})

test('the stored queue is bounded: the oldest events give way', async () => {
  const p = page()
  Object.defineProperty(p.w.navigator, 'onLine', { get: () => false, configurable: true })
  p.start({ maxQueue: 50 })
  for (let i = 0; i < 120; i++) p.client.capture('e' + i)
  const q = JSON.parse(p.w.localStorage.getItem('bl_q'))
  assert.equal(q.length, 50)
  assert.equal(q[0].event, 'e70')
  assert.equal(q[49].event, 'e119')
})

test('on page hide the queue goes out by sendBeacon, key and sent_at in the body', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page()
  p.start()
  for (let i = 0; i < 45; i++) p.client.capture('e' + i)
  // 46 events: the first 20 are in a fetch not yet answered (keepalive carries it past the
  // page's end), the other 26 wait and go by beacon, in batches of at most 20.
  p.setVisible(false)
  await settle()
  const beaconed = p.net.beacons.flatMap((b) => b.body.batch.map((e) => e.event))
  assert.deepEqual(beaconed, [...Array.from({ length: 26 }, (_, i) => 'e' + (i + 19)), 'page_leave'])
  for (const b of p.net.beacons) {
    assert.equal(b.url, HOST + '/v1/events')
    assert.equal(b.body.api_key, KEY)
    assert.ok(b.body.sent_at)
    assert.ok(b.body.batch.length <= 20)
  }
  assert.deepEqual(p.net.posts[0].body.batch.map((e) => e.event).slice(0, 2), ['page_view', 'e0'])
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]')
  const ids = p.events().map((e) => e.event_id)
  assert.equal(ids.length, 47)
  assert.equal(new Set(ids).size, 47, 'nothing sent twice')
})

test('a batch in flight at page hide that then fails is queued again and retried', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page({ statuses: [503] })
  p.start()
  for (let i = 0; i < 24; i++) p.client.capture('e' + i)
  p.setVisible(false) // a tab switch: the page lives on
  await settle()
  assert.equal(p.net.beacons.flatMap((b) => b.body.batch).length, 6)
  assert.equal(JSON.parse(p.w.localStorage.getItem('bl_q')).length, 20, 'the failed batch is stored again')
  p.setVisible(true)
  t.mock.timers.tick(60_000)
  await settle()
  const ids = p.events().map((e) => e.event_id)
  assert.equal(ids.length, 26)
  assert.equal(new Set(ids).size, 26)
})

test('a fetch failing as the page unloads is trusted to keepalive, not sent again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page({ statuses: [0] }) // Chromium rejects the page's fetch at unload; keepalive delivers it
  p.start()
  p.client.capture('a')
  t.mock.timers.tick(1000) // the batch [page_view, a] is in flight
  p.client.capture('b')
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pagehide', {}))
  await settle()
  const beaconed = p.net.beacons.flatMap((x) => x.body.batch.map((e) => e.event))
  assert.deepEqual(beaconed, ['b', 'page_leave'])
  assert.equal(p.net.posts.length, 1)
  assert.equal(p.w.localStorage.getItem('bl_q'), '[]', 'nothing left to resend on the next page')
})

test('a body over 60 KB is sent without keepalive (the browser would refuse it)', async () => {
  const p = page()
  p.start()
  p.client.capture('big', { blob: 'x'.repeat(70_000) })
  await p.client.flush()
  assert.equal(p.net.posts[0].init.keepalive, false)
  assert.equal(p.named('big').length, 1)
})

test('without sendBeacon, events stay queued for the next page', async () => {
  const p = page({ beacon: false })
  p.start()
  p.setVisible(false)
  await settle()
  const q = JSON.parse(p.w.localStorage.getItem('bl_q'))
  assert.deepEqual(q.map((e) => e.event), ['page_view', 'page_leave'])
})
