/**
 * An `authenticate` for apps behind an authenticating reverse proxy (oauth2-proxy, Pomerium, an
 * ingress with forward-auth): the proxy logs the user in and names them in a request header. Such a
 * header is only as good as the peer that wrote it, so it is believed only from the proxy addresses
 * the app names — judged by the socket's own peer address, never by `X-Forwarded-For` — and a request
 * from anybody else that carries it is refused.
 */
import type { IncomingMessage } from 'node:http'
import { isLoggerLike, type LoggerLike } from '../common/log.js'
import type { Authenticate, ClawChatUserInput } from './options.js'
import { compileTrust, type TrustFn } from './trust-proxy.js'

const NAME = 'trustedIdentityHeaders'

/** The header oauth2-proxy names the user in (its `--pass-user-headers`, on by default). */
export const DEFAULT_IDENTITY_USER_HEADER = 'x-forwarded-user'

/**
 * Options of {@link trustedIdentityHeaders}.
 *
 * @example
 * const options: TrustedIdentityHeadersOptions = {
 *   from: ['10.0.0.0/8'],                        // where oauth2-proxy runs
 *   user: 'x-forwarded-user',                    // the default
 *   name: 'x-forwarded-preferred-username',
 *   groups: 'x-forwarded-groups',
 *   admins: ['chat-admins'],
 * }
 */
export interface TrustedIdentityHeadersOptions {
  /**
   * The authenticating proxy's own addresses: addresses, subnets, `'loopback'`, `'linklocal'`,
   * `'uniquelocal'`, as a comma-separated string or an array (what Express's `trust proxy` takes as
   * addresses). Required. Only a request whose socket peer is one of them is believed.
   */
  from: string | readonly string[]
  /** The header that holds the user's stable id. Default `x-forwarded-user` (oauth2-proxy). */
  user?: string
  /** The header that holds the display name (e.g. `x-forwarded-preferred-username`). Default: none. */
  name?: string
  /** The header that holds the user's groups, comma-separated (e.g. `x-forwarded-groups`). Default: none. */
  groups?: string
  /** Groups whose members get the `admin` role; everybody else is a `user`. Needs `groups`. Default: none. */
  admins?: readonly string[]
  /** Where a refused header is reported (a warn line: header name and peer address, never its value). */
  logger?: LoggerLike
}

const KNOWN = ['from', 'user', 'name', 'groups', 'admins', 'logger']
/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

function bad(option: string, expectation: string, got: unknown): TypeError {
  let shown = typeof got === 'function' ? 'a function' : (JSON.stringify(got) ?? String(got))
  if (shown.length > 80) shown = `${shown.slice(0, 80)}…`
  return new TypeError(`${NAME}: option "${option}" ${expectation}, got ${shown}`)
}

function headerOption(option: string, value: unknown, fallback?: string): string | undefined {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !TOKEN.test(value))
    throw bad(option, 'must be an HTTP header name such as "x-forwarded-user"', value)
  return value.toLowerCase()
}

function compileFrom(value: unknown): TrustFn {
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw bad(
      'from',
      'is required: the authenticating proxy\'s addresses or subnets ("loopback", "10.0.0.0/8", or an array ' +
        'of them) — true, hop counts and functions are not taken, since a header is believed only from them',
      value,
    )
  }
  try {
    return compileTrust(list, 'from')
  } catch (error) {
    throw new TypeError((error as Error).message.replace(/^clawchatProxy:/, `${NAME}:`), { cause: error })
  }
}

function resolveAdmins(value: unknown, groups: string | undefined): ReadonlySet<string> {
  if (value === undefined) return new Set()
  if (!Array.isArray(value) || !value.every((g) => typeof g === 'string' && g.trim() !== ''))
    throw bad('admins', 'must be an array of group names', value)
  if (groups === undefined) throw bad('admins', 'needs option "groups" (the header the groups come in)', value)
  return new Set(value.map((g: string) => g.trim()))
}

interface Resolved {
  trusted: TrustFn
  user: string
  name: string | undefined
  groups: string | undefined
  admins: ReadonlySet<string>
  logger: LoggerLike | undefined
}

