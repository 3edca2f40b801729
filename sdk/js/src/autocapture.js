/**
 * Clicks on things meant to be clicked, form submits and rage clicks. Only the element's tag,
 * visible text (never a field's value; none under data-bl-mask), href and a short selector are
 * recorded: enough to tell "Add to cart" from "Checkout", nothing a user typed.
 */
const TARGETS = 'button,a,input[type=submit],[role=button],[data-bl-event]'

const attr = (el, a) => el.getAttribute(a)

/** tag#id or tag.class1.class2, up to three levels: short, and stable across deploys. */
const selector = (el) => {
  const p = []
  for (let i = 0; el && el.tagName && i < 3; i++, el = el.parentElement) {
    const id = attr(el, 'id')
    const cl = (attr(el, 'class') || '').trim()
    p.unshift(el.tagName.toLowerCase() + (id ? '#' + id : cl ? '.' + cl.split(/\s+/).slice(0, 2).join('.') : ''))
    if (id) break
  }
  return p.join(' > ')
}

const describe = (el) => {
  // Text of fields and editable areas is what the user typed: never read it.
  const typed = /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.closest('[contenteditable]')
  const hidden = el.closest('[data-bl-mask]') || el.querySelector('[data-bl-mask]')
  const text = hidden ? null : ((typed ? '' : el.textContent) || attr(el, 'aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 100)
  return { tag: el.tagName.toLowerCase(), text, href: attr(el, 'href') && el.href, selector: selector(el) }
}

export const autocapture = (w, capture) => {
  const d = w.document
  let recent = [] // [time, x, y] of the last clicks, for rage clicks

  d.addEventListener(
    'click',
    (ev) => {
      const t = ev.target
      if (!t || !t.closest) return
      const now = Date.now()
      const x = ev.clientX
      const y = ev.clientY
      // Rage click (SPEC): 3+ clicks within 1 s within 30 px; one event per burst.
      recent = recent.filter((c) => now - c[0] <= 1e3 && Math.hypot(c[1] - x, c[2] - y) <= 30)
      recent.push([now, x, y])
      const el = t.closest(TARGETS)
      const info = describe(el || t)
      if (recent.length == 3) capture('rage_click', Object.assign({ x, y }, info))
      if (!el) return
      capture('click', info)
      // data-bl-event="signup_cta" also sends an event of that name, for funnels and goals.
      const named = attr(el.closest('[data-bl-event]') || el, 'data-bl-event')
      if (named) capture(named, info)
    },
    true,
  )

  d.addEventListener(
    'submit',
    (ev) => {
      const f = ev.target
      // getAttribute, not f.id: a field named "id" would shadow the property.
      capture('form_submit', { form_id: attr(f, 'id'), form_name: attr(f, 'name'), action: attr(f, 'action'), method: (attr(f, 'method') || 'get').toLowerCase() })
    },
    true,
  )
}
