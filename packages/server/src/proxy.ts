/**
 * `clawchatProxy()`: the public factory. It validates the options, starts the ONE upstream link in
 * the background, and wires the parts: the gate (the HTTP side: `GET <path>/session`, the upgrades,
 * `attach`), the browser connections, isolation, limits, audit and coordination — returned as an
 * Express middleware that also carries the WebSocket side (`attach(server)` /
 * `handleUpgrade(req, socket, head)`) and the controls (`disconnectUser`, `disconnectSession`,
 * `close`, `stats`).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import type { Registry } from 'prom-client'
import { WebSocketServer } from 'ws'
import { createAcceptor } from './connection/accept.js'
import { startControlUi, type ControlUi } from './control-ui/index.js'
import { Disconnects } from './connection/disconnect.js'
import { startHeartbeat } from './connection/heartbeat.js'
import { sessionDigest, startCoordination, type Coordination } from './coordination/index.js'
import { AttachedServers } from './gate/attach.js'
import { startLogoutWatch } from './gate/logout-watch.js'
import { reauthenticates } from './gate/reauthenticate.js'
import { createMiddleware, type Next } from './gate/middleware.js'
import { resolveOptions, type ClawChatProxyOptions } from './gate/options.js'
import { ProxyTrust } from './gate/trust-proxy.js'
import { createUpgradeHandler, type UpgradeHandler } from './gate/upgrade-handler.js'
import { proxyProbes } from './health/probes.js'
import { proxyStats, shutdownProxy, type LifecycleParts, type ProxyStats } from './lifecycle.js'
import type { EventRouter } from './isolation/router.js'
import { startProxyMetrics } from './metrics/proxy-metrics.js'
import { buildCore, startLink, type ProxyCore } from './proxy-core.js'

/**
 * The proxy: an Express middleware with the WebSocket side and the controls attached.
 *
 * @example
 * const proxy = clawchatProxy({ gateway: { token }, session: sessionMiddleware })
 * app.use(proxy)                         // GET /clawchat/session, /clawchat/healthz, /clawchat/readyz
 * proxy.attach(app.listen(36006))        // WebSocket upgrades on /clawchat
 * app.post('/logout', (req, res) => {
 *   const sid = req.sessionID
 *   req.session.destroy(() => { proxy.disconnectSession(sid); res.end() })
 * })
 * console.log(proxy.stats())             // { connections, users, gateway: 'up', gatewayVersion }
 */
export interface ClawChatProxy {
  /**
   * The HTTP side, for `app.use(proxy)`: answers `GET <path>/session` and the probes `<path>/healthz`
   * and `<path>/readyz` (no session needed), passes everything else on.
   */
  (req: IncomingMessage, res: ServerResponse, next?: Next): void
  /**
   * Listens for WebSocket upgrades on `server` (the documented way). Returns the proxy. An upgrade
   * to another path is left to the server's other listeners; one that none of them takes within
   * `destroyUpgradeTimeoutMs` (default 1000) is answered 404 and closed.
   */
  attach(server: HttpServer | HttpsServer): ClawChatProxy
  /**
   * Handles one upgrade (for custom servers): `false` when the path is not the proxy's (the
   * request is left to other handlers — which must then answer or destroy it), `true` when the
   * proxy took it (accepted or refused).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /**
   * Closes every connection of a user with 4401 (Control UI consoles included); answers how many
   * (on this instance). The browser gets `reason` cut to the 123 UTF-8 bytes a close frame holds
   * (between characters). With `coordination`, the other instances close theirs too, as soon as
   * Redis tells them.
   */
  disconnectUser(userId: string, reason?: string): number
  /**
   * Closes every connection opened with an app session with 4401, at once; answers how many. A
   * logout route needs it only when the session is not destroyed through its store in this process
   * (`req.session.destroy()` and `regenerate()` close the sockets by themselves) — say, when it only
   * removes the user from the session. With `coordination`, the other instances close theirs too.
   */
  disconnectSession(sessionId: string): number
  /**
   * Closes every connection (1012; Control UI consoles too), stops the link, the pings and the
   * session check, detaches from servers, and flushes an audit file it opened. Waits up to a second
   * for browsers to answer the close. With `coordination`: also removes this instance's keys from
   * Redis and closes its pub/sub connection (the app's own Redis client stays open).
   */
  close(): Promise<void>
  /**
   * Counters for monitoring: open connections and users, the link, and the traffic figures (refused
   * upgrades, frames and bytes, rate-limited requests, slow consumers, latency, reconnects).
   */
  stats(): ProxyStats
  /**
   * With option `metrics`: the prom-client `Registry` its instruments are in (for an app that serves
   * it itself, or merges it with its own); `undefined` when the option is off.
   *
   * @example
   * const proxy = clawchatProxy({ gateway: { token }, session, metrics: { allowFrom: false } })
   * app.get('/internal/metrics', async (req, res) => {
   *   res.type(proxy.metrics!.contentType).send(await proxy.metrics!.metrics())
   * })
   */
  readonly metrics: Registry | undefined
}

