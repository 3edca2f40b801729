/**
 * Batches events to POST /v1/events. The queue is mirrored to localStorage so events captured
 * offline (or in flight when the tab died) are sent after a reload; the event_id makes a resend
 * harmless. 2xx and 4xx settle a batch (a 4xx will not get better by retrying); 5xx and network
 * errors are retried with exponential backoff and jitter.
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

  /** Sends one batch with fetch; resolves when it has settled (sent, dropped or scheduled). */
  const flush = async () => {
    if (busy || !q.length || offline()) return
    busy = 1
    const b = q.slice(0, BATCH)
    const s = body(b)
    let st = 0
    try {
      // keepalive lets the request outlive the page, but only for bodies under 64 KiB.
      st = (await fetch(url, { method: 'POST', body: s, keepalive: s.length < 6e4, headers: { 'Content-Type': 'text/plain' }, credentials: 'omit' })).status
    } catch (e) {}
    busy = 0
    if (st && st < 500) {
      fails = 0
      q = q.filter((e) => !b.includes(e))
      save()
      return flush()
    }
    fails++
    clearTimeout(timer)
    timer = 0
    later(Math.min(3e4, 500 * 2 ** fails) * (0.5 + Math.random() / 2))
  }

  /** Hands everything queued to sendBeacon, which outlives the page (called on page hide). */
  const beacon = () => {
    micro = 0
    while (q.length && !offline()) {
      if (!nav.sendBeacon || !nav.sendBeacon(url, body(q.slice(0, BATCH)))) break
      q = q.slice(BATCH)
    }
    save()
  }

  w.addEventListener('online', flush)
  if (q.length) later(cfg.flushInterval || 1e3)

  return {
    push(e) {
      q.push(e)
      if (q.length > max) q.shift()
      save()
      if (w.document.visibilityState == 'hidden') {
        // Hidden: the page may never run a timer again, so beacon once this task ends.
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
