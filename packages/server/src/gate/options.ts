/**
 * The options of `clawchatProxy()`, their defaults, and their validation at construction: a bad
 * option throws at once, with a message naming it — never later, never with the token in it.
 */
import type { IncomingMessage } from 'node:http'
import { DEFAULT_PATH } from '@clawchat/protocol'
import { resolveAuditOption, type AuditOption, type ResolvedAudit } from '../audit/audit-sink.js'
import { resolveCoordination, type CoordinationOptions, type ResolvedCoordination } from '../coordination/options.js'
import { DEFAULT_IDENTITY_PATH } from '../upstream/device-identity.js'
import { resolveLimits, type LimitsOption, type ProxyLimits } from '../limits/limits.js'
import { isLoggerLike, type LoggerLike } from '../shared/log.js'
import { plainWsProblem } from '../upstream/plain-ws.js'
import {
  COMMAND_NAME_PATTERN,
  DEFAULT_COMMAND_POLICY,
  commandName,
  type CommandAllowance,
  type CommandPolicy,
} from '../isolation/commands.js'
import { DEFAULT_METHOD_POLICY, RELAYABLE_METHODS, type MethodPolicy, type Role } from '../isolation/policy.js'
import { NAMESPACE_PATTERN } from '../isolation/session-keys.js'
import { compileTrust, type TrustFn, type TrustProxyOption } from './trust-proxy.js'

/** The default gateway URL: a gateway on this machine, on its default port. */
export const DEFAULT_GATEWAY_URL = 'ws://127.0.0.1:18789'
/** The default namespace of every gateway key the proxy makes. */
export const DEFAULT_NAMESPACE = 'clawchat'
/** The default upstream request timeout, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/**
 * The default interval of the logout check, in ms: a destroyed or expired session's sockets close
 * within this time plus one store read — under 5 s.
 */
export const DEFAULT_SESSION_CHECK_INTERVAL_MS = 4000
/**
 * How long, by default, an upgrade to another path may stay unanswered by the server's other
 * listeners before the attached proxy answers it 404 and closes it (engine.io's default too).
 */
export const DEFAULT_DESTROY_UPGRADE_TIMEOUT_MS = 1000

/** A user as `authenticate` returns it. */
export interface ClawChatUserInput {
  /** A stable id (a database id, a UUID): everything the user owns is keyed by it. */
  id: string
  /** A display name, shown to the user's own browser only. */
  name?: string
  /** `admin` gets the admin method list; default `user`. */
  role?: Role
}

/** An incoming request as `authenticate` sees it: after `session` ran on it. */
export type AuthenticateRequest = IncomingMessage & { session?: any; sessionID?: string }

/** Maps a request to its user, or `null`/`undefined` when nobody is logged in. */
export type Authenticate = (
  req: AuthenticateRequest,
) => ClawChatUserInput | null | undefined | Promise<ClawChatUserInput | null | undefined>

/** A Connect/Express-style middleware such as `express-session`'s. */
export type SessionMiddleware = (req: any, res: any, next: (error?: unknown) => void) => unknown

/** The upstream gateway. */
export interface GatewayOptions {
  /** `ws://` or `wss://` URL of the gateway. Default `ws://127.0.0.1:18789`. */
  url?: string
  /** The gateway's token (e.g. `process.env.OPENCLAW_GATEWAY_TOKEN`). Required; never leaves the server. */
  token: string
  /** Where the proxy's Ed25519 device identity lives. Default `.clawchat/identity.json` (mode 0600). */
  identityPath?: string
  /** How long an upstream request may take, in ms. Default 30000. */
  requestTimeoutMs?: number
}

/** Which methods each role may call (default-deny), and which gateway text commands. */
export interface PolicyOptions {
  methods?: {
    /** Default `USER_METHODS`: chat.send, chat.history, chat.abort, sessions.list, sessions.reset. */
    user?: readonly string[]
    /** Default `ADMIN_METHODS`: the user methods plus models.list. */
    admin?: readonly string[]
  }
  /**
   * Which gateway text commands (`/status`, `/model`, `/approve`, …) each role may run through
   * `chat.send`: a list of command names (`['status', 'model']`) or `'*'` for all. Default: none for
   * anybody — every message goes upstream with `suppressCommandInterpretation: true` and reaches the
   * model as plain text. A command runs with the proxy link's `operator.admin` authority (`/restart`,
   * `/model <p> -g` change the whole gateway): grant them to admins only, and few.
   *
   * @example
   * policy: { commands: { admin: ['status', 'model'] } }
   */
  commands?: {
    user?: CommandAllowance
    admin?: CommandAllowance
  }
}

