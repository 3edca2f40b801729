/**
 * Uncaught errors, unhandled rejections (`error`) and failed fetch/XHR calls (`network_error`:
 * status >= 400, or 0 for a network failure). Requests to the collector itself are never
 * reported, so a collector outage cannot feed on itself. URLs are kept without their query
 * string, where tokens tend to live.
 */
const MAX = 50 // per page, so an error in a render loop cannot flood the collector

export const errors = (w, capture, cfg) => {
  let n = 0
  const own = cfg.host.replace(/\/+$/, '') + '/v1/'
  const err = (p) => n++ < MAX && capture('error', p)
  const stack = (x) => (x && x.stack ? String(x.stack).slice(0, 4e3) : null)

  if (cfg.errors !== false) {
    w.addEventListener('error', (e) => {
      err({ message: e.message, source: e.filename, line: e.lineno, col: e.colno, stack: stack(e.error) })
    })
    w.addEventListener('unhandledrejection', (e) => {
      const r = e.reason
      err({ message: String((r && r.message) || r), source: 'unhandledrejection', stack: stack(r) })
    })
  }
  if (cfg.network === false) return

  const net = (method, url, status, t0) => {
    try {
      url = new URL(url, w.location.href)
      url = url.origin + url.pathname
    } catch (e) {}
    if (!url.startsWith(own) && n++ < MAX) capture('network_error', { method: (method || 'GET').toUpperCase(), url, status, duration_ms: Date.now() - t0 })
  }

  const f = w.fetch
  if (f)
    w.fetch = function (input, init) {
      const t0 = Date.now()
      const p = f.apply(w, arguments)
      const m = (init && init.method) || (input && input.method)
      const u = (input && input.url) || String(input)
      p.then(
        (r) => r.status >= 400 && net(m, u, r.status, t0),
        (e) => e && e.name != 'AbortError' && net(m, u, 0, t0),
      )
      return p
    }

  const X = w.XMLHttpRequest && w.XMLHttpRequest.prototype
  if (X) {
    const open = X.open
    const send = X.send
    X.open = function (m, u) {
      this._bl = [m, u]
      return open.apply(this, arguments)
    }
    X.send = function () {
      const a = this._bl
      const t0 = Date.now()
      if (a) {
        this.addEventListener('abort', () => (a[2] = 1))
        this.addEventListener('loadend', () => (this.status >= 400 || (!this.status && !a[2])) && net(a[0], a[1], this.status, t0))
      }
      return send.apply(this, arguments)
    }
  }
}
