/**
 * The ES module entry (dist/beaconlake.mjs): `import beaconlake from 'beaconlake'`, then
 * `beaconlake.init({ key, host })`. Safe to import during server-side rendering: nothing runs
 * until init, and init without a window does nothing.
 */
import { createClient } from './client.js'

const beaconlake = createClient(typeof window == 'object' ? window : null)

export default beaconlake
export const { init, capture, identify, reset, optOut, optIn, flush } = beaconlake
export { createClient }
