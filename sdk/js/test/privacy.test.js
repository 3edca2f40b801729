import { test } from 'node:test'
import assert from 'node:assert/strict'
import { page, settle } from './helpers.js'

/** Starts a page with options and reports what reached the network, plus whether fetch was wrapped. */
const run = async (pageOpts, initOpts) => {
  const p = page(pageOpts)
  const fetchBefore = p.w.fetch
  p.start(initOpts)
  p.client.capture('x')
  p.client.identify('u1')
  await p.client.flush()
  p.setVisible(false)
  await settle()
  return { sent: p.events().length, hooked: p.w.fetch !== fetchBefore, p }
}

for (const url of ['http://localhost:3000/', 'http://127.0.0.1:8000/demo/', 'http://[::1]:8080/', 'file:///tmp/page.html']) {
  test(`${url} is skipped unless allowLocalhost`, async () => {
    const off = await run({ url })
    assert.deepEqual([off.sent, off.hooked], [0, false])
    const on = await run({ url }, { allowLocalhost: true })
    assert.ok(on.sent >= 3)
  })
}

test('a webdriver-driven browser is skipped unless allowWebdriver', async () => {
  const setup = (p) => Object.defineProperty(p.w.navigator, 'webdriver', { get: () => true, configurable: true })
  const off = page()
  setup(off)
  off.start()
  off.client.capture('x')
  await off.client.flush()
  assert.equal(off.events().length, 0)
  const on = page()
  setup(on)
  on.start({ allowWebdriver: true })
  await on.client.flush()
  assert.equal(on.named('page_view').length, 1)
})

for (const [what, set] of [
  ['Do Not Track', (w) => Object.defineProperty(w.navigator, 'doNotTrack', { get: () => '1', configurable: true })],
  ['Global Privacy Control', (w) => Object.defineProperty(w.navigator, 'globalPrivacyControl', { get: () => true, configurable: true })],
]) {
  test(`${what} is honoured when respectDnt is set, and only then`, async () => {
    const respect = page()
    set(respect.w)
    respect.start({ respectDnt: true })
    respect.client.capture('x')
    await respect.client.flush()
    assert.equal(respect.events().length, 0)
    const ignore = page()
    set(ignore.w)
    ignore.start()
    await ignore.client.flush()
    assert.equal(ignore.named('page_view').length, 1)
  })
}

test('optOut stops everything, drops the queue and survives a reload; optIn resumes', async () => {
  const a = page()
  a.start()
  a.client.capture('queued_before_opt_out')
  a.client.optOut()
  a.client.capture('after')
  a.client.identify('u1', { plan: 'pro' })
  await a.client.flush()
  a.setVisible(false)
  await settle()
  assert.equal(a.events().length, 0)

  const b = page({ storage: { ...a.w.localStorage } })
  b.start()
  b.client.capture('still_out')
  await b.client.flush()
  assert.equal(b.events().length, 0)
  b.client.optIn()
  b.client.capture('back_in')
  await b.client.flush()
  assert.deepEqual(b.events().map((e) => e.event), ['back_in'])
})
