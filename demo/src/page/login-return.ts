/**
 * The Control UI sends a browser without a session to this page's sign-in with `?next=<its path>`
 * (`clawchatProxy({ controlUi: { loginUrl: '/' } })`). Once signed in, a user who may open it goes
 * on there; anyone else stays here, and the `next` leaves the address bar.
 *
 * @example
 * const answer = await showLogin()
 * if (returnToControlUi(answer.controlUi)) return // the browser is on its way to the console
 */
export function returnToControlUi(controlUi: string | null | undefined): boolean {
  const params = new URLSearchParams(location.search)
  const next = params.get('next')
  if (next === null) return false
  params.delete('next')
  const rest = params.toString()
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`)
  if (!controlUi || !isUnder(next, controlUi)) return false
  location.assign(next)
  return true
}

/**
 * True when `path` is the console's own page or a path below it (same origin: a path that starts
 * with one "/", no backslash, no "." or ".." segment).
 */
function isUnder(path: string, link: string): boolean {
  const base = link.replace(/\/+$/, '')
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return false
  if (path !== base && !path.startsWith(`${base}/`) && !path.startsWith(`${base}?`)) return false
  const segments = path.split(/[?#]/)[0]!.split('/')
  return !segments.some((s) => s === '.' || s === '..' || /^%2e/i.test(s) || s.includes('%2f') || s.includes('%2F'))
}
