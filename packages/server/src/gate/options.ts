/**
 * The options of `clawchatProxy()`, their defaults, and their validation at construction: a bad
 * option throws at once, with a message naming it — never later, never with the token in it. One
 * validator per group: `options-gateway.ts`, `options-access.ts` (session, authenticate, path,
 * origins, trustProxy), `options-policy.ts`, and limits, audit and coordination in their folders;
 * `options-check.ts` holds what they share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { resolveAuditOption, type AuditOption, type ResolvedAudit } from '../audit/audit-sink.js'
import { resolveCoordination, type CoordinationOptions, type ResolvedCoordination } from '../coordination/options.js'
import { resolveLimits, type LimitsOption, type ProxyLimits } from '../limits/limits.js'
import { resolveControlUi, type ControlUiOption, type ResolvedControlUi } from '../control-ui/options.js'
import { resolveMetrics, type MetricsOption, type ResolvedMetrics } from '../metrics/options.js'
import { isLoggerLike, type LoggerLike } from '../common/log.js'
import type { CommandPolicy } from '../isolation/commands.js'
import type { ApprovalPolicy } from '../isolation/approvals/approval-policy.js'
import type { PermissionPolicy } from '../isolation/permissions.js'
import type { MethodPolicy, Role } from '../isolation/policy.js'
import { NAMESPACE_PATTERN } from '../isolation/session-keys.js'
import { resolveAccess } from './options-access.js'
import { resolveApprovals, type ApprovalsOption, type ResolvedApprovals } from './options-approvals.js'
import { NAME, bad, integerOption, rejectUnknown } from './options-check.js'
import { resolveGateway, type GatewayOptions, type ResolvedGateway } from './options-gateway.js'
import { resolvePolicy, type PolicyOptions } from './options-policy.js'
import type { TrustFn, TrustProxyOption } from './trust-proxy.js'
export { defaultAuthenticate, normalizeOrigin } from './options-access.js'
export { DEFAULT_GATEWAY_URL, DEFAULT_REQUEST_TIMEOUT_MS, type GatewayOptions } from './options-gateway.js'
export type { PolicyOptions } from './options-policy.js'

/** The default namespace of every gateway key the proxy makes. */
export const DEFAULT_NAMESPACE = 'clawchat'
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

/**
 * An incoming request as `authenticate` sees it: after `session` ran on it. `session` is the app's
 * own (`req.session.user.id`): its shape is whatever the app stores, so it is typed as loosely as
 * Express types it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's session: its shape is the app's
export type AuthenticateRequest = IncomingMessage & { session?: any; sessionID?: string }

/** Maps a request to its user, or `null`/`undefined` when nobody is logged in. */
export type Authenticate = (
  req: AuthenticateRequest,
) => ClawChatUserInput | null | undefined | Promise<ClawChatUserInput | null | undefined>

/**
 * A Connect/Express-style middleware such as `express-session`'s. Its parameters are compared both
 * ways (a method's rule), so a handler typed for Express's `Request` and `Response` fits.
 */
export type SessionMiddleware = {
  middleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): unknown
}['middleware']

