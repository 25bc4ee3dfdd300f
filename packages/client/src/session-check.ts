import { SESSION_ENDPOINT } from '@clawchat/protocol'
import type { FetchLike } from './options.js'

/**
 * The proxy's HTTP session endpoint for a WebSocket URL: `ws(s)://host/path` → `http(s)://host/path/session`.
 *
 * @example
 * sessionUrl('wss://app.example/clawchat') // 'https://app.example/clawchat/session'
 */
export function sessionUrl(wsUrl: string): string {
  const u = new URL(wsUrl)
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:'
  u.pathname = u.pathname.replace(/\/$/, '') + SESSION_ENDPOINT
  u.search = u.hash = ''
  return u.href
}

/**
 * Asks `GET <path>/session` whether the user is still logged in, after a failed reconnect (a refused
 * upgrade looks like close 1006 to a browser). True only for a 401; anything else (200, 503, no answer)
 * means "the server is away, keep backing off".
 *
 * @example
 * if (await loggedOut(fetch, 'wss://app.example/clawchat', 10_000)) chat.close()
 */
export async function loggedOut(fetch: FetchLike, wsUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const init: { credentials: 'include'; signal?: AbortSignal } = { credentials: 'include' }
    if (typeof AbortSignal.timeout === 'function') init.signal = AbortSignal.timeout(timeoutMs)
    return (await fetch(sessionUrl(wsUrl), init)).status === 401
  } catch {
    return false
  }
}
