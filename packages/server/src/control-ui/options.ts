/**
 * Option `controlUi`: OpenClaw's own Control UI, served to the app's admins under a path of the app,
 * behind the app's login (issue 21). Validated at construction like every option: a bad one throws
 * naming it (`controlUi.path`, `controlUi.limits.requestsPerMinute`).
 */
import { resolve } from 'node:path'
import type { Role } from '../isolation/policy.js'
import { NAME, bad, integerOption, rejectUnknown } from '../gate/options-check.js'
import { ROOT_SOCKET_PATHS } from './root-socket-path.js'

/** The console's own device identity file, by default (never the link's). */
export const DEFAULT_CONTROL_UI_IDENTITY_PATH = '.clawchat/control-ui-identity.json'

/** The defaults of `controlUi.limits`. */
export const DEFAULT_CONTROL_UI_LIMITS = {
  /** The gateway's own `policy.maxPayload` (25 MiB). */
  maxPayloadBytes: 26_214_400,
  /** Per console socket; the UI's start-up burst is ~100 requests. */
  requestsPerMinute: 1200,
  /** Console sockets per user. */
  connectionsPerUser: 16,
  /** The page's `connect` frame, and the gateway's hello after it. */
  connectTimeoutMs: 15_000,
} as const

/**
 * Option `controlUi`: where the console lives and who may open it.
 *
 * @example
 * clawchatProxy({ ..., controlUi: { path: '/clawchat/control', loginUrl: '/login' } })
 * // and on the gateway: openclaw config set gateway.controlUi.basePath /clawchat/control
 */
export interface ControlUiOption {
  /**
   * Where the console lives, e.g. `/clawchat/control`: starts with `/`, no trailing `/`, segments of
   * `[A-Za-z0-9._~-]`, no `.`/`..` segment. Must equal the gateway's `gateway.controlUi.basePath`.
   */
  path: string
  /** Who may open it. Default `['admin']`. */
  roles?: readonly Role[]
  /** The console's own device identity file. Default `.clawchat/control-ui-identity.json`. */
  identityPath?: string
  /** Page loads without a session are redirected here with `?next=<path>`. Default: a plain 401. */
  loginUrl?: string
  /**
   * Also pipe the UI's two sockets that the gateway serves at its ROOT — the browser panel's live view
   * (`/browser/screencast?token=…`) and the desktop viewer (`/desktop/observe?token=…`) — to the
   * gateway, gated like the console's. Default `true`; `false` leaves those two paths to the app.
   */
  rootSockets?: boolean
  limits?: {
    /** Per browser→gateway frame. Default 26214400 (the gateway's `policy.maxPayload`). */
    maxPayloadBytes?: number
    /** Requests per console socket per minute. Default 1200. */
    requestsPerMinute?: number
    /** Console sockets per user. Default 16. */
    connectionsPerUser?: number
    /** The page's connect frame, and the gateway's hello. Default 15000 ms. */
    connectTimeoutMs?: number
  }
}

/** Option `controlUi` after validation. */
export interface ResolvedControlUi {
  path: string
  roles: readonly Role[]
  identityPath: string
  loginUrl: string | undefined
  rootSockets: boolean
  limits: {
    maxPayloadBytes: number
    requestsPerMinute: number
    connectionsPerUser: number
    connectTimeoutMs: number
  }
}

const PATH_SHAPE =
  'must be a URL path like "/clawchat/control" (starting with "/", no trailing "/", segments of A-Za-z0-9._~-, ' +
  'no "." or ".." segment)'

function controlUiPath(value: unknown, proxyPath: string): string {
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(value))
    throw bad('controlUi.path', PATH_SHAPE, value)
  if (value.split('/').some((segment) => segment === '.' || segment === '..'))
    throw bad('controlUi.path', PATH_SHAPE, value)
  const session = `${proxyPath}/session`
  if (value === proxyPath || proxyPath.startsWith(`${value}/`))
    throw bad('controlUi.path', `must not equal or contain the relay's own path "${proxyPath}"`, value)
  if (value === session || value.startsWith(`${session}/`))
    throw bad('controlUi.path', `must not sit inside the relay's endpoint "${session}"`, value)
  return value
}

function controlUiRoles(value: unknown): Role[] {
  if (value === undefined) return ['admin']
  const shape = 'must be a non-empty array of "admin" and "user"'
  if (!Array.isArray(value) || value.length === 0) throw bad('controlUi.roles', shape, value)
  for (const role of value) if (role !== 'admin' && role !== 'user') throw bad('controlUi.roles', shape, value)
  return [...new Set(value as Role[])]
}

