/**
 * The script-tag entry (dist/beaconlake.js): configures itself from its own data-* attributes
 * (data-key, data-host, data-allow-localhost="true", ...), then replays the calls a page made
 * on the `window.beaconlake = window.beaconlake || []` stub before the script arrived.
 */
import { createClient } from './client.js'

const w = window
const s = document.currentScript
const stub = w.beaconlake
const c = createClient(w)
const cfg = {}
if (s) {
  for (const k in s.dataset) {
    const v = s.dataset[k]
    cfg[k] = v == 'true' ? true : v == 'false' ? false : v
  }
  if (s.src) {
    // The collector serves this file, so it is the default host; vitals and replay sit beside it.
    cfg.host = cfg.host || new URL(s.src).origin
    for (const n of ['vitals', 'replay']) cfg[n + 'Url'] = cfg[n + 'Url'] || s.src.replace(/[^/]*$/, 'beaconlake-' + n + '.js')
  }
}
w.beaconlake = c
const calls = Array.isArray(stub) ? stub : []
for (const a of calls) if (a[0] == 'init') Object.assign(cfg, a[1])
if (cfg.key) c.init(cfg)
for (const a of calls) if (a[0] != 'init' && c[a[0]]) c[a[0]](...a.slice(1))
