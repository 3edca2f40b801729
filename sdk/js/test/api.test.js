import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { JSDOM, VirtualConsole } from 'jsdom'
import { page, settle, KEY, HOST } from './helpers.js'

test('calls made before init wait for it, in order', async () => {
  const p = page()
  p.client.capture('early', { n: 1 })
  p.client.identify('user-7', { plan: 'pro' })
  p.client.capture('early2')
  assert.equal(p.net.posts.length, 0)
  p.start()
  await p.client.flush()
  assert.deepEqual(p.events().map((e) => [e.event, e.user_id]), [
    ['page_view', null],
    ['early', null],
    ['identify', 'user-7'],
    ['early2', 'user-7'],
  ])
})

test('init without a key does nothing; capture with no name is ignored', async () => {
  const p = page()
  p.client.init({ host: HOST })
  p.client.capture('x')
  p.client.capture('')
  await p.client.flush()
  assert.equal(p.net.posts.length, 0)
})

test('identify sets user_id from then on, with traits on the identify event; it survives a reload', async () => {
  const a = page()
  a.start()
  a.client.capture('anonymous')
  a.client.identify(42, { email_domain: 'example.com', plan: 'pro' })
  a.client.capture('known')
  await a.client.flush()
  const [anon, ident, known] = a.events().slice(1)
  assert.equal(anon.user_id, null)
  assert.equal(ident.event, 'identify')
  assert.equal(ident.user_id, '42')
  assert.deepEqual(ident.properties, { email_domain: 'example.com', plan: 'pro' })
  assert.equal(known.user_id, '42')
  assert.equal(known.visitor_id, anon.visitor_id, 'identify keeps the visitor')

  const b = page({ storage: { ...a.w.localStorage } })
  b.start()
  await b.client.flush()
  assert.equal(b.events()[0].user_id, '42')
})

test('reset forgets user, visitor and session', async () => {
  const p = page()
  p.start()
  p.client.identify('u1')
  p.client.capture('before')
  p.client.reset()
  p.client.capture('after')
  await p.client.flush()
  const before = p.named('before')[0]
  const after = p.named('after')[0]
  assert.equal(after.user_id, null)
  assert.notEqual(after.visitor_id, before.visitor_id)
  assert.notEqual(after.session_id, before.session_id)
})

test('flush sends at once and resolves after the collector answered', async () => {
  const p = page()
  p.start()
  p.client.capture('now', { a: 1 })
  await p.client.flush()
  assert.equal(p.net.posts.length, 1)
  assert.deepEqual(p.named('now')[0].properties, { a: 1 })
})

test('the version sent as lib_version is package.json’s', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)))
  const { VERSION } = await import('../src/version.js')
  assert.equal(VERSION, pkg.version)
})

// The built script-tag bundle, run by jsdom as a page would run it.
const BUNDLE = readFileSync(new URL('../dist/beaconlake.js', import.meta.url), 'utf8')

const recordingFetch = (w, posts) => {
  w.fetch = async (u, init) => {
    posts.push({ url: String(u), body: JSON.parse(init.body) })
    return { status: 200 }
  }
}

test('script tag: configured by data-* attributes; replays the stub queue', async () => {
  const posts = []
  const html = `<!doctype html><title>T</title>
  <script>
    window.beaconlake = window.beaconlake || [];
    ['init','capture','identify','reset','optOut','optIn','flush'].forEach(function (m) {
      beaconlake[m] = beaconlake[m] || function () { beaconlake.push([m].concat([].slice.call(arguments))) }
    });
    beaconlake.capture('before_load', { from: 'stub' });
    beaconlake.identify('u-9');
  </script>
  <script data-key="${KEY}" data-host="${HOST}/" data-allow-localhost="true" data-vitals="false">${BUNDLE}</script>`
  const dom = new JSDOM(html, {
    url: 'http://localhost:5173/app',
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    beforeParse: (w) => recordingFetch(w, posts),
    virtualConsole: new VirtualConsole(),
  })
  const w = dom.window
  assert.equal(typeof w.beaconlake.capture, 'function', 'the stub was replaced by the SDK')
  w.beaconlake.push(['capture', 'pushed_after_load'])
  await w.beaconlake.flush()
  assert.equal(posts[0].url, HOST + '/v1/events')
  assert.equal(posts[0].body.api_key, KEY)
  const batch = posts.flatMap((p) => p.body.batch)
  assert.deepEqual(batch.map((e) => e.event), ['page_view', 'before_load', 'identify', 'pushed_after_load'])
  assert.deepEqual(batch[1].properties, { from: 'stub' })
  assert.equal(batch[3].user_id, 'u-9')
  assert.equal(w.document.querySelectorAll('script[src*=vitals]').length, 0, 'data-vitals="false" honoured')
})

test('script tag served from a collector: host and the vitals file come from its src', async () => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript' })
    res.end(req.url === '/sdk/beaconlake.js' ? BUNDLE : '/* vitals */ window.__vitals_loaded = 1')
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${server.address().port}`
  try {
    const posts = []
    const dom = new JSDOM(`<!doctype html><script async src="${origin}/sdk/beaconlake.js" data-key="${KEY}" data-allow-localhost="true"></script>`, {
      url: 'https://shop.example/',
      runScripts: 'dangerously',
      resources: 'usable',
      pretendToBeVisual: true,
      beforeParse: (w) => recordingFetch(w, posts),
      virtualConsole: new VirtualConsole(),
    })
    const w = dom.window
    for (let i = 0; i < 300 && !w.__vitals_loaded; i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(w.__vitals_loaded, 1, 'the vitals chunk was loaded from beside the core')
    assert.equal(w.document.querySelector('script[src$="beaconlake-vitals.js"]').src, origin + '/sdk/beaconlake-vitals.js')
    await w.beaconlake.flush()
    assert.equal(posts[0].url, origin + '/v1/events')
    assert.equal(posts[0].body.batch[0].event, 'page_view')
  } finally {
    server.close()
  }
})