function controlUiIdentityPath(value: unknown, linkIdentityPath: string): string {
  const path = value === undefined ? DEFAULT_CONTROL_UI_IDENTITY_PATH : value
  if (typeof path !== 'string' || path.trim().length === 0)
    throw bad('controlUi.identityPath', 'must be a file path', path)
  if (resolve(path) === resolve(linkIdentityPath))
    throw bad('controlUi.identityPath', 'must not be the link\'s identity file ("gateway.identityPath")', path)
  return path
}

function controlUiLoginUrl(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const shape = 'must be a path of the app like "/login" or an http(s) URL'
  if (typeof value !== 'string') throw bad('controlUi.loginUrl', shape, value)
  if (/^\/(?![/\\])/.test(value) && !/[\s\\]/.test(value)) return value
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return value
  } catch {
    // not a URL: refused below
  }
  throw bad('controlUi.loginUrl', shape, value)
}

function controlUiRootSockets(value: unknown, proxyPath: string): boolean {
  if (value !== undefined && typeof value !== 'boolean')
    throw bad('controlUi.rootSockets', 'must be true or false', value)
  if (value !== false && ROOT_SOCKET_PATHS.includes(proxyPath))
    throw bad('controlUi.rootSockets', `must be false when the relay's own path is "${proxyPath}"`, value ?? true)
  return value ?? true
}

function controlUiLimits(value: unknown): ResolvedControlUi['limits'] {
  if (value === undefined) return { ...DEFAULT_CONTROL_UI_LIMITS }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('controlUi.limits', 'must be an object like { requestsPerMinute: 600 }', value)
  const l = value as Record<string, unknown>
  rejectUnknown(l, Object.keys(DEFAULT_CONTROL_UI_LIMITS), 'controlUi.limits.')
  const d = DEFAULT_CONTROL_UI_LIMITS
  const positive = (n: number) => n >= 1
  return {
    maxPayloadBytes: integerOption(
      'controlUi.limits.maxPayloadBytes',
      l.maxPayloadBytes,
      d.maxPayloadBytes,
      (n) => n >= 1024,
      'must be an integer number of bytes, at least 1024',
    ),
    requestsPerMinute: integerOption(
      'controlUi.limits.requestsPerMinute',
      l.requestsPerMinute,
      d.requestsPerMinute,
      positive,
      'must be a positive integer',
    ),
    connectionsPerUser: integerOption(
      'controlUi.limits.connectionsPerUser',
      l.connectionsPerUser,
      d.connectionsPerUser,
      positive,
      'must be a positive integer',
    ),
    connectTimeoutMs: integerOption(
      'controlUi.limits.connectTimeoutMs',
      l.connectTimeoutMs,
      d.connectTimeoutMs,
      (n) => n >= 100,
      'must be an integer number of ms, at least 100',
    ),
  }
}

/**
 * Validates option `controlUi` (`undefined` or `false`: off) and fills in its defaults; throws a
 * `TypeError` naming the first bad field.
 *
 * @example
 * const context = { proxyPath: '/clawchat', linkIdentityPath: '.clawchat/identity.json' }
 * resolveControlUi({ path: '/clawchat/control' }, context)
 * // { path: '/clawchat/control', roles: ['admin'], identityPath: '.clawchat/control-ui-identity.json',
//   rootSockets: true, … }
 */
export function resolveControlUi(
  value: unknown,
  context: { proxyPath: string; linkIdentityPath: string },
): ResolvedControlUi | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('controlUi', 'must be false or an object like { path: "/clawchat/control" }', value)
  const o = value as Record<string, unknown>
  rejectUnknown(o, ['path', 'roles', 'identityPath', 'loginUrl', 'rootSockets', 'limits'], 'controlUi.')
  if (o.path === undefined)
    throw new TypeError(`${NAME}: option "controlUi.path" is required (the gateway's gateway.controlUi.basePath)`)
  return {
    path: controlUiPath(o.path, context.proxyPath),
    roles: controlUiRoles(o.roles),
    identityPath: controlUiIdentityPath(o.identityPath, context.linkIdentityPath),
    loginUrl: controlUiLoginUrl(o.loginUrl),
    rootSockets: controlUiRootSockets(o.rootSockets, context.proxyPath),
    limits: controlUiLimits(o.limits),
  }
}