/**
 * The options of `clawchatProxy()`. Only `gateway.token` and `session` (or `authenticate`) are
 * required; every other option has a safe default.
 *
 * @example
 * const options: ClawChatProxyOptions = {
 *   gateway: { url: 'wss://gateway.internal:18789', token: process.env.OPENCLAW_GATEWAY_TOKEN! },
 *   session: sessionMiddleware,
 *   authenticate: (req) => (req.session.user ? { id: req.session.user.id, role: req.session.user.isAdmin ? 'admin' : 'user' } : null),
 *   allowedOrigins: ['https://app.example'],
 *   limits: { connectionsPerUser: 5, messagesPerSecond: 10 },
 *   sessionCheckIntervalMs: 2000,
 *   audit: { to: '/var/log/clawchat/audit.log', bodies: false },
 * }
 */
export interface ClawChatProxyOptions {
  /** The upstream gateway (URL, token, device identity). */
  gateway: GatewayOptions
  /** The app's session middleware (e.g. `express-session`), run on each upgrade request. */
  session?: SessionMiddleware
  /** Maps a request to its user. Default: `req.session.user ?? null`. */
  authenticate?: Authenticate
  /** Where the proxy serves the WebSocket and `GET <path>/session`. Default `/clawchat`. */
  path?: string
  /** Browser origins allowed to connect. Default: only the app's own origin. */
  allowedOrigins?: readonly string[]
  /**
   * Which peers may speak for the browser through `X-Forwarded-Host`/`-Proto` (the app's own origin
   * for the Origin check) and `X-Forwarded-For` (the browser's address in the audit trail): the values
   * of Express's `trust proxy` — `true`, `false`, a hop count, addresses or subnets (`'loopback'`,
   * `['10.0.0.0/8']`) or a function. Default: Express's own setting once the middleware has seen a
   * request, else nobody. Set it behind a load balancer, so the first upgrade is judged right too.
   */
  trustProxy?: TrustProxyOption
  /** First segment of every gateway key the proxy makes (separate apps on one gateway). Default `clawchat`. */
  namespace?: string
  /** Which methods each role may call. */
  policy?: PolicyOptions
  /** Limits, each with a safe default (see README). */
  limits?: LimitsOption
  /**
   * How often the proxy re-reads each app session that has open sockets (one `store.get` per
   * distinct session), closing the sockets of a destroyed or expired one with 4401. Default 4000 ms;
   * 0 turns the check off (a session destroyed through its store in this process — the app's
   * `req.session.destroy()` — still closes its sockets at once; otherwise `disconnectSession`).
   */
  sessionCheckIntervalMs?: number
  /**
   * With `attach(server)`: how long an upgrade to another path may go untaken by the server's other
   * listeners (nothing written to the socket, no listener added, not destroyed) before the proxy
   * answers it 404 and closes it — otherwise it would stay open forever. Default 1000 ms; 0 leaves
   * such upgrades alone (your own code must answer or destroy every one).
   */
  destroyUpgradeTimeoutMs?: number
  /**
   * The audit trail: `true` (JSON lines on stdout), a file path, a writable stream, a pino logger,
   * or `{ to, bodies }` (`bodies: true` also records request params, i.e. message text).
   * Default: off.
   */
  audit?: AuditOption
  /** A pino-compatible logger for operational messages. Default: pino at `info` to stderr. */
  logger?: LoggerLike
  /**
   * Several instances behind one load balancer: `{ redis }` (a node-redis or ioredis client) makes
   * the per-user limits, `disconnectUser`/`disconnectSession` and logouts hold across every
   * instance (see README "Scaling out"). Default: off — one process, nothing shared.
   */
  coordination?: CoordinationOptions
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  gateway: { url: string; token: string; identityPath: string; requestTimeoutMs: number }
  session: SessionMiddleware | undefined
  authenticate: Authenticate
  path: string
  allowedOrigins: readonly string[] | undefined
  trustProxy: TrustFn | undefined
  namespace: string
  methods: MethodPolicy
  commands: CommandPolicy
  limits: ProxyLimits
  sessionCheckIntervalMs: number
  destroyUpgradeTimeoutMs: number
  audit: ResolvedAudit
  logger: LoggerLike | undefined
  coordination: ResolvedCoordination | undefined
}

const NAME = 'clawchatProxy'

function bad(option: string, expectation: string, got: unknown): TypeError {
  let shown: string
  if (typeof got === 'function') shown = 'a function'
  else if (got === undefined) shown = 'undefined'
  else {
    try {
      shown = JSON.stringify(got) ?? String(got)
    } catch {
      shown = String(got)
    }
    if (shown.length > 80) shown = `${shown.slice(0, 80)}…`
  }
  return new TypeError(`${NAME}: option "${option}" ${expectation}, got ${shown}`)
}

