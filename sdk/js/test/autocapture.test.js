import { test } from 'node:test'
import assert from 'node:assert/strict'
import { page, click } from './helpers.js'

const T0 = Date.parse('2026-11-23T10:00:00Z')
const SHOP = `<!doctype html><title>Shop</title><body>
<div class="card wrapper" id="card">
  <p>Blurb in a wrapper div</p>
  <button class="btn primary large" id="buy"><span>  Add   to
     cart </span></button>
  <a href="/checkout" class="nav-link"><b>Checkout</b></a>
  <div role="button" class="fake"><i>Open menu</i></div>
  <div data-bl-event="signup_cta" class="cta"><span>Sign up now</span></div>
  <button id="long">${'word '.repeat(60)}</button>
  <button id="secret-btn">Account <span data-bl-mask>jane@example.com</span></button>
  <p data-bl-mask><a href="/u/jane" id="masked-link">Jane Doe</a></p>
  <form id="signup" name="signupForm" action="/signup" method="post">
    <input name="email" type="email" value="jane@example.com">
    <input name="id" value="shadowing-field">
    <input type="submit" id="go" value="Create account for jane@example.com">
  </form>
</div></body>`

const start = (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page({ html: SHOP })
  p.start()
  return p
}
const $ = (p, s) => p.d.querySelector(s)

test('clicks on buttons, links and role=button record tag, trimmed text, href, selector', async (t) => {
  const p = start(t)
  click(p.w, $(p, '#buy span'), 10, 10)
  t.mock.timers.tick(2000)
  click(p.w, $(p, 'a.nav-link b'), 100, 10)
  t.mock.timers.tick(2000)
  click(p.w, $(p, '.fake i'), 200, 10)
  await p.client.flush()
  const clicks = p.named('click').map((e) => e.properties)
  assert.deepEqual(clicks[0], { tag: 'button', text: 'Add to cart', href: null, selector: 'button#buy' })
  assert.deepEqual(clicks[1], { tag: 'a', text: 'Checkout', href: 'https://shop.example/checkout', selector: 'div#card > a.nav-link' })
  assert.deepEqual(clicks[2], { tag: 'div', text: 'Open menu', href: null, selector: 'div#card > div.fake' })
})

test('a click on a wrapper div or plain text is no click event', async (t) => {
  const p = start(t)
  click(p.w, $(p, '#card'))
  t.mock.timers.tick(2000)
  click(p.w, $(p, '#card p'))
  await p.client.flush()
  assert.equal(p.named('click').length, 0)
})

test('text is trimmed to 100 characters; class lists to two', async (t) => {
  const p = start(t)
  click(p.w, $(p, '#long'))
  await p.client.flush()
  const [c] = p.named('click')
  assert.equal(c.properties.text.length, 100)
  assert.ok(c.properties.text.startsWith('word word'))
  assert.equal(c.properties.selector, 'button#long')
})

test('data-bl-event marks a custom clickable and names an extra event', async (t) => {
  const p = start(t)
  click(p.w, $(p, '.cta span'))
  await p.client.flush()
  const [c] = p.named('click')
  assert.equal(c.properties.text, 'Sign up now')
  assert.equal(c.properties.selector, 'div#card > div.cta')
  const [named] = p.named('signup_cta')
  assert.deepEqual(named.properties, c.properties)
})

test('data-bl-mask hides an element’s text, inside or around the clicked element', async (t) => {
  const p = start(t)
  click(p.w, $(p, '#secret-btn'))
  t.mock.timers.tick(2000)
  click(p.w, $(p, '#masked-link'))
  await p.client.flush()
  const clicks = p.named('click')
  assert.equal(clicks.length, 2)
  assert.ok(clicks.every((c) => c.properties.text === null))
  assert.ok(!JSON.stringify(p.events()).includes('jane@example.com'))
  assert.ok(!JSON.stringify(p.events()).includes('Jane Doe'))
})

test('form submits send the form’s id, name, action and method, never a value', async (t) => {
  const p = start(t)
  $(p, '#signup input[name=email]').value = 'typed-by-user@example.com'
  click(p.w, $(p, '#go')) // a submit button click: the browser then submits the form
  p.d.querySelector('#signup').dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }))
  await p.client.flush()
  const [f] = p.named('form_submit')
  assert.deepEqual(f.properties, { form_id: 'signup', form_name: 'signupForm', action: '/signup', method: 'post' })
  const [c] = p.named('click')
  assert.equal(c.properties.tag, 'input')
  const sent = JSON.stringify(p.events())
  for (const secret of ['typed-by-user', 'jane@example.com', 'shadowing-field', 'Create account']) assert.ok(!sent.includes(secret), secret)
})

test('rage click: 3 clicks within 1 s within 30 px make one rage_click', async (t) => {
  const p = start(t)
  const b = $(p, '#buy')
  click(p.w, b, 100, 100)
  t.mock.timers.tick(300)
  click(p.w, b, 110, 105)
  t.mock.timers.tick(300)
  click(p.w, b, 95, 120)
  t.mock.timers.tick(300)
  click(p.w, b, 100, 100) // a 4th and 5th in the same burst: still one rage click
  click(p.w, b, 100, 100)
  await p.client.flush()
  const rage = p.named('rage_click')
  assert.equal(rage.length, 1)
  assert.equal(rage[0].properties.tag, 'button')
  assert.equal(rage[0].properties.selector, 'button#buy')
  assert.equal(p.named('click').length, 5)
})

test('rage click limits are inclusive: 30 px and 1 s', async (t) => {
  const p = start(t)
  const b = $(p, '#buy')
  click(p.w, b, 100, 100)
  t.mock.timers.tick(500)
  click(p.w, b, 130, 100)
  t.mock.timers.tick(500)
  click(p.w, b, 100, 100) // 1000 ms after the first, 30 px from the second
  await p.client.flush()
  assert.equal(p.named('rage_click').length, 1)
})

test('rage click also fires on non-clickable elements (a dead image, a wrapper)', async (t) => {
  const p = start(t)
  for (let i = 0; i < 3; i++) click(p.w, $(p, '#card p'), 50, 50)
  await p.client.flush()
  assert.equal(p.named('rage_click').length, 1)
  assert.equal(p.named('rage_click')[0].properties.tag, 'p')
})

test('no rage click when the clicks are slower than 1 s or farther than 30 px apart', async (t) => {
  const p = start(t)
  const b = $(p, '#buy')
  click(p.w, b, 100, 100)
  t.mock.timers.tick(600)
  click(p.w, b, 100, 100)
  t.mock.timers.tick(600)
  click(p.w, b, 100, 100) // the first is 1.2 s old
  t.mock.timers.tick(5000)
  click(p.w, b, 100, 100)
  click(p.w, b, 131, 100) // 31 px away
  click(p.w, b, 100, 131)
  await p.client.flush()
  assert.equal(p.named('rage_click').length, 0)
  assert.equal(p.named('click').length, 6)
})

test('autocapture: false turns clicks, forms and rage clicks off', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  const p = page({ html: SHOP })
  p.start({ autocapture: false })
  for (let i = 0; i < 3; i++) click(p.w, $(p, '#buy'))
  await p.client.flush()
  assert.deepEqual(p.events().map((e) => e.event), ['page_view'])
})