/**
 * With option `coordination`: the instances share limits and disconnects through Redis, and the
 * live tool events only one instance's link receives.
 */
function startCluster(core: ProxyCore, disconnects: Disconnects, router: EventRouter): Coordination | undefined {
  const { opts, registry } = core
  if (!opts.coordination) return undefined
  const coordination = startCoordination(opts.coordination, {
    connectionsPerUser: opts.limits.connectionsPerUser,
    userMessagesPerSecond: opts.limits.userMessagesPerSecond,
    log: core.log,
    redact: core.shared.redact,
    hooks: {
      toolEvent: (userId, payload) => void router.deliverToolEvent(userId, payload),
      localTotals: () => ({ connections: registry.size, users: registry.userCount }),
      disconnectUser: (userId, why, openedBy) => void disconnects.closeUser(userId, why, openedBy),
      disconnectSessionDigest(digest) {
        for (const sessionId of registry.sessionIds())
          if (sessionDigest(sessionId) === digest) disconnects.closeSession(sessionId)
      },
      sessionGone(sessionId, event) {
        if (registry.forSession(sessionId).length === 0) return
        disconnects.endSession(
          sessionId,
          event === 'expired' ? 'session expired' : 'session ended (logged out or expired)',
        )
      },
    },
  })
  router.forwardToolEvents({ forward: (userId, payload) => coordination.publishToolEvent(userId, payload) })
  return coordination
}

/** The WebSocket side of a proxy, started. */
interface SocketSide {
  /** Option `trustProxy`, or Express's setting once the middleware saw it. */
  trust: ProxyTrust
  handleUpgrade: UpgradeHandler
  servers: AttachedServers
  /** What the proxy's stats and shutdown reach. */
  lifecycle: LifecycleParts
  /** Option `controlUi`, when on. */
  controlUi: ControlUi | undefined
}

/**
 * The WebSocket side: upgrades gated, admitted and accepted as browser connections, the logout
 * watch and the pings that end them, the servers attached to.
 */
