/**
 * The Control UI's sockets that the gateway serves at its ROOT, not under its base path (measured on
 * openclaw 2026.9.6): the browser panel's live view and the desktop viewer. The gateway hands the UI a
 * `wsPath` such as `/browser/screencast?token=<one-time>`, which the UI opens on the page's own origin.
 * With `controlUi.rootSockets` on, upgrades at exactly these paths (any query) are the proxy's.
 */

/** The root paths of the UI's secondary sockets (exact paths; the query is theirs). */
export const ROOT_SOCKET_PATHS: readonly string[] = ['/browser/screencast', '/desktop/observe']

/** A root socket upgrade: what to open on the gateway. */
export interface RootSocketMatch {
  /** The path alone (for the audit: the query holds a one-time token). */
  path: string
  /** The path and query, as the browser sent them (no fragment). */
  url: string
}

/**
 * Whether `rawUrl` (a request's `url`) is one of the root sockets' paths, exactly.
 *
 * @example
 * matchRootSocket('/browser/screencast?token=abc')
 * // { path: '/browser/screencast', url: '/browser/screencast?token=abc' }
 * matchRootSocket('/browser/screencast/x') // undefined
 */
export function matchRootSocket(rawUrl: string): RootSocketMatch | undefined {
  const end = rawUrl.search(/[?#]/)
  const path = end === -1 ? rawUrl : rawUrl.slice(0, end)
  if (!ROOT_SOCKET_PATHS.includes(path)) return undefined
  const query = end === -1 ? '' : rawUrl.slice(end).replace(/#.*$/s, '')
  return { path, url: `${path}${query}` }
}
