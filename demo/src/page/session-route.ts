/** The current session lives in the URL (`#chat=<key>`), so a reload or a shared link keeps it. */

const PARAM = 'chat'

export function sessionFromUrl(): string | undefined {
  const params = new URLSearchParams(location.hash.slice(1))
  const key = params.get(PARAM)?.trim().toLowerCase()
  return key && /^[a-z0-9][a-z0-9._:-]{0,127}$/.test(key) ? key : undefined
}

export function setSessionInUrl(key: string): void {
  const hash = key === 'main' ? '' : `#${PARAM}=${encodeURIComponent(key)}`
  if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`)
}

/** Goes to another session through the URL (a `hashchange`: the page follows it, with history). */
export function openSessionInUrl(key: string): void {
  location.hash = key === 'main' ? '' : `${PARAM}=${encodeURIComponent(key)}`
}

/** A fresh key for a new chat: short, valid in the proxy's grammar, unlikely to repeat. */
export function newSessionKey(): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)
  return `chat-${Date.now().toString(36)}-${rand}`
}

/**
 * The page's name for a session key. Through the proxy keys are already the browser's own; straight
 * from a gateway (direct mode) they come canonical, `agent:main:<key>`, an alias of `<key>`.
 */
export function localSessionKey(key: string): string {
  return key.startsWith('agent:main:') ? key.slice('agent:main:'.length) : key
}
