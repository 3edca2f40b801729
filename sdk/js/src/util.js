/** Small helpers shared by the core modules: ids and a storage that never throws. */

/** A v4 UUID: crypto.randomUUID where the page is a secure context, else getRandomValues. */
export const uuid = () => {
  const c = globalThis.crypto
  return c && c.randomUUID
    ? c.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) =>
        (d ^ ((c && c.getRandomValues ? c.getRandomValues(new Uint8Array(1))[0] : Math.random() * 256) & (15 >> (d / 4)))).toString(16),
      )
}

/**
 * JSON values in localStorage, falling back to memory when storage is blocked (Safari private
 * mode, sandboxed iframes, cookies disabled): ids then live as long as the page.
 */
export const store = (w) => {
  const mem = {}
  let ls
  try {
    ls = w.localStorage
    ls.setItem('bl_t', '1')
    ls.removeItem('bl_t')
  } catch (e) {
    ls = 0
  }
  return {
    get(k) {
      try {
        return JSON.parse(ls ? ls.getItem(k) : mem[k])
      } catch (e) {
        return null
      }
    },
    set(k, v) {
      v = JSON.stringify(v)
      try {
        ls ? ls.setItem(k, v) : (mem[k] = v)
      } catch (e) {
        // Storage full: keep going in memory for this page.
        mem[k] = v
      }
    },
  }
}