/** The default `authenticate`: the `user` the app stored in its session. */
export const defaultAuthenticate: Authenticate = (req) => (req.session?.user as ClawChatUserInput | undefined) ?? null

/** Normalises an origin (`scheme://host[:port]`), or `null` if it is not one. */
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

function methodList(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((m) => typeof m === 'string'))
    throw bad(option, 'must be an array of method names', value)
  for (const method of value as string[]) {
    if (!RELAYABLE_METHODS.includes(method)) {
      throw bad(option, `may only name methods ClawChat can relay safely (${RELAYABLE_METHODS.join(', ')})`, method)
    }
  }
  return [...new Set(value as string[])]
}

function commandList(option: string, value: unknown): CommandAllowance {
  if (value === '*') return '*'
  if (!Array.isArray(value) || !value.every((c) => typeof c === 'string' && COMMAND_NAME_PATTERN.test(c))) {
    throw bad(option, `must be '*' or an array of command names like ["status", "model"]`, value)
  }
  return [...new Set((value as string[]).map(commandName))]
}

/**
 * Validates the options and fills in the defaults; throws a `TypeError` naming the first bad
 * option. The token is never part of a message.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null)
    throw new TypeError(`${NAME}: options must be an object, got ${input === null ? 'null' : typeof input}`)
  const o = input as Partial<ClawChatProxyOptions> & Record<string, unknown>
  const known = [
    'gateway',
    'session',
    'authenticate',
    'path',
    'allowedOrigins',
    'trustProxy',
    'namespace',
    'policy',
    'limits',
    'sessionCheckIntervalMs',
    'destroyUpgradeTimeoutMs',
    'audit',
    'logger',
    'coordination',
  ]
  for (const key of Object.keys(o))
    if (!known.includes(key))
      throw new TypeError(`${NAME}: unknown option "${key}"; known options: ${known.join(', ')}`)

  if (typeof o.gateway !== 'object' || o.gateway === null)
    throw bad('gateway', 'must be an object like { url, token }', o.gateway)
  const g = o.gateway as unknown as Record<string, unknown>
  for (const key of Object.keys(g)) {
    if (!['url', 'token', 'identityPath', 'requestTimeoutMs'].includes(key))
      throw new TypeError(`${NAME}: unknown option "gateway.${key}"; known: url, token, identityPath, requestTimeoutMs`)
  }
  const url = g.url === undefined ? DEFAULT_GATEWAY_URL : g.url
  if (typeof url !== 'string' || !/^wss?:\/\/[^/\s]/i.test(url))
    throw bad('gateway.url', 'must be a ws:// or wss:// URL', url)
  try {
    new URL(url)
  } catch {
    throw bad('gateway.url', 'must be a ws:// or wss:// URL', url)
  }
  const insecure = plainWsProblem(url)
  if (insecure) throw new TypeError(`${NAME}: option "gateway.url": ${insecure}`)
  if (typeof g.token !== 'string' || g.token.trim().length === 0) {
    // Never echo the value: it may be a real (if malformed) secret.
    throw new TypeError(
      `${NAME}: option "gateway.token" must be the gateway's token as a non-empty string, got ${g.token === undefined ? 'undefined (is OPENCLAW_GATEWAY_TOKEN set?)' : typeof g.token === 'string' ? 'an empty string' : `a ${typeof g.token}`}`,
    )
  }
  const identityPath = g.identityPath === undefined ? DEFAULT_IDENTITY_PATH : g.identityPath
  if (typeof identityPath !== 'string' || identityPath.length === 0)
    throw bad('gateway.identityPath', 'must be a file path', identityPath)
  const requestTimeoutMs = g.requestTimeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : g.requestTimeoutMs
  if (typeof requestTimeoutMs !== 'number' || !Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 100) {
    throw bad('gateway.requestTimeoutMs', 'must be an integer number of ms, at least 100', requestTimeoutMs)
  }

  if (o.session !== undefined && typeof o.session !== 'function')
    throw bad('session', 'must be a middleware function such as express-session', o.session)
  if (o.authenticate !== undefined && typeof o.authenticate !== 'function')
    throw bad('authenticate', 'must be a function (req) => user | null', o.authenticate)
  if (o.session === undefined && o.authenticate === undefined) {
    throw new TypeError(
      `${NAME}: option "session" is required (your express-session middleware), unless you pass your own "authenticate"`,
    )
  }

  const path = o.path === undefined ? DEFAULT_PATH : o.path
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    throw bad('path', 'must be a URL path like "/clawchat" (starting with "/", no trailing "/", no query)', path)
  }

  let allowedOrigins: string[] | undefined
  if (o.allowedOrigins !== undefined) {
    if (!Array.isArray(o.allowedOrigins))
      throw bad('allowedOrigins', 'must be an array of origins like "https://app.example"', o.allowedOrigins)
    allowedOrigins = o.allowedOrigins.map((origin) => {
      const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : null
      if (!normalized)
        throw bad('allowedOrigins', 'must hold origins like "https://app.example" (scheme, host and port only)', origin)
      return normalized
    })
  }
  const trustProxy = o.trustProxy === undefined ? undefined : compileTrust(o.trustProxy, 'trustProxy')

  const namespace = o.namespace === undefined ? DEFAULT_NAMESPACE : o.namespace
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw bad('namespace', 'must be 1 to 32 characters of a-z, 0-9 and "-", starting with a letter', namespace)
  }

  let methods: MethodPolicy = DEFAULT_METHOD_POLICY
  let commands: CommandPolicy = DEFAULT_COMMAND_POLICY
  if (o.policy !== undefined) {
    if (typeof o.policy !== 'object' || o.policy === null)
      throw bad('policy', 'must be an object like { methods: { user, admin } }', o.policy)
    for (const key of Object.keys(o.policy))
      if (key !== 'methods' && key !== 'commands')
        throw new TypeError(`${NAME}: unknown option "policy.${key}"; known: methods, commands`)
    const m = (o.policy as PolicyOptions).methods
    if (m !== undefined) {
      if (typeof m !== 'object' || m === null)
        throw bad('policy.methods', 'must be an object like { user: [...], admin: [...] }', m)
      for (const key of Object.keys(m))
        if (key !== 'user' && key !== 'admin')
          throw new TypeError(`${NAME}: unknown option "policy.methods.${key}"; known: user, admin`)
      methods = {
        user: m.user === undefined ? DEFAULT_METHOD_POLICY.user : methodList('policy.methods.user', m.user),
        admin: m.admin === undefined ? DEFAULT_METHOD_POLICY.admin : methodList('policy.methods.admin', m.admin),
      }
    }
    const c = (o.policy as PolicyOptions).commands
    if (c !== undefined) {
      if (typeof c !== 'object' || c === null)
        throw bad('policy.commands', `must be an object like { admin: ['status'] }`, c)
      for (const key of Object.keys(c))
        if (key !== 'user' && key !== 'admin')
          throw new TypeError(`${NAME}: unknown option "policy.commands.${key}"; known: user, admin`)
      commands = {
        user: c.user === undefined ? DEFAULT_COMMAND_POLICY.user : commandList('policy.commands.user', c.user),
        admin: c.admin === undefined ? DEFAULT_COMMAND_POLICY.admin : commandList('policy.commands.admin', c.admin),
      }
    }
  }

  const limits = resolveLimits(o.limits, NAME)

  const sessionCheckIntervalMs =
    o.sessionCheckIntervalMs === undefined ? DEFAULT_SESSION_CHECK_INTERVAL_MS : o.sessionCheckIntervalMs
  if (
    typeof sessionCheckIntervalMs !== 'number' ||
    !Number.isSafeInteger(sessionCheckIntervalMs) ||
    (sessionCheckIntervalMs !== 0 && sessionCheckIntervalMs < 100)
  ) {
    throw bad(
      'sessionCheckIntervalMs',
      'must be an integer number of ms, at least 100, or 0 to turn the check off',
      sessionCheckIntervalMs,
    )
  }

  const destroyUpgradeTimeoutMs =
    o.destroyUpgradeTimeoutMs === undefined ? DEFAULT_DESTROY_UPGRADE_TIMEOUT_MS : o.destroyUpgradeTimeoutMs
  if (
    typeof destroyUpgradeTimeoutMs !== 'number' ||
    !Number.isSafeInteger(destroyUpgradeTimeoutMs) ||
    destroyUpgradeTimeoutMs < 0
  ) {
    throw bad(
      'destroyUpgradeTimeoutMs',
      'must be an integer number of ms, or 0 to leave upgrades to other paths alone',
      destroyUpgradeTimeoutMs,
    )
  }

  const audit = resolveAuditOption(o.audit, NAME)
  if (o.logger !== undefined && !isLoggerLike(o.logger))
    throw bad('logger', 'must be a pino-compatible logger with debug, info, warn and error', o.logger)
  const coordination = resolveCoordination(o.coordination, namespace, NAME)

  return {
    gateway: { url, token: g.token, identityPath, requestTimeoutMs },
    session: o.session,
    authenticate: o.authenticate ?? defaultAuthenticate,
    path,
    allowedOrigins,
    trustProxy,
    namespace,
    methods,
    commands,
    limits,
    sessionCheckIntervalMs,
    destroyUpgradeTimeoutMs,
    audit,
    logger: o.logger,
    coordination,
  }
}
