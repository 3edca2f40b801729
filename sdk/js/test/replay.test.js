// The replay module: loaded only when switched on, its rrweb options, and chunk packing/splitting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { page } from './helpers.js'
import { pack, recordOptions, MAX_DATA } from '../src/replay-pack.js'

const replayTag = (p) => p.d.querySelector('script[src$="beaconlake-replay.js"]')

/** The rrweb events of packed pieces, decoded the way the pipeline's Python does. */
const unpack = (pieces) => {
  const out = []
  let buf = ''
  for (const p of pieces) {
    buf += p.data
    if (p.parts && p.part < p.parts - 1) continue
    const json = p.enc === 'json' ? buf : gunzipSync(Buffer.from(buf, 'base64')).toString()
    out.push(...JSON.parse(json))
    buf = ''
  }
  return out
}

test('replay is not loaded by default, nor at a zero sample rate', () => {
  for (const o of [{}, { replay: false }, { replaySampleRate: 0 }]) {
    const p = page()
    p.start(o)
    assert.equal(replayTag(p), null, JSON.stringify(o))
    assert.equal(p.w.__blr, undefined)
  }
})

test('replay: true (or a sample rate of 1) loads the replay file, whose chunks are replay events', async () => {
  for (const o of [{ replay: true }, { replaySampleRate: 1 }]) {
    const p = page()
    p.start(o)
    const s = replayTag(p)
    assert.ok(s && s.async && s.src === 'https://collect.example/sdk/beaconlake-replay.js')
    p.w.__blr({ seq: 0, enc: 'gzip-base64', first_ts: 1, last_ts: 2, count: 2, data: 'H4s=' })
    await p.client.flush()
    const [r] = p.named('replay')
    assert.equal(r.properties.seq, 0)
    assert.ok(r.session_id.startsWith('s_') && r.session_id === p.named('page_view')[0].session_id)
  }
  const p = page()
  p.start({ replay: true, replayUrl: 'https://cdn.example/r.js' })
  assert.ok(p.d.querySelector('script[src="https://cdn.example/r.js"]'))
})

test('rrweb masks every input and data-bl-mask text, blocks data-bl-block', () => {
  const emit = () => {}
  const o = recordOptions(emit)
  assert.equal(o.emit, emit)
  assert.equal(o.maskAllInputs, true)
  assert.equal(o.maskTextSelector, '[data-bl-mask]')
  assert.equal(o.blockSelector, '[data-bl-block]')
})

const events = (n, pad = 10) =>
  Array.from({ length: n }, (_, i) => ({ type: 3, timestamp: 1700000000000 + i, data: { source: 2, x: i, junk: Array.from({ length: pad }, () => Math.random().toString(36)).join('') } }))

test('a small chunk is one gzip piece with its seq, timestamps and count', async () => {
  const evs = events(5)
  const [p, ...rest] = await pack(evs, 7)
  assert.equal(rest.length, 0)
  assert.deepEqual({ ...p, data: undefined }, { seq: 7, enc: 'gzip-base64', first_ts: 1700000000000, last_ts: 1700000000004, count: 5, data: undefined })
  assert.deepEqual(unpack([p]), evs)
})

test('a chunk over the size limit is split by events, in order, nothing dropped', async () => {
  const evs = events(200, 40)
  const ps = await pack(evs, 0, 4000)
  assert.ok(ps.length > 2)
  assert.ok(ps.every((p) => p.data.length <= 4000 && !p.parts))
  assert.deepEqual(ps.map((p) => p.seq), ps.map((_, i) => i))
  assert.equal(ps.reduce((a, p) => a + p.count, 0), 200)
  assert.deepEqual(unpack(ps), evs)
})

test('one event over the limit is cut into parts, joined again before decoding', async () => {
  const big = { type: 2, timestamp: 1, data: { node: Array.from({ length: 3000 }, () => Math.random()) } }
  const ps = await pack([big], 3, 5000)
  assert.ok(ps.length > 1)
  assert.deepEqual(ps.map((p) => [p.seq, p.part, p.parts]), ps.map((_, i) => [3 + i, i, ps.length]))
  assert.equal(ps.reduce((a, p) => a + p.count, 0), 1)
  assert.deepEqual(unpack(ps), [big])
})

test('page hide packs plain JSON text (no async compression), still split and one level deep', async () => {
  const evs = events(50, 20)
  const ps = await pack(evs, 0, 3000, true)
  assert.ok(ps.length > 1 && ps.every((p) => p.enc === 'json' && typeof p.data === 'string' && p.data.length <= 3000))
  assert.deepEqual(unpack(ps), evs)
})

test('the default piece keeps a batch of 20 under the collector’s 1 MiB body', () => {
  assert.ok(20 * (MAX_DATA + 1000) < 1048576)
})

test('replaySampleRate samples whole sessions by their id', () => {
  const now = Date.now()
  const with_session = (s) => ({ bl_id: JSON.stringify({ v: 'v_1', s, t: now, b: now }) })
  const low = page({ storage: with_session('s_00000000-0000-4000-8000-000000000000') })
  low.start({ replaySampleRate: '0.5' }) // data-replay-sample-rate="0.5" arrives as a string
  assert.ok(replayTag(low))
  const high = page({ storage: with_session('s_ffffff00-0000-4000-8000-000000000000') })
  high.start({ replaySampleRate: 0.5 })
  assert.equal(replayTag(high), null)
})
