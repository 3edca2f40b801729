import { test } from 'node:test'
import assert from 'node:assert/strict'
import { page, settle } from './helpers.js'

const T0 = Date.parse('2026-11-23T10:00:00Z')

test('page_view on load carries url, referrer and title', async () => {
  const p = page({ url: 'https://shop.example/p/42?utm_source=news', referrer: 'https://www.google.com/', html: '<title>Product 42</title>' })
  p.start()
  await p.client.flush()
  const [pv] = p.named('page_view')
  assert.equal(pv.url, 'https://shop.example/p/42?utm_source=news')
  assert.equal(pv.referrer, 'https://www.google.com/')
  assert.equal(pv.title, 'Product 42')
})

test('SPA navigation: pushState, replaceState, popstate and hash changes each make one page_view', async () => {
  const p = page({ url: 'https://shop.example/' })
  p.start()
  const h = p.w.history
  h.pushState({}, '', '/catalog')
  h.replaceState({ scroll: 1 }, '', '/catalog') // same url: not a new page
  h.replaceState({}, '', '/catalog?sort=price')
  h.pushState({}, '', '/product/7')
  // The browser's back button: the url changes, then popstate fires.
  p.dom.reconfigure({ url: 'https://shop.example/catalog?sort=price' })
  p.w.dispatchEvent(new p.w.PopStateEvent('popstate', {}))
  // A hash change fires hashchange (and popstate in browsers): one page_view.
  p.dom.reconfigure({ url: 'https://shop.example/catalog?sort=price#reviews' })
  p.w.dispatchEvent(new p.w.HashChangeEvent('hashchange', {}))
  p.w.dispatchEvent(new p.w.PopStateEvent('popstate', {}))
  await p.client.flush()
  const views = p.named('page_view')
  assert.deepEqual(
    views.map((e) => e.url.replace('https://shop.example', '')),
    ['/', '/catalog', '/catalog?sort=price', '/product/7', '/catalog?sort=price', '/catalog?sort=price#reviews'],
  )
  // Each SPA page view's referrer is the page before it.
  assert.equal(views[3].referrer, 'https://shop.example/catalog?sort=price')
  // Leaving each SPA page sends its page_leave, for the page left, tied to its page_view.
  const leaves = p.named('page_leave')
  assert.equal(leaves.length, 5)
  assert.deepEqual(leaves.map((e) => e.properties.page_view_id), views.slice(0, 5).map((e) => e.event_id))
  assert.equal(leaves[2].url, 'https://shop.example/catalog?sort=price')
  assert.equal(leaves[2].properties.page_view_id, views[2].event_id)
})

test('page_leave reports visible time only, sent by beacon when the page hides', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page()
  p.start()
  t.mock.timers.tick(5000)
  p.setVisible(false) // 5 s visible, then a tab switch
  await settle()
  t.mock.timers.tick(60_000) // hidden for a minute: not counted
  p.setVisible(true)
  t.mock.timers.tick(2000)
  p.setVisible(false) // 2 more visible seconds, then the tab is closed
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pagehide', { persisted: false }))
  await settle()
  const leaves = p.net.beacons.flatMap((b) => b.body.batch).filter((e) => e.event === 'page_leave')
  assert.deepEqual(leaves.map((e) => e.properties.duration_ms), [5000, 7000], 'hidden + pagehide on close is one page_leave')
  const pv = p.events().find((e) => e.event === 'page_view')
  assert.ok(leaves.every((e) => e.properties.page_view_id === pv.event_id))
})

test('a page loaded in a background tab counts no visible time until shown', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page()
  p.setVisible(false)
  p.start()
  t.mock.timers.tick(30_000)
  p.setVisible(true)
  t.mock.timers.tick(1500)
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pagehide', {}))
  await settle()
  const leave = p.events().find((e) => e.event === 'page_leave')
  assert.equal(leave.properties.duration_ms, 1500)
})

test('pageviews: false leaves page views to the app', async () => {
  const p = page()
  p.start({ pageviews: false })
  p.w.history.pushState({}, '', '/x')
  p.client.capture('page_view', { manual: true })
  await p.client.flush()
  assert.deepEqual(p.events().map((e) => [e.event, e.properties.manual]), [['page_view', true]])
})

test('a page restored from the back/forward cache is a new page view', async () => {
  const p = page({ url: 'https://shop.example/a' })
  p.start()
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pagehide', { persisted: true }))
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pageshow', { persisted: true }))
  p.w.dispatchEvent(new p.w.PageTransitionEvent('pageshow', { persisted: false })) // a normal load: ignored
  await p.client.flush()
  const names = p.events().map((e) => e.event)
  assert.deepEqual([names.filter((n) => n === 'page_view').length, names.filter((n) => n === 'page_leave').length], [2, 1])
  const [first, again] = p.named('page_view')
  assert.notEqual(first.event_id, again.event_id)
})
