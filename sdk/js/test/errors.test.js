import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { page, settle, HOST } from './helpers.js'

// A real HTTP server for XMLHttpRequest (jsdom's XHR does real requests): /status/N answers N.
let server
let base
before(async () => {
  server = createServer((req, res) => {
    const m = req.url.match(/^\/status\/(\d+)/)
    res.writeHead(m ? Number(m[1]) : 404, { 'Access-Control-Allow-Origin': '*' })
    res.end('x')
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${server.address().port}`
})
after(() => server.close())

const xhr = (w, method, url, abort = false) =>
  new Promise((resolve) => {
    const x = new w.XMLHttpRequest()
    x.open(method, url)
    x.addEventListener('loadend', () => setTimeout(resolve, 0))
    x.send()
    if (abort) x.abort()
  })

test('uncaught errors become error events with message, source and stack', async () => {
  const p = page()
  p.start()
  const err = new TypeError('cart is undefined')
  p.w.dispatchEvent(new p.w.ErrorEvent('error', { message: 'TypeError: cart is undefined', filename: 'https://shop.example/app.js', lineno: 12, colno: 7, error: err }))
  await p.client.flush()
  const [e] = p.named('error')
  assert.equal(e.properties.message, 'TypeError: cart is undefined')
  assert.equal(e.properties.source, 'https://shop.example/app.js')
  assert.equal(e.properties.line, 12)
  assert.ok(e.properties.stack.includes('cart is undefined'))
})

test('unhandled promise rejections become error events', async () => {
  const p = page()
  p.start()
  const ev = new p.w.Event('unhandledrejection')
  ev.reason = new Error('payment declined')
  p.w.dispatchEvent(ev)
  const ev2 = new p.w.Event('unhandledrejection')
  ev2.reason = 'plain string reason'
  p.w.dispatchEvent(ev2)
  await p.client.flush()
  const errs = p.named('error').map((e) => e.properties)
  assert.equal(errs[0].message, 'payment declined')
  assert.equal(errs[0].source, 'unhandledrejection')
  assert.ok(errs[0].stack.includes('payment declined'))
  assert.equal(errs[1].message, 'plain string reason')
})

test('a real uncaught exception in a page script is captured', async () => {
  const p = page()
  p.start()
  p.w.eval('setTimeout(() => null.boom(), 0)')
  // Wait (boundedly) for jsdom's timer to run the script.
  for (let i = 0; i < 200 && !(p.w.localStorage.getItem('bl_q') || '').includes('boom'); i++) await new Promise((r) => setTimeout(r, 10))
  await p.client.flush()
  const [e] = p.named('error')
  assert.ok(e, 'an error event')
  assert.match(e.properties.message, /null|boom/)
})

test('failed fetches become network_error (method, url without query, status, duration)', async () => {
  const p = page()
  p.start()
  const r = await p.w.fetch('/api/cart?token=secret&status=500', { method: 'post' })
  assert.equal(r.status, 500, 'the page still gets its answer')
  await p.w.fetch(new Request('https://api.example/items?status=404'))
  await assert.rejects(p.w.fetch('https://down.example/x?status=0'))
  await p.w.fetch('/api/ok') // 200: nothing to report
  await settle()
  await p.client.flush()
  const errs = p.named('network_error').map((e) => e.properties)
  assert.deepEqual(
    errs.map(({ duration_ms, ...rest }) => rest),
    [
      { method: 'POST', url: 'https://shop.example/api/cart', status: 500 },
      { method: 'GET', url: 'https://api.example/items', status: 404 },
      { method: 'GET', url: 'https://down.example/x', status: 0 },
    ],
  )
  assert.ok(errs.every((e) => typeof e.duration_ms === 'number' && e.duration_ms >= 0))
  assert.ok(!JSON.stringify(p.events()).includes('secret'))
})

test('the SDK never reports its own requests, even when the collector fails', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-11-23T10:00:00Z') })
  const p = page({ statuses: [503, 500, 0] })
  p.start()
  // The page itself posting to the collector is not reported either.
  await p.w.fetch(HOST + '/v1/events', { method: 'POST', body: JSON.stringify({ batch: [] }) })
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(40_000)
    await settle()
  }
  assert.ok(p.net.posts.length >= 4)
  assert.equal(p.named('network_error').length, 0)
})

test('failed XMLHttpRequests become network_error; aborted ones do not', async () => {
  const p = page()
  p.start()
  await xhr(p.w, 'get', `${base}/status/503?q=1`)
  await xhr(p.w, 'PUT', `${base}/status/200`)
  await xhr(p.w, 'GET', 'http://127.0.0.1:9/refused')
  await xhr(p.w, 'GET', `${base}/status/500`, true)
  await p.client.flush()
  const errs = p.named('network_error').map((e) => e.properties)
  assert.deepEqual(
    errs.map(({ duration_ms, ...rest }) => rest),
    [
      { method: 'GET', url: `${base}/status/503`, status: 503 },
      { method: 'GET', url: 'http://127.0.0.1:9/refused', status: 0 },
    ],
  )
})

test('errors: false and network: false switch those off', async () => {
  const p = page()
  p.start({ errors: false, network: false })
  p.w.dispatchEvent(new p.w.ErrorEvent('error', { message: 'x' }))
  await p.w.fetch('/api?status=500')
  await p.client.flush()
  assert.deepEqual(p.events().map((e) => e.event), ['page_view'])
})

test('at most 50 errors a page: a render loop cannot flood the collector', async () => {
  const p = page()
  p.start()
  for (let i = 0; i < 200; i++) p.w.dispatchEvent(new p.w.ErrorEvent('error', { message: 'loop ' + i }))
  for (let i = 0; i < 5; i++) await p.client.flush()
  assert.equal(p.named('error').length, 50)
})
