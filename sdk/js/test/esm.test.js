// The ES module build, as a bundler or a server-side renderer would import it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JSDOM } from 'jsdom'
import beaconlake, { init, capture, identify, reset, optOut, optIn, flush, createClient } from '../dist/beaconlake.mjs'

test('imports without a window (SSR) and does nothing there', async () => {
  assert.equal(typeof globalThis.window, 'undefined')
  for (const f of [init, capture, identify, reset, optOut, optIn, flush]) assert.equal(typeof f, 'function')
  assert.equal(beaconlake.capture, capture)
  init({ key: 'bl_pub_x', host: 'https://collect.example' })
  capture('ssr_event')
})

test('the module’s client works in a browser window', async () => {
  const w = new JSDOM('<title>M</title>', { url: 'https://shop.example/', pretendToBeVisual: true }).window
  const posts = []
  w.fetch = async (u, o) => (posts.push(JSON.parse(o.body)), { status: 200 })
  const c = createClient(w)
  c.init({ key: 'bl_pub_x', host: 'https://collect.example', vitals: false })
  c.capture('from_module')
  await c.flush()
  assert.deepEqual(posts.flatMap((p) => p.batch.map((e) => e.event)), ['page_view', 'from_module'])
})
