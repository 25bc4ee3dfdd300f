import express from 'express'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { clawchatProxy } from '@clawchat/server'
import { authRoutes } from './routes/auth.js'
import { pageRoutes } from './routes/page.js'
import { directConfigRoute } from './routes/direct-config.js'
import { createSessions, type DemoSessions } from './session-store.js'
import { createRedisSessions, redactRedisUrl, type DemoRedisClient } from './redis-sessions.js'
import { loadOrCreateSessionSecret } from './session-secret.js'
import { parseUsersSpec, DEFAULT_USERS_SPEC, type DemoUser } from './users.js'
import { checkGatewayUrl } from './gateway-url.js'
import { assertPageBuilt, BUNDLE_DIR, PUBLIC_DIR } from './paths.js'
import { DEMO_PROXY_APPROVALS } from './demo-approvals.js'
import { startOwnGateway } from './own-gateway.js'
import { CONTROL_UI_URL, controlUiProblem, controlUiProxyOptions } from './control-ui.js'
import { proxyLogger } from './proxy-logger.js'
import { setTrustProxy } from './trust-proxy.js'

export type DemoMode = 'proxy' | 'direct'

export interface StartDemoOptions {
  /** Port to listen on; 0 picks a free one. Default 36006. */
  port?: number
  /** Address to listen on. Default 127.0.0.1 (use 0.0.0.0 to serve other machines). */
  host?: string
  /** The gateway to use. Left out: a mock gateway is started on a free loopback port with a new token. */
  gateway?: { url: string; token: string }
  /** Demo accounts. Default alice and bob (see users.ts). */
  users?: DemoUser[]
  /** Where sessions, the session secret and the proxy's device identity are kept. */
  dataDir: string
  /** `proxy` (default): the token stays on the server. `direct`: the browser gets it (personal use only). */
  mode?: DemoMode
  /** Signs session cookies. Default: generated once and kept in `<dataDir>/session-secret`. */
  sessionSecret?: string
  /** Extra options for `clawchatProxy` (tests shorten its intervals). */
  proxyOptions?: Record<string, unknown>
  /** Options for the built-in mock gateway (ignored when `gateway` is given). */
  mockOptions?: Record<string, unknown>
  /** Where status lines go. Default console.log. Never receives the gateway token. */
  log?: (line: string) => void
  /**
   * `redis://…`: keep sessions in Redis (connect-redis) and coordinate this instance with the
   * others on the same Redis (`clawchatProxy({ coordination })`): run several behind one load
   * balancer. Left out: sessions in files under `dataDir`, one process.
   */
  redisUrl?: string
  /** Express's `trust proxy` (behind nginx or another load balancer), e.g. `loopback` or `1`. Default: off. */
  trustProxy?: boolean | number | string
  /**
   * OpenClaw's Control UI for administrators at /clawchat/control (`clawchatProxy({ controlUi })`;
   * the built-in mock serves its stand-in there; a given gateway needs `gateway.controlUi.basePath`
   * set to it). Proxy mode only, and some user must be an administrator. Default: off.
   */
  controlUi?: boolean
}

export interface RunningDemo {
  /** http://host:port of the site. */
  url: string
  port: number
  mode: DemoMode
  /** The gateway's URL (not secret). */
  gatewayUrl: string
  /** True when the demo started its own mock gateway. */
  usesMockGateway: boolean
  /** The proxy (proxy mode only). */
  proxy: ReturnType<typeof clawchatProxy> | undefined
  /** The session store, e.g. to end a session from a test. */
  sessionStore: DemoSessions['store']
  /** `redis` (connect-redis, coordinated with other instances) or `file`. */
  sessionBackend: 'redis' | 'file'
  /** The Control UI's address on this site, when it is on. */
  controlUiUrl: string | undefined
  /** Stops the site, the proxy and the mock gateway it started (if any). */
  close(): Promise<void>
}

/**
 * Starts the demo site: express-session on a file store, login routes, the page, and — in proxy
 * mode — `clawchatProxy` on `/clawchat`. Without `gateway` it starts the mock gateway first.
 *
 * @example
 * const demo = await startDemo({ port: 0, dataDir: '/tmp/demo' })
 * console.log(demo.url)
 * await demo.close()
 */
export async function startDemo(opts: StartDemoOptions): Promise<RunningDemo> {
  const { mode, port, host, log, users, controlUi } = checkOptions(opts)
  assertPageBuilt()
  const { sessions, redisClient } = await openSessions(opts, log)
  const app = express()
  app.disable('x-powered-by')
  if (opts.trustProxy !== undefined) setTrustProxy(app, opts.trustProxy)
  const server = createServer(app)
  try {
    await listen(server, port, host)
  } catch (err) {
    sessions.close()
    throw err
  }
  const actualPort = (server.address() as AddressInfo).port
  // Run in order at close: the proxy and the mock gateway (put first as they start), then the site and its sessions.
  const cleanups: Array<() => Promise<void> | void> = [() => closeServer(server), () => sessions.close()]
  try {
    let gateway = opts.gateway
    if (!gateway) {
      const mock = await startOwnGateway(pageOrigins(host, actualPort), opts.mockOptions, controlUi)
      cleanups.unshift(() => mock.close())
      gateway = mock.gateway
    }
    // With its own mock, users answer their own approvals (demo-approvals.ts); a given gateway keeps the defaults.
    const proxyOptions = {
      ...(opts.gateway ? {} : DEMO_PROXY_APPROVALS),
      ...(controlUi ? controlUiProxyOptions(opts.dataDir) : {}),
      ...opts.proxyOptions,
    }
    const proxy =
      mode === 'proxy' ? createProxy({ ...opts, proxyOptions, gateway, sessions, redisClient, log }) : undefined
    if (proxy) {
      cleanups.unshift(() => proxy.close())
      // Before the session middleware: the proxy runs it itself for its own route, so it can
      // answer 503 (not an error page) when the session store fails.
      app.use(proxy)
      proxy.attach(server)
    }
    mountRoutes(app, { sessions, users, mode, log, proxy, gateway, controlUi })
    const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
    let closing: Promise<void> | undefined
    return {
      url: `http://${shown}:${actualPort}`,
      port: actualPort,
      mode,
      gatewayUrl: gateway.url,
      usesMockGateway: !opts.gateway,
      proxy,
      sessionStore: sessions.store,
      sessionBackend: redisClient ? 'redis' : 'file',
      controlUiUrl: controlUi ? `http://${shown}:${actualPort}${CONTROL_UI_URL}` : undefined,
      close: () => (closing ??= runCleanups(cleanups)),
    }
  } catch (err) {
    await runCleanups(cleanups)
    throw err
  }
}

