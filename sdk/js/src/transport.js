/**
 * Batches events to POST /v1/events. The queue is mirrored to localStorage so events captured
 * offline (or in flight when the tab died) are sent after a reload; the event_id makes a resend
 * harmless. 2xx and 4xx settle a batch (a 4xx will not get better by retrying), except 429: the
 * project is over its rate, so like 5xx and network errors it is retried with exponential
 * backoff and jitter (the first wait, 1 s, matches the collector's Retry-After).
 */

const KEY = 'bl_q'
const BATCH = 20

export const transport = (w, cfg, ls, fetch) => {
  const url = cfg.host.replace(/\/+$/, '') + '/v1/events'
  const nav = w.navigator
  const max = cfg.maxQueue || 500
  let q = ls.get(KEY) || []
  let timer = 0
  let busy = 0
  let fails = 0
  let micro = 0

  const save = () => ls.set(KEY, q)
  const body = (b) => JSON.stringify({ api_key: cfg.key, sent_at: new Date().toISOString(), batch: b })
  const later = (ms) => {
    timer = timer || setTimeout(() => ((timer = 0), flush()), ms)
  }
  const offline = () => nav.onLine === false

  /** Sends the queue with fetch, a batch at a time, until it is empty or a send fails. */
  const drain = async () => {
    while (q.length && !offline() && !gone) {
      const b = (busy = q.slice(0, BATCH))
      const s = body(b)
      let st = 0
      try {
        // keepalive lets the request outlive the page, but only for bodies under 64 KiB.
        st = (await fetch(url, { method: 'POST', body: s, keepalive: s.length < 6e4, headers: { 'Content-Type': 'text/plain' }, credentials: 'omit' })).status
      } catch (e) {}
      busy = 0
      q = q.filter((e) => !b.includes(e))
      // Going away, Chromium fails the page's fetch though keepalive still delivers it: trust it.
      if (!gone && (!st || st >= 500 || st == 429)) {
        // Back in the queue, first in line, for a retry later.
        q = b.concat(q)
        save()
        fails++
        clearTimeout(timer)
        timer = 0
        return later(Math.min(3e4, 500 * 2 ** fails) * (0.5 + Math.random() / 2))
      }
      fails = 0
      save()
    }
  }
  let running = 0
  /** Resolves when the queue is empty, or a send failed and a retry is scheduled. */
  const flush = () => (running = running || drain().finally(() => (running = 0)))

  /** Hands everything queued to sendBeacon, which outlives the page (called on page hide). */
  const beacon = () => {
    micro = 0
    // The batch in flight is left to its keepalive fetch: sending it twice would only duplicate.
    if (busy && !offline()) q = q.filter((e) => !busy.includes(e))
    while (q.length && !offline()) {
      if (!nav.sendBeacon || !nav.sendBeacon(url, body(q.slice(0, BATCH)))) break
      q = q.slice(BATCH)
    }
    save()
  }

  let gone = 0 // the page is being unloaded (or frozen in the back/forward cache)
  w.addEventListener('pagehide', () => (gone = 1), true)
  w.addEventListener('pageshow', (e) => ((gone = 0), e.persisted && flush()))
  w.addEventListener('online', flush)
  if (q.length) later(cfg.flushInterval || 1e3)

  return {
    push(e) {
      q.push(e)
      if (q.length > max) q.shift()
      save()
      if (gone || w.document.visibilityState == 'hidden') {
        // Hidden or unloading: no timer may ever run again, so beacon once this task ends.
        micro = micro || (queueMicrotask(beacon), 1)
      } else if (q.length >= BATCH && !fails) flush()
      else later(cfg.flushInterval || 1e3)
    },
    flush,
    beacon,
    clear() {
      q = []
      save()
    },
  }
}
