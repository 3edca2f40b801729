/**
 * The session replay chunk (dist/beaconlake-replay.js), loaded by the core only when replay is
 * switched on. rrweb records the page (inputs and `data-bl-mask` text masked, `data-bl-block`
 * elements blocked); every 5 seconds, and when the page is hidden, the events so far are packed
 * and handed to the core's hook as `replay` events, which carry the session_id like any other.
 */
import { record } from '@rrweb/record'
import { pack, recordOptions } from './replay-pack.js'
import { store } from './util.js'

const w = window
const ls = store(w)
const SEQ = 'bl_rseq'
let buf = []
let sid // the session the last chunk went to

/** Hands one piece to the core; a new session (after 30 idle minutes) gets a fresh snapshot so
 * its replay can start on its own. */
const send = (p) => {
  const e = w.__blr(p)
  if (e && sid && e.session_id != sid) record.takeFullSnapshot(true)
  if (e) sid = e.session_id
}

/** Sends what rrweb recorded since the last flush; `plain` when the page is going away. */
const flush = (plain) => {
  if (!buf.length || !w.__blr) return
  const evs = buf
  buf = []
  // Seqs are reserved now, a block per flush, so chunks stay in order across pages and even when
  // a compression finishes after the next flush started.
  const seq = ls.get(SEQ) || 0
  ls.set(SEQ, seq + 1000)
  // Without CompressionStream (older browsers), or if it fails, the chunk goes as JSON text.
  plain = plain || !w.CompressionStream
  return pack(evs, seq, undefined, plain)
    .catch(() => pack(evs, seq, undefined, true))
    .then((ps) => ps.forEach(send))
}

record(recordOptions((e) => buf.push(e)))
setInterval(() => flush(), 5000)
const hide = () => flush(true)
w.addEventListener('pagehide', hide)
w.document.addEventListener('visibilitychange', () => w.document.visibilityState == 'hidden' && hide())
