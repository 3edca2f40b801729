/**
 * page_view on load and on SPA navigation; page_leave with the page's visible time. A page_leave
 * goes out each time the page is hidden (tab switch, close, navigation) with the visible time so
 * far, and once more on an SPA navigation; `page_view_id` ties it to its page_view.
 */
export const pages = (w, capture, page) => {
  const d = w.document
  const h = w.history
  const now = () => Date.now()
  let cur

  const visible = () => d.visibilityState != 'hidden'
  const ms = () => cur.acc + (cur.since ? now() - cur.since : 0)

  const view = (ref) => {
    page.ref = ref
    cur = { url: w.location.href, acc: 0, since: visible() && now(), sent: -1 }
    const e = capture('page_view', {}, { referrer: ref })
    cur.id = e && e.event_id
  }

  const leave = () => {
    const t = ms()
    if (t != cur.sent) (cur.sent = t), capture('page_leave', { duration_ms: t, page_view_id: cur.id }, { url: cur.url })
  }

  const nav = () => {
    if (w.location.href == cur.url) return
    leave()
    view(cur.url)
  }

  for (const k of ['pushState', 'replaceState']) {
    const o = h[k]
    h[k] = function () {
      const r = o.apply(this, arguments)
      nav()
      return r
    }
  }
  w.addEventListener('popstate', nav)
  w.addEventListener('hashchange', nav)
  // A navigation fires pagehide then visibilitychange, a tab close the other way round; both
  // stop the visible clock, so the second finds nothing new to send.
  const hide = () => ((cur.acc = ms()), (cur.since = 0), leave())
  d.addEventListener('visibilitychange', () => (visible() ? (cur.since = now()) : hide()))
  w.addEventListener('pagehide', hide)
  // Back/forward cache restore: the same document shows a new page view.
  w.addEventListener('pageshow', (e) => e.persisted && view(d.referrer || null))
  view(d.referrer || null)
}