function startSockets(
  core: ProxyCore,
  coordination: Coordination | undefined,
  disconnects: Disconnects,
  isClosed: () => boolean,
  storeSeen: (store: unknown) => void,
): SocketSide {
  const { opts, registry, log } = core
  const trust = new ProxyTrust(opts.trustProxy)
  const controlUi = opts.controlUi ? startControlUi(core, opts.controlUi, { trust, isClosed }) : undefined
  const logouts = startLogoutWatch({
    options: opts,
    registry,
    log,
    endSession: (sessionId, why, userIds) => disconnects.endSession(sessionId, why, userIds),
    endLogin: (conn, why) => disconnects.endLogin(conn, why),
  })
  const heartbeat = startHeartbeat(opts.limits.pingIntervalMs)
  const { maxPayload } = opts.limits
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false })
  const accept = createAcceptor({
    wss,
    shared: core.shared,
    registry,
    userMeters: core.userMeters,
    heartbeat,
    coordination,
    isClosed,
    metrics: core.figures,
    reauthenticate: reauthenticates(opts),
  })
  const relayUpgrade = createUpgradeHandler({
    options: opts,
    trust,
    audit: core.audit,
    log,
    countForUser: (userId) => registry.countForUser(userId),
    coordination,
    isClosed,
    sessionStoreSeen(store) {
      logouts.watchStore(store)
      storeSeen(store) // for the readiness probe
    },
    accept,
    metrics: core.figures,
  })
  const handleUpgrade: UpgradeHandler = controlUi
    ? (req, socket, head) => controlUi.handleUpgrade(req, socket, head) || relayUpgrade(req, socket, head)
    : relayUpgrade
  const servers = new AttachedServers(handleUpgrade, opts.destroyUpgradeTimeoutMs, () =>
    core.figures.upgradeRefused('relay', 'unknown-path'),
  )
  const { link, upstream, auditSink } = core
  const lifecycle: LifecycleParts = {
    registry,
    link,
    upstream,
    coordination,
    logouts,
    heartbeat,
    servers,
    wss,
    auditSink,
    work: core.work,
    controlUi,
    figures: core.figures,
  }
  return { trust, handleUpgrade, servers, lifecycle, controlUi }
}

/**
 * Creates the ClawChat relay: browsers authenticate with the app's own session; the gateway token
 * stays on the server; users never see each other. Returns synchronously; the upstream link
 * connects in the background and never blocks the app's start.
 *
 * @example
 * import express from 'express'
 * import session from 'express-session'
 * import { clawchatProxy } from '@clawchat/server'
 *
 * const app = express()
 * const sessionMiddleware = session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false })
 * app.use(sessionMiddleware)
 * const proxy = clawchatProxy({
 *   gateway: { url: 'ws://127.0.0.1:18789', token: process.env.OPENCLAW_GATEWAY_TOKEN! },
 *   session: sessionMiddleware,
 * })
 * app.use(proxy)
 * const server = app.listen(36006)
 * proxy.attach(server)
 */
export function clawchatProxy(options: ClawChatProxyOptions): ClawChatProxy {
  const core = buildCore(resolveOptions(options))
  const { opts, log } = core
  let closed = false
  const disconnects = new Disconnects(core.registry, core.audit)
  const router = startLink(core)
  const coordination = startCluster(core, disconnects, router)
  const probes = proxyProbes(core, coordination, () => closed)
  const sockets = startSockets(core, coordination, disconnects, () => closed, probes.storeSeen)
  const endpoint = { options: opts, methods: opts.methods, limits: opts.limits, log }
  const consoles = sockets.controlUi
  const prom = startProxyMetrics(core, coordination, consoles)
  const middleware = createMiddleware(endpoint, sockets.trust, consoles?.handleHttp, probes.handle, prom?.serve)
  const proxy: ClawChatProxy = Object.assign(middleware, {
    metrics: prom?.register,
    handleUpgrade: sockets.handleUpgrade,
    attach(server: HttpServer | HttpsServer) {
      sockets.servers.attach(server)
      return proxy
    },
    disconnectUser(userId: string, why = 'disconnected by the server') {
      coordination?.publishDisconnectUser(userId, why)
      return disconnects.closeUser(userId, why) + (consoles?.disconnectUser(userId, why) ?? 0)
    },
    disconnectSession(sessionId: string) {
      coordination?.publishDisconnectSession(sessionId)
      return disconnects.closeSession(sessionId) + (consoles?.disconnectSession(sessionId) ?? 0)
    },
    stats: () => proxyStats(sockets.lifecycle),
    async close() {
      if (closed) return
      closed = true
      await shutdownProxy(sockets.lifecycle)
      prom?.close()
    },
  })
  return proxy
}
