/**
 * Packing rrweb events into `replay` event properties (SPEC section 7), apart from rrweb so it
 * can be tested in Node. A chunk is gzip-compressed JSON (CompressionStream) in base64, which
 * Python's gzip and the player page both decode and which keeps the properties one level deep
 * (raw rrweb snapshots nest far deeper than the collector's depth limit).
 *
 * Size: the collector takes 1 MiB bodies and the core sends up to 20 events a request, so one
 * replay event carries at most MAX_DATA base64 characters. A chunk over that is split in halves
 * by events; one event that alone is over it (a huge full snapshot) is cut into `parts` strings
 * sent as consecutive seqs, joined again before decoding. Nothing is ever dropped.
 */

export const MAX_DATA = 40000
export const ENC = 'gzip-base64'

/** The options rrweb's record gets: every input value and `data-bl-mask` text masked,
 * `data-bl-block` elements blocked (replaced by a placeholder of their size). */
export const recordOptions = (emit) => ({
  emit,
  maskAllInputs: true,
  maskTextSelector: '[data-bl-mask]',
  blockSelector: '[data-bl-block]',
  // Inline stylesheets keep the replay looking right without fetching the site's CSS later.
  inlineStylesheet: true,
  slimDOMOptions: { script: true, comment: true, headFavicon: true, headMetaDescKeywords: true },
})

/** gzip bytes of a string, base64-encoded. */
export const gzip64 = async (text) => {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  const b = new Uint8Array(await new Response(s).arrayBuffer())
  let bin = ''
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000))
  return btoa(bin)
}

/**
 * The properties of the replay events for one chunk of rrweb events, numbered from `seq`;
 * every piece has at most `max` characters of data. `plain` sends the JSON text as it is, with
 * no await on real work: for page hide, when an async compression would never finish.
 */
export const pack = async (events, seq, max = MAX_DATA, plain = false) => {
  const out = []
  const go = async (evs) => {
    const json = JSON.stringify(evs)
    const data = plain ? json : await gzip64(json)
    if (data.length > max && evs.length > 1) {
      const h = evs.length >> 1
      await go(evs.slice(0, h))
      return go(evs.slice(h))
    }
    const base = {
      enc: plain ? 'json' : ENC,
      first_ts: evs[0].timestamp,
      last_ts: evs[evs.length - 1].timestamp,
    }
    const parts = Math.ceil(data.length / max)
    for (let i = 0; i < parts; i++) {
      // The event count goes on the first part only, so summing counts stays right.
      const p = { seq: seq++, ...base, count: i ? 0 : evs.length, data: data.slice(i * max, (i + 1) * max) }
      if (parts > 1) (p.part = i), (p.parts = parts)
      out.push(p)
    }
  }
  if (events.length) await go(events)
  return out
}
