// Builds the release bundle into dist/: the script-tag IIFE, the ES module and the lazily loaded
// web vitals and session replay chunks, all minified; prints their gzipped sizes (the budget is tested in test/size).
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const common = { bundle: true, minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning' }
const out = {
  'dist/beaconlake.js': { entryPoints: ['src/script.js'], format: 'iife' },
  'dist/beaconlake.mjs': { entryPoints: ['src/index.js'], format: 'esm' },
  'dist/beaconlake-vitals.js': { entryPoints: ['src/vitals.js'], format: 'iife' },
  'dist/beaconlake-replay.js': { entryPoints: ['src/replay.js'], format: 'iife' },
}
for (const [outfile, o] of Object.entries(out)) {
  await build({ ...common, ...o, outfile })
  const b = readFileSync(outfile)
  console.log(`${outfile}: ${b.length} B minified, ${gzipSync(b).length} B gzipped`)
}
