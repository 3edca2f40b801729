import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { page } from './helpers.js'

test('vitals are loaded lazily from their own file and sent once per metric', async () => {
  const p = page({ url: 'https://shop.example/landing' })
  p.start({ vitals: true, vitalsUrl: 'https://cdn.example/beaconlake-vitals.js' })
  const s = p.d.querySelector('script[src="https://cdn.example/beaconlake-vitals.js"]')
  assert.ok(s && s.async, 'an async script tag for the vitals chunk')
  p.w.history.pushState({}, '', '/next') // vitals belong to the page that loaded
  const report = p.w.__blv
  report({ name: 'LCP', value: 1834.5, rating: 'good', id: 'v5-1' })
  report({ name: 'CLS', value: 0.02, rating: 'good', id: 'v5-2' })
  report({ name: 'CLS', value: 0.31, rating: 'poor', id: 'v5-2' }) // reported again on a 2nd hide
  report({ name: 'INP', value: 240, rating: 'needs-improvement', id: 'v5-3' })
  report({ name: 'FCP', value: 900, rating: 'good', id: 'v5-4' })
  report({ name: 'TTFB', value: 120, rating: 'good', id: 'v5-5' })
  await p.client.flush()
  const vitals = p.named('web_vital')
  assert.deepEqual(
    vitals.map((e) => e.properties),
    [
      { name: 'LCP', value: 1834.5, rating: 'good' },
      { name: 'CLS', value: 0.02, rating: 'good' },
      { name: 'INP', value: 240, rating: 'needs-improvement' },
      { name: 'FCP', value: 900, rating: 'good' },
      { name: 'TTFB', value: 120, rating: 'good' },
    ],
  )
  assert.ok(vitals.every((e) => e.url === 'https://shop.example/landing'))
})

test('the default vitals url is the collector’s /sdk/ path', () => {
  const p = page()
  p.start({ vitals: true })
  assert.ok(p.d.querySelector('script[src="https://collect.example/sdk/beaconlake-vitals.js"]'))
})

test('the vitals chunk bundles Google’s web-vitals and reports through the core’s hook', () => {
  const chunk = readFileSync(new URL('../dist/beaconlake-vitals.js', import.meta.url), 'utf8')
  const core = readFileSync(new URL('../dist/beaconlake.js', import.meta.url), 'utf8')
  assert.ok(chunk.includes('largest-contentful-paint') && chunk.includes('layout-shift'))
  assert.ok(chunk.includes('__blv'))
  assert.ok(!core.includes('largest-contentful-paint'), 'web-vitals is not in the core')
})
