import { test } from 'node:test'
import assert from 'node:assert/strict'
import { page, settle, KEY } from './helpers.js'
import { uuid } from '../src/util.js'

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('visitor and session ids survive a reload; event ids are fresh UUIDs', async () => {
  const a = page()
  a.start()
  a.client.capture('first')
  await a.client.flush()
  const [pv, first] = a.events()
  assert.match(pv.visitor_id, /^v_/)
  assert.match(pv.session_id, /^s_/)
  assert.equal(first.visitor_id, pv.visitor_id)
  assert.equal(first.session_id, pv.session_id)
  assert.match(pv.event_id, UUID4)
  assert.notEqual(pv.event_id, first.event_id)

  // A second page load in the same browser (same localStorage).
  const b = page({ url: 'https://shop.example/cart', storage: { ...a.w.localStorage } })
  b.start()
  await b.client.flush()
  const [pv2] = b.events()
  assert.equal(pv2.visitor_id, pv.visitor_id)
  assert.equal(pv2.session_id, pv.session_id)
})

test('the session rotates after 30 minutes without events, and after 24 hours', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-11-23T10:00:00Z') })
  const p = page()
  p.start()
  const sid = () => {
    p.client.capture('tick')
    return p.w.localStorage.getItem('bl_id') && JSON.parse(p.w.localStorage.getItem('bl_id')).s
  }
  const s0 = sid()
  t.mock.timers.tick(29 * 60e3)
  assert.equal(sid(), s0, 'an event 29 minutes later stays in the session')
  t.mock.timers.tick(30 * 60e3 + 1)
  const s1 = sid()
  assert.notEqual(s1, s0, 'after 30 idle minutes a new session starts')
  // Busy for 24 hours: an event every 20 minutes still ends the session at 24 h.
  let s = s1
  let rotations = 0
  for (let i = 0; i < 75; i++) {
    t.mock.timers.tick(20 * 60e3)
    const n = sid()
    if (n !== s) rotations++, (s = n)
  }
  assert.equal(rotations, 1)
  const visitors = new Set(JSON.parse(p.w.localStorage.getItem('bl_q')).map((e) => e.visitor_id))
  assert.equal(visitors.size, 1, 'the visitor never changes')
})

test('every send has sent_at; every event has the SPEC envelope and context', async () => {
  const p = page({ url: 'https://shop.example/p/42?utm_source=news', referrer: 'https://www.google.com/', html: '<title>Product 42</title>' })
  p.start()
  p.client.capture('signup', { plan: 'pro' })
  await p.client.flush()
  const post = p.net.posts[0]
  assert.equal(post.body.api_key, KEY)
  assert.ok(!Number.isNaN(Date.parse(post.body.sent_at)))
  const e = p.named('signup')[0]
  assert.deepEqual(Object.keys(e).sort(), ['context', 'event', 'event_id', 'properties', 'referrer', 'session_id', 'timestamp', 'title', 'url', 'user_id', 'visitor_id'])
  assert.equal(e.url, 'https://shop.example/p/42?utm_source=news')
  assert.equal(e.referrer, 'https://www.google.com/')
  assert.equal(e.title, 'Product 42')
  assert.equal(e.user_id, null)
  assert.deepEqual(e.properties, { plan: 'pro' })
  assert.ok(!Number.isNaN(Date.parse(e.timestamp)))
  const c = e.context
  assert.equal(c.lib, 'beaconlake-js')
  assert.equal(c.lib_version, '0.1.0')
  for (const k of ['screen_w', 'screen_h', 'viewport_w', 'viewport_h']) assert.equal(typeof c[k], 'number', k)
  assert.equal(c.lang, 'en-US')
  assert.equal(c.tz, Intl.DateTimeFormat().resolvedOptions().timeZone)
})

test('ids live in memory when localStorage is blocked', async () => {
  const p = page()
  Object.defineProperty(p.w, 'localStorage', {
    get() {
      throw new DOMException('blocked', 'SecurityError')
    },
  })
  p.start()
  p.client.capture('a')
  p.client.capture('b')
  await p.client.flush()
  const [pv, a, b] = p.events()
  assert.match(pv.visitor_id, /^v_/)
  assert.equal(a.visitor_id, pv.visitor_id)
  assert.equal(b.session_id, pv.session_id)
})

test('uuid falls back to getRandomValues where randomUUID is missing (insecure origins)', () => {
  const real = globalThis.crypto
  const seen = new Set()
  try {
    Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real.getRandomValues(a) }, configurable: true })
    for (let i = 0; i < 200; i++) seen.add(uuid())
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true })
    for (let i = 0; i < 200; i++) seen.add(uuid())
  } finally {
    Object.defineProperty(globalThis, 'crypto', { value: real, configurable: true })
  }
  assert.equal(seen.size, 400)
  for (const u of seen) assert.match(u, UUID4)
})