/** The options with their defaults; throws an error naming the first bad option. */
function checkOptions(opts: StartDemoOptions) {
  const mode = opts.mode ?? 'proxy'
  if (mode !== 'proxy' && mode !== 'direct') throw new Error(`mode must be "proxy" or "direct", got "${String(mode)}"`)
  const port = opts.port ?? 36006
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`port must be an integer from 0 to 65535, got ${port}`)
  if (!opts.dataDir) throw new Error('dataDir is required: the folder for sessions and the session secret')
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? ((line: string) => console.log(line))
  const users = opts.users ?? parseUsersSpec(DEFAULT_USERS_SPEC)
  if (opts.gateway) {
    if (!opts.gateway.token) throw new Error('gateway.token is required with gateway.url')
    checkGatewayUrl(opts.gateway.url)
  }
  const controlUi = opts.controlUi ?? false
  if (typeof controlUi !== 'boolean') throw new Error(`controlUi must be true or false, got ${String(controlUi)}`)
  const problem = controlUi ? controlUiProblem({ mode, users }) : undefined
  if (problem) throw new Error(`controlUi: ${problem}`)
  return { mode, port, host, log, users, controlUi }
}

/** Sessions in Redis (`redisUrl`, with the client for coordination) or in files under `dataDir`. */
async function openSessions(
  opts: StartDemoOptions,
  log: (line: string) => void,
): Promise<{ sessions: DemoSessions; redisClient?: DemoRedisClient }> {
  const secret = loadOrCreateSessionSecret(opts.dataDir, opts.sessionSecret)
  if (!opts.redisUrl) return { sessions: createSessions(opts.dataDir, secret) }
  const sessions = await createRedisSessions(opts.redisUrl, secret, log)
  log(`sessions in Redis at ${redactRedisUrl(opts.redisUrl)}, coordinated with every instance on it`)
  return { sessions, redisClient: sessions.client }
}

/** The origins the page is served from (the mock gateway accepts them: direct mode connects from the page). */
function pageOrigins(host: string, port: number): string[] {
  const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`]
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' && host !== '::')
    origins.push(`http://${host}:${port}`)
  return origins
}

/** `clawchatProxy` on `/clawchat`, on the demo's sessions and login, with the demo's data folder for its identity. */
function createProxy(
  o: Pick<StartDemoOptions, 'dataDir' | 'trustProxy' | 'proxyOptions'> & {
    gateway: { url: string; token: string }
    sessions: DemoSessions
    redisClient: DemoRedisClient | undefined
    log: (line: string) => void
  },
): ReturnType<typeof clawchatProxy> {
  return clawchatProxy({
    gateway: { url: o.gateway.url, token: o.gateway.token, identityPath: join(o.dataDir, 'identity.json') },
    session: o.sessions.middleware,
    // The user the login route stored in the session (express-session ran on the upgrade request).
    authenticate: (req) => (req.session as express.Request['session'] | undefined)?.user ?? null,
    path: '/clawchat',
    logger: proxyLogger(o.log),
    // Prometheus metrics at /clawchat/metrics, for this machine only (loopback); /clawchat/healthz and
    // /clawchat/readyz are always on.
    metrics: true,
    // Which peers may set X-Forwarded-*: the same value as Express's `trust proxy` (set on the
    // app above), so the proxy judges the very first upgrade by it too.
    ...(o.trustProxy !== undefined ? { trustProxy: o.trustProxy } : {}),
    // Several instances on one Redis: limits, logouts and disconnects hold across all of them.
    ...(o.redisClient ? { coordination: { redis: o.redisClient } } : {}),
    ...o.proxyOptions,
  })
}

/** The session middleware, the login routes, direct mode's settings route, and the page. */
function mountRoutes(
  app: express.Express,
  o: {
    sessions: DemoSessions
    users: DemoUser[]
    mode: DemoMode
    log: (line: string) => void
    proxy: ReturnType<typeof clawchatProxy> | undefined
    gateway: { url: string; token: string }
    controlUi: boolean
  },
): void {
  const { mode, gateway, proxy } = o
  app.use(o.sessions.middleware)
  const onLogout = (sid: string) => proxy?.disconnectSession(sid)
  app.use(authRoutes({ users: o.users, mode, log: o.log, onLogout, controlUi: o.controlUi }))
  if (mode === 'direct') app.use(directConfigRoute({ browserUrl: gateway.url, token: gateway.token }))
  app.use(
    pageRoutes({
      publicDir: PUBLIC_DIR,
      bundleDir: BUNDLE_DIR,
      connectSrc: mode === 'direct' ? [new URL(gateway.url).origin] : [],
    }),
  )
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const fn of cleanups) {
    try {
      await fn()
    } catch {
      // keep closing the rest
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use: pick another with -p / PORT`)
          : err,
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
