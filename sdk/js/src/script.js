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
    // The collector serves this file, so it is the default host and the vitals file sits beside it.
    cfg.host = cfg.host || new URL(s.src).origin
    cfg.vitalsUrl = cfg.vitalsUrl || s.src.replace(/[^/]*$/, 'beaconlake-vitals.js')
  }
}
w.beaconlake = c
const calls = Array.isArray(stub) ? stub : []
for (const a of calls) if (a[0] == 'init') Object.assign(cfg, a[1])
if (cfg.key) c.init(cfg)
for (const a of calls) if (a[0] != 'init' && c[a[0]]) c[a[0]](...a.slice(1))