function resolve(input: unknown): Resolved {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TypeError(`${NAME}: options must be an object with at least "from" (the proxy's addresses)`)
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!KNOWN.includes(key))
      throw new TypeError(`${NAME}: unknown option "${key}"; known options: ${KNOWN.join(', ')}`)
  const trusted = compileFrom(o.from)
  const user = headerOption('user', o.user, DEFAULT_IDENTITY_USER_HEADER) as string
  const name = headerOption('name', o.name)
  const groups = headerOption('groups', o.groups)
  const admins = resolveAdmins(o.admins, groups)
  if (o.logger !== undefined && !isLoggerLike(o.logger))
    throw bad('logger', 'must be a pino-compatible logger with debug, info, warn and error', o.logger)
  return { trusted, user, name, groups, admins, logger: o.logger as LoggerLike | undefined }
}

/**
 * One header's value as the proxy wrote it: `undefined` when absent or empty, `null` when it came
 * more than once (a second copy can only be somebody else's) or is not UTF-8. Node reads header
 * bytes as Latin-1; proxies send names as UTF-8 bytes, so they are decoded back.
 */
function single(req: IncomingMessage, header: string): string | undefined | null {
  const plain = req.headers[header]
  const values = req.headersDistinct?.[header] ?? (plain === undefined ? [] : Array.isArray(plain) ? plain : [plain])
  if (values.length === 0) return undefined
  if (values.length > 1) return null
  const raw = String(values[0]).trim()
  if (raw === '') return undefined
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'))
  } catch {
    return null
  }
}

function peerTrusted(trusted: TrustFn, req: IncomingMessage): boolean {
  const peer = req.socket?.remoteAddress
  if (!peer) return false
  try {
    return trusted(peer, 0)
  } catch {
    return false
  }
}

/** The identity headers the request carries, by name (values are never looked at here). */
function carried(o: Resolved, req: IncomingMessage): string[] {
  return [o.user, o.name, o.groups].filter((h): h is string => h !== undefined && req.headers[h] !== undefined)
}

function userOf(o: Resolved, req: IncomingMessage): ClawChatUserInput | null {
  const id = single(req, o.user)
  if (id === null) {
    o.logger?.warn({ header: o.user }, `${NAME}: refused: the user header came twice or is not UTF-8`)
    return null
  }
  if (id === undefined) return null
  const user: ClawChatUserInput = { id, role: 'user' }
  const name = o.name === undefined ? undefined : single(req, o.name)
  if (typeof name === 'string') user.name = name
  const groups = o.groups === undefined ? undefined : single(req, o.groups)
  if (typeof groups === 'string' && groups.split(',').some((g) => o.admins.has(g.trim()))) user.role = 'admin'
  return user
}

/**
 * An `authenticate` that takes the user from identity headers set by an authenticating reverse
 * proxy — believed only when the request's socket peer is one of `from`. A request from any other
 * peer is refused (`null`: the upgrade gets 401), and, when it carries one of the headers, a warn
 * line names the header and the peer (never the value). A missing, empty, repeated or non-UTF-8
 * user header is refused as well. The role is `admin` for a member of one of `admins`, else `user`.
 * Throws a `TypeError` naming the bad option at once.
 *
 * Let only the authenticating proxy reach the app (a private network, a firewall): `from` is the
 * one guard, and it is only as narrow as you make it.
 *
 * @example
 * // oauth2-proxy on the same host, --pass-user-headers, groups from the identity provider:
 * const proxy = clawchatProxy({
 *   gateway: { token: process.env.OPENCLAW_GATEWAY_TOKEN! },
 *   authenticate: trustedIdentityHeaders({
 *     from: 'loopback',
 *     name: 'x-forwarded-preferred-username',
 *     groups: 'x-forwarded-groups',
 *     admins: ['chat-admins'],
 *   }),
 *   trustProxy: 'loopback', // X-Forwarded-Host/-Proto from it too, for the Origin check
 * })
 * // Pomerium: trustedIdentityHeaders({ from: '10.0.0.0/8', user: 'x-pomerium-claim-email' })
 */
export function trustedIdentityHeaders(options: TrustedIdentityHeadersOptions): Authenticate {
  const o = resolve(options)
  return (req) => {
    if (peerTrusted(o.trusted, req)) return userOf(o, req)
    const headers = carried(o, req)
    if (headers.length > 0) {
      const peer = (req.socket?.remoteAddress ?? 'unknown').slice(0, 64)
      o.logger?.warn({ headers, peer }, `${NAME}: refused identity headers from a peer not in "from"`)
    }
    return null
  }
}
