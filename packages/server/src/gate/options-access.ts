/**
 * The options that decide who may connect, and where: `session` and `authenticate` (one of them is
 * required), `path`, `allowedOrigins` (normalised) and `trustProxy` (compiled as Express does).
 */
import { DEFAULT_PATH } from '@clawchat/protocol'
import { NAME, bad } from './options-check.js'
import type { Authenticate, ClawChatProxyOptions, ClawChatUserInput, SessionMiddleware } from './options.js'
import { compileTrust, type TrustFn } from './trust-proxy.js'

/** The default `authenticate`: the `user` the app stored in its session. */
export const defaultAuthenticate: Authenticate = (req) => (req.session?.user as ClawChatUserInput | undefined) ?? null

/**
 * Normalises an origin (`scheme://host[:port]`), or `null` if it is not one.
 *
 * @example
 * normalizeOrigin('HTTPS://App.Example:443') // 'https://app.example'
 * normalizeOrigin('https://app.example/x')   // null
 */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
      return null
    if (/\/./.test(value.replace(/^[a-z]+:\/\//i, ''))) return null
    return url.origin
  } catch {
    return null
  }
}

/** The access options after validation. */
export interface ResolvedAccess {
  session: SessionMiddleware | undefined
  authenticate: Authenticate
  path: string
  allowedOrigins: readonly string[] | undefined
  trustProxy: TrustFn | undefined
}

function resolveUserSource(o: Partial<ClawChatProxyOptions>): Pick<ResolvedAccess, 'session' | 'authenticate'> {
  if (o.session !== undefined && typeof o.session !== 'function')
    throw bad('session', 'must be a middleware function such as express-session', o.session)
  if (o.authenticate !== undefined && typeof o.authenticate !== 'function')
    throw bad('authenticate', 'must be a function (req) => user | null', o.authenticate)
  if (o.session === undefined && o.authenticate === undefined) {
    throw new TypeError(
      `${NAME}: option "session" is required (your express-session middleware),` +
        ' unless you pass your own "authenticate"',
    )
  }
  return { session: o.session, authenticate: o.authenticate ?? defaultAuthenticate }
}

function resolvePath(value: unknown): string {
  const path = value === undefined ? DEFAULT_PATH : value
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    throw bad('path', 'must be a URL path like "/clawchat" (starting with "/", no trailing "/", no query)', path)
  }
  return path
}

function resolveOrigins(value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value))
    throw bad('allowedOrigins', 'must be an array of origins like "https://app.example"', value)
  return value.map((origin: unknown) => {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : null
    if (!normalized)
      throw bad('allowedOrigins', 'must hold origins like "https://app.example" (scheme, host and port only)', origin)
    return normalized
  })
}

/**
 * Validates `session`, `authenticate`, `path`, `allowedOrigins` and `trustProxy`, in that order;
 * throws naming the first bad one.
 *
 * @example
 * resolveAccess({ session, allowedOrigins: ['https://app.example'] }).path // '/clawchat'
 */
export function resolveAccess(o: Partial<ClawChatProxyOptions>): ResolvedAccess {
  const { session, authenticate } = resolveUserSource(o)
  const path = resolvePath(o.path)
  const allowedOrigins = resolveOrigins(o.allowedOrigins)
  const trustProxy = o.trustProxy === undefined ? undefined : compileTrust(o.trustProxy, 'trustProxy')
  return { session, authenticate, path, allowedOrigins, trustProxy }
}