/**
 * The options of `clawchatProxy()`. Only `gateway.token` and `session` (or `authenticate`) are
 * required; every other option has a safe default.
 *
 * @example
 * const options: ClawChatProxyOptions = {
 *   gateway: { url: 'wss://gateway.internal:18789', token: process.env.OPENCLAW_GATEWAY_TOKEN! },
 *   session: sessionMiddleware,
 *   authenticate: (req) => {
 *     const user = req.session.user
 *     return user ? { id: user.id, role: user.isAdmin ? 'admin' : 'user' } : null
 *   },
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
   * distinct session), closing the sockets of a destroyed or expired one with 4401. Without a
   * `session` option (`authenticate` alone: a JWT, identity headers) it calls `authenticate` again,
   * as often, on each socket's own upgrade request (its method, url, headers and peer address, kept
   * for this), one call at a time per socket; a socket whose `authenticate` now answers `null`,
   * throws, or names another user is closed with 4401 (`login expired`) — so a JWT that expires ends
   * its sockets within one interval. Default 4000 ms; 0 turns both checks off (a session destroyed
   * through its store in this process — the app's `req.session.destroy()` — still closes its sockets
   * at once; otherwise `disconnectSession`/`disconnectUser`).
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
  /** Approvals: `{ route, unattendedDenyMs }`, default `{ route: false, unattendedDenyMs: 120000 }`. */
  approvals?: ApprovalsOption
  /** OpenClaw's Control UI for admins, behind the app's login (README "The Control UI for admins"). Default: off. */
  controlUi?: ControlUiOption | false
  /**
   * A Prometheus endpoint (prom-client): `true`, or `{ path, allowFrom, prefix, register }` — default
   * `<path>/metrics`, served to `'loopback'` peers only, names starting `clawchat_`, the proxy's own
   * registry (README "Operating it"). `proxy.stats()` has the same figures either way. Default: off.
   */
  metrics?: MetricsOption
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  gateway: ResolvedGateway
  session: SessionMiddleware | undefined
  authenticate: Authenticate
  path: string
  allowedOrigins: readonly string[] | undefined
  trustProxy: TrustFn | undefined
  namespace: string
  methods: MethodPolicy
  commands: CommandPolicy
  approvalPolicy: ApprovalPolicy
  /** `policy.permissions`: the profile of each role that has one. */
  permissions: PermissionPolicy
  approvals: ResolvedApprovals
  limits: ProxyLimits
  sessionCheckIntervalMs: number
  destroyUpgradeTimeoutMs: number
  audit: ResolvedAudit
  logger: LoggerLike | undefined
  coordination: ResolvedCoordination | undefined
  controlUi: ResolvedControlUi | undefined
  metrics: ResolvedMetrics | undefined
}

/** Every top-level option, in the order they are validated. */
const KNOWN_OPTIONS = [
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
  'approvals',
  'controlUi',
  'metrics',
]

function resolveNamespace(value: unknown): string {
  const namespace = value === undefined ? DEFAULT_NAMESPACE : value
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw bad('namespace', 'must be 1 to 32 characters of a-z, 0-9 and "-", starting with a letter', namespace)
  }
  return namespace
}

/**
 * Validates the options and fills in the defaults; throws a `TypeError` naming the first bad
 * option. The token is never part of a message.
 *
 * @example
 * const resolved = resolveOptions({ gateway: { token }, session: sessionMiddleware })
 * resolved.path // '/clawchat'
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null)
    throw new TypeError(`${NAME}: options must be an object, got ${input === null ? 'null' : typeof input}`)
  const o = input as Partial<ClawChatProxyOptions> & Record<string, unknown>
  rejectUnknown(o, KNOWN_OPTIONS, '')
  const gateway = resolveGateway(o.gateway)
  const access = resolveAccess(o)
  const namespace = resolveNamespace(o.namespace)
  const { methods, commands, approvals: approvalPolicy, permissions } = resolvePolicy(o.policy)
  const limits = resolveLimits(o.limits, NAME)
  const sessionCheckIntervalMs = integerOption(
    'sessionCheckIntervalMs',
    o.sessionCheckIntervalMs,
    DEFAULT_SESSION_CHECK_INTERVAL_MS,
    (n) => n === 0 || n >= 100,
    'must be an integer number of ms, at least 100, or 0 to turn the check off',
  )
  const destroyUpgradeTimeoutMs = integerOption(
    'destroyUpgradeTimeoutMs',
    o.destroyUpgradeTimeoutMs,
    DEFAULT_DESTROY_UPGRADE_TIMEOUT_MS,
    (n) => n >= 0,
    'must be an integer number of ms, or 0 to leave upgrades to other paths alone',
  )
  const audit = resolveAuditOption(o.audit, NAME)
  if (o.logger !== undefined && !isLoggerLike(o.logger))
    throw bad('logger', 'must be a pino-compatible logger with debug, info, warn and error', o.logger)
  const coordination = resolveCoordination(o.coordination, namespace, NAME)
  return {
    gateway,
    ...access,
    namespace,
    methods,
    commands,
    approvalPolicy,
    permissions,
    approvals: resolveApprovals(o.approvals),
    limits,
    sessionCheckIntervalMs,
    destroyUpgradeTimeoutMs,
    audit,
    logger: o.logger,
    coordination,
    controlUi: resolveControlUi(o.controlUi, { proxyPath: access.path, linkIdentityPath: gateway.identityPath }),
    metrics: resolveMetrics(o.metrics, access.path),
  }
}
