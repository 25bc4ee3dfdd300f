import { isIP } from 'node:net'

/** Client ids the gateway treats as browser UIs, whose Origin it checks (GATEWAY.md, MORE-BEHAVIOURS Q3). */
const BROWSER_CLIENT_IDS = new Set(['webchat', 'webchat-ui', 'openclaw-control-ui'])

/** Client ids that need a device identity even with a valid token (transcripts matrix-*-tui-ui, control-ui). */
const DEVICE_REQUIRED_CLIENT_IDS = new Set(['openclaw-control-ui', 'openclaw-tui'])

/** Is this a browser-style client (Origin checked, token-only gets no scopes)? */
export function isBrowserClient(clientId: string, mode: string): boolean {
  return BROWSER_CLIENT_IDS.has(clientId) || mode === 'webchat'
}

/** Must this client present a signed device identity ("control ui requires device identity")? */
export function requiresDeviceIdentity(clientId: string): boolean {
  return DEVICE_REQUIRED_CLIENT_IDS.has(clientId)
}

/** Is a socket peer address loopback (127/8, ::1, IPv4-mapped loopback)? */
export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
  if (isIP(a) === 4) return a.startsWith('127.')
  return a === '::1'
}

function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'))
}

/** Normalises an origin for comparison: scheme://host[:port], lower-case, no trailing slash. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin.toLowerCase()
  } catch {
    return undefined
  }
}

/** The outcome of {@link checkBrowserOrigin}: the `reason` the real gateway puts in `details`. */
export type OriginCheck = { ok: true } | { ok: false; reason: 'origin missing or invalid' | 'origin not allowed' }

/**
 * The gateway's Origin rule for browser clients (MORE-BEHAVIOURS Q3): no (or an unparsable) Origin is
 * refused; a loopback Origin (`127.0.0.1`/`localhost`, any port) from a loopback peer is accepted with
 * or without an allowlist; anything else must be in `allowedOrigins`.
 */
export function checkBrowserOrigin(
  origin: string | undefined,
  remoteAddress: string,
  allowedOrigins: readonly string[],
): OriginCheck {
  const normalized = origin === undefined ? undefined : normalizeOrigin(origin)
  if (normalized === undefined) return { ok: false, reason: 'origin missing or invalid' }
  if (isLoopbackHostname(new URL(normalized).hostname) && isLoopbackAddress(remoteAddress)) return { ok: true }
  const allowed = allowedOrigins.map((o) => normalizeOrigin(o)).filter((o): o is string => o !== undefined)
  return allowed.includes(normalized) ? { ok: true } : { ok: false, reason: 'origin not allowed' }
}
