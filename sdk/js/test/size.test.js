// The size budget of issue 3, on the minified, gzipped release files (built by `npm run build`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const gz = (f) => gzipSync(readFileSync(new URL("../dist/" + f, import.meta.url))).length

test('core ≤ 4 KB and core + web vitals ≤ 7 KB, gzipped', () => {
  const core = gz('beaconlake.js')
  const vitals = gz('beaconlake-vitals.js')
  console.log(`core ${core} B, vitals ${vitals} B, together ${core + vitals} B (gzip)`)
  assert.ok(core <= 4096, `core is ${core} B`)
  assert.ok(core + vitals <= 7168, `core + vitals is ${core + vitals} B`)
})

test('replay is its own file: rrweb never in the core', () => {
  const core = readFileSync(new URL('../dist/beaconlake.js', import.meta.url), 'utf8')
  const replay = readFileSync(new URL('../dist/beaconlake-replay.js', import.meta.url), 'utf8')
  console.log(`replay ${gz('beaconlake-replay.js')} B (gzip, loaded only when replay is on)`)
  assert.ok(replay.includes('maskAllInputs') && replay.includes('rr_width'))
  assert.ok(!core.includes('maskAllInputs') && !core.includes('rr_width'))
})

test('no runtime dependency besides web-vitals and rrweb\'s recorder', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)))
  assert.deepEqual(Object.keys(pkg.dependencies), ['@rrweb/record', 'web-vitals'])
})
