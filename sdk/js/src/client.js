/**
 * The core: configuration, ids, the event envelope (SPEC section 2), privacy gates and the
 * public API. Automatic tracking lives in its own modules, which call back into `capture`.
 */
import { VERSION } from './version.js'
import { uuid, store } from './util.js'
import { transport } from './transport.js'
import { pages } from './page.js'
import { autocapture } from './autocapture.js'
import { errors } from './errors.js'

const IDS = 'bl_id'
const OUT = 'bl_out'
const SESSION_MS = 18e5 // 30 minutes without an event starts a new session
const SESSION_MAX = 864e5 // and no session outlives 24 hours (SPEC section 4)

/** True when the configuration or the browser says not to track this page at all. */
const blocked = (w, c) => {
  const n = w.navigator
  return (
    (!c.allowLocalhost && /^(localhost|127\.|\[::1\]$|$)/.test(w.location.hostname)) ||
    (!c.allowWebdriver && n.webdriver) ||
    (c.respectDnt && (n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl))
  )
}

export const createClient = (w) => {
  let cfg
  let t // transport, once initialised
  let ls
  let on = 0 // 1 after a successful init
  const early = [] // API calls made before init
  const page = {} // the current page view: its referrer, the landing url

  /** The visitor/session ids, rotating the session after inactivity; `p` patches them. */
  const ids = (p) => {
    const now = Date.now()
    const s = ls.get(IDS) || {}
    if (!s.v) s.v = 'v_' + uuid()
    if (!s.s || now - s.t > SESSION_MS || now - s.b > SESSION_MAX) (s.s = 's_' + uuid()), (s.b = now)
    s.t = now
    Object.assign(s, p)
    ls.set(IDS, s)
    return s
  }

  const capture = (name, props, extra) => {
    if (ls.get(OUT) || !name) return
    const s = ids()
    const sc = w.screen || {}
    const e = {
      event_id: uuid(),
      event: String(name),
      timestamp: new Date().toISOString(),
      visitor_id: s.v,
      session_id: s.s,
      user_id: s.u || null,
      url: w.location.href,
      referrer: page.ref || null,
      title: w.document.title,
      properties: props || {},
      context: {
        lib: 'beaconlake-js',
        lib_version: VERSION,
        screen_w: sc.width,
        screen_h: sc.height,
        viewport_w: w.innerWidth,
        viewport_h: w.innerHeight,
        lang: w.navigator.language,
        tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      },
    }
    t.push(Object.assign(e, extra))
    return e
  }

  /** Wraps an API method: before init its calls wait in `early`; after a refused init they are dropped. */
  const m = (name, fn) => (...a) => (on ? fn(...a) : cfg ? undefined : early.push([name, ...a]))

  const api = {
    /** Starts tracking; `key` is the project's public write key, `host` the collector. */
    init(o) {
      if (on || !w) return
      cfg = Object.assign({ host: w.location.origin }, o)
      if (!cfg.key || blocked(w, cfg)) return (early.length = 0)
      ls = store(w)
      // Keep the real fetch for ourselves before errors() wraps it for network_error.
      t = transport(w, cfg, ls, w.fetch.bind(w))
      on = 1
      const d = w.document
      page.land = w.location.href
      d.addEventListener('visibilitychange', () => d.visibilityState == 'hidden' && t.beacon())
      w.addEventListener('pagehide', t.beacon)
      if (cfg.pageviews !== false) pages(w, capture, page)
      if (cfg.autocapture !== false) autocapture(w, capture)
      errors(w, capture, cfg)
      // Web vitals and replay live in their own files so the core stays small; each reports
      // through a hook left on window. Replay is off unless switched on or sampled (per session).
      const load = (n) => {
        const s = d.createElement('script')
        s.async = true
        s.src = cfg[n + 'Url'] || cfg.host.replace(/\/+$/, '') + '/sdk/beaconlake-' + n + '.js'
        d.head.appendChild(s)
      }
      if (cfg.vitals !== false) {
        const seen = {}
        w.__blv = (v) => {
          if (!seen[v.id]) (seen[v.id] = 1), capture('web_vital', { name: v.name, value: v.value, rating: v.rating }, { url: page.land })
        }
        load('vitals')
      }
      if (cfg.replay || (cfg.replaySampleRate && parseInt(ids().s.slice(2, 8), 16) < cfg.replaySampleRate * 16777216)) {
        w.__blr = (p) => capture('replay', p)
        load('replay')
      }
      early.splice(0).forEach((a) => api[a[0]](...a.slice(1)))
    },
    capture: m('capture', (name, props) => void capture(name, props)),
    /** Ties this visitor to your user id from now on; traits are stored as person properties. */
    identify: m('identify', (id, traits) => {
      if (id != null && !ls.get(OUT)) ids({ u: String(id) }), capture('identify', traits)
    }),
    /** Forgets the user, visitor and session ids (call it on logout). */
    reset: m('reset', () => ls.set(IDS, null)),
    optOut: m('optOut', () => (ls.set(OUT, 1), t.clear())),
    optIn: m('optIn', () => ls.set(OUT, null)),
    /** Sends what is queued now; resolves once the collector has answered. */
    flush: m('flush', () => t.flush()),
    /** The stub queue's form: beaconlake.push(['capture', 'signup', {...}]). */
    push: (a) => api[a[0]](...a.slice(1)),
  }
  return api
}
