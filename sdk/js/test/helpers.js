// A jsdom page with a recording network: fetch answers with the statuses a test asks for and
// keeps every request body; sendBeacon keeps its payloads. The SDK runs unmodified against it.
import { JSDOM, VirtualConsole } from 'jsdom'
import { createClient } from '../src/client.js'

export const KEY = 'bl_pub_test'
export const HOST = 'https://collect.example'

/**
 * Opens `html` at `url`. `statuses` are fetch answers in order (then 200; 0 means a network
 * failure). Returns the window, the client (not yet initialised) and the recorded traffic.
 */
export const page = ({ url = 'https://shop.example/', html = '<!doctype html><title>Shop</title><body></body>', statuses = [], storage, referrer, beacon = true } = {}) => {
  // jsdom's own complaints (no navigation, refused connections) are expected noise here.
  const virtualConsole = new VirtualConsole().sendTo(console, { omitJSDOMErrors: true })
  const dom = new JSDOM(html, { url, referrer, pretendToBeVisual: true, runScripts: 'outside-only', virtualConsole })
  const w = dom.window
  // jsdom cannot follow links or submit forms; the page under test stays put.
  w.addEventListener('click', (e) => e.preventDefault())
  if (storage) for (const [k, v] of Object.entries(storage)) w.localStorage.setItem(k, v)
  const net = { posts: [], beacons: [], fetches: [] }
  const answers = [...statuses]
  // The page's own fetch (what errors.js wraps and the transport keeps): collector posts are
  // recorded as posts, anything else as the page's fetches.
  w.fetch = async (input, init = {}) => {
    const u = String(input.url || input)
    // The answer arrives as a task of its own, as from a real network.
    await new Promise((r) => setImmediate(r))
    if (u.startsWith(HOST + '/v1/events')) {
      const st = answers.length ? answers.shift() : 200
      net.posts.push({ url: u, init, body: JSON.parse(init.body), status: st })
      if (st === 0) throw new TypeError('Failed to fetch')
      return { status: st }
    }
    net.fetches.push(u)
    const st = Number(new URL(u, w.location.href).searchParams.get('status') || 200)
    if (st === 0) throw new TypeError('Failed to fetch')
    return { status: st }
  }
  if (beacon)
    w.navigator.sendBeacon = function (u, body) {
      if (this !== w.navigator) throw new TypeError('Illegal invocation')
      net.beacons.push({ url: u, body: JSON.parse(body) })
      return true
    }
  let vis = 'visible'
  Object.defineProperty(w.document, 'visibilityState', { get: () => vis, configurable: true })
  const setVisible = (v) => {
    vis = v ? 'visible' : 'hidden'
    w.document.dispatchEvent(new w.Event('visibilitychange'))
  }
  const client = createClient(w)
  /** Every event sent so far, by fetch or beacon, in order of sending. */
  const events = () => [...net.posts.filter((p) => p.status && p.status < 500), ...net.beacons].flatMap((p) => p.body.batch)
  const named = (name) => events().filter((e) => e.event === name)
  const start = (opts = {}) => client.init({ key: KEY, host: HOST, vitals: false, ...opts })
  return { dom, w, d: w.document, client, net, events, named, setVisible, start }
}

/** Lets pending promise callbacks (fetch answers) run. */
export const settle = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

export const click = (w, el, x = 10, y = 10) => el.dispatchEvent(new w.MouseEvent('click', { bubbles: true, cancelable: true, clientX: x, clientY: y }))
