/**
 * `clawchatProxy()`: the public factory. It validates the options, starts the ONE upstream link in
 * the background, and returns an Express middleware (the HTTP side: `GET <path>/session`) that also
 * carries the WebSocket side (`attach(server)` / `handleUpgrade(req, socket, head)`) and the
 * controls (`disconnectUser`, `disconnectSession`, `close`, `stats`).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { CloseCodes } from '@clawchat/protocol'
import { createAudit } from './audit.js'
import { ClientConnection } from './client-connection.js'
import { createRedactor, messageOf } from './errors.js'
import { GatewayLink, type LinkState } from './gateway-link.js'
import { handleSessionEndpoint, requestPath } from './http.js'
import { RateMeter } from './limits.js'
import { createLog, defaultLogger } from './log.js'
import { resolveOptions, type ClawChatProxyOptions } from './options.js'
import { ConnectionRegistry } from './registry.js'
import { EventRouter } from './router.js'
import { gateUpgrade, refuseUpgrade } from './upgrade.js'

/** Counters for monitoring. */
export interface ProxyStats {
  /** Open browser connections. */
  connections: number
  /** Distinct users with an open connection. */
  users: number
  /** The upstream link: `up`, `connecting`, `down`, `failed` (configuration error) or `closed`. */
  gateway: LinkState
  /** The gateway's version, once known. */
  gatewayVersion: string | undefined
}

type Next = (error?: unknown) => void

/**
 * The proxy: an Express middleware with the WebSocket side and the controls attached.
 *
 * @example
 * const proxy = clawchatProxy({ gateway: { token }, session: sessionMiddleware })
 * app.use(proxy)                         // GET /clawchat/session
 * proxy.attach(app.listen(36006))        // WebSocket upgrades on /clawchat
 * app.post('/logout', (req, res) => {
 *   const sid = req.sessionID
 *   req.session.destroy(() => { proxy.disconnectSession(sid); res.end() })
 * })
 * console.log(proxy.stats())             // { connections, users, gateway: 'up', gatewayVersion }
 */
export interface ClawChatProxy {
  /** The HTTP side, for `app.use(proxy)`: answers `GET <path>/session`, passes everything else on. */
  (req: IncomingMessage, res: ServerResponse, next?: Next): void
  /** Listens for WebSocket upgrades on `server` (the documented way). Returns the proxy. */
  attach(server: HttpServer | HttpsServer): ClawChatProxy
  /**
   * Handles one upgrade (for custom servers): `false` when the path is not the proxy's (the
   * request is left to other handlers), `true` when the proxy took it (accepted or refused).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Closes every connection of a user with 4401; answers how many. */
  disconnectUser(userId: string, reason?: string): number
  /** Closes every connection opened with an app session (e.g. from a logout route); answers how many. */
  disconnectSession(sessionId: string): number
  /** Closes every connection (1012), stops the link and detaches from servers. */
  close(): Promise<void>
  /** Counters for monitoring. */
  stats(): ProxyStats
}

type TrustFn = (address: string, hop: number) => boolean

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
  const opts = resolveOptions(options)
  const redact = createRedactor([opts.gateway.token])
  const log = createLog(opts.logger ?? defaultLogger(), redact)
  const audit = createAudit(opts.audit, redact)
  const startedAt = Date.now()
  const registry = new ConnectionRegistry<ClientConnection>()
  const router = new EventRouter(opts.namespace, registry)
  const userMeters = new Map<string, RateMeter>()
  const attached = new Map<HttpServer | HttpsServer, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.limits.maxPayload, perMessageDeflate: false, clientTracking: false })
  let expressTrust: TrustFn | undefined
  let closed = false

  const link = new GatewayLink({
    url: opts.gateway.url,
    token: opts.gateway.token,
    identityPath: opts.gateway.identityPath,
    requestTimeoutMs: opts.gateway.requestTimeoutMs,
    log,
  })
  link.on('event', (frame) => {
    try {
      router.route(frame)
    } catch (error) {
      log.error(`clawchat: routing a ${String(frame?.event)} event failed: ${messageOf(error)}`)
    }
  })
  link.on('up', () => {
    for (const conn of registry.list()) conn.gatewayChanged(true)
  })
  link.on('down', (why: string) => {
    for (const conn of registry.list()) conn.gatewayChanged(false, why)
  })
  log.info(`clawchat: relay on ${opts.path}, gateway ${opts.gateway.url} (connecting in the background)`)
  link.start()

  function trustProxyFor(req: IncomingMessage): boolean {
    if (opts.trustProxy !== undefined) return opts.trustProxy
    if (!expressTrust) return false
    try {
      return expressTrust(req.socket.remoteAddress ?? '', 0)
    } catch {
      return false
    }
  }

  function pathMatches(req: IncomingMessage): boolean {
    const path = requestPath(req)
    return path === opts.path || path === `${opts.path}/`
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, user: ClientConnection['user'], sessionId: string | undefined, origin: string | undefined): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closed) {
        ws.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
        return
      }
      let userMeter = userMeters.get(user.id)
      if (!userMeter) userMeters.set(user.id, (userMeter = new RateMeter(opts.limits.userMessagesPerSecond)))
      const conn = new ClientConnection(ws, user, sessionId, origin, {
        link,
        methods: opts.methods,
        namespace: opts.namespace,
        limits: opts.limits,
        userMeter,
        connectionMeter: new RateMeter(opts.limits.messagesPerSecond),
        startedAt,
        audit,
        log,
        redact,
        onClosed(c) {
          registry.remove(c)
          if (registry.countForUser(c.userId) === 0) userMeters.delete(c.userId)
        },
      })
      registry.add(conn)
      audit.record({ event: 'connection.open', userId: user.id, connId: conn.connId, origin })
    })
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!pathMatches(req)) return false
    socket.on('error', () => undefined)
    if (closed) {
      refuseUpgrade(socket, 503)
      return true
    }
    gateUpgrade(req, opts, trustProxyFor(req)).then(
      (result) => {
        if (!result.ok) {
          audit.record({ event: 'upgrade.refused', status: result.status, reason: result.message })
          if (result.status >= 500) log.error(`clawchat: refused an upgrade (${result.status}): ${result.message}`)
          else log.debug(`clawchat: refused an upgrade (${result.status}): ${result.message}`)
          refuseUpgrade(socket, result.status)
          return
        }
        if (registry.countForUser(result.user.id) >= opts.limits.connectionsPerUser) {
          audit.record({ event: 'upgrade.refused', status: 429, reason: 'too many connections', userId: result.user.id })
          refuseUpgrade(socket, 429)
          return
        }
        accept(req, socket, head, result.user, result.sessionId, result.origin)
      },
      (error: unknown) => {
        log.error(`clawchat: the upgrade gate failed: ${messageOf(error)}`)
        refuseUpgrade(socket, 500)
      },
    )
    return true
  }

  const endpointDeps = { options: opts, methods: opts.methods, limits: opts.limits, log }

  const proxy = function clawchatMiddleware(req: IncomingMessage, res: ServerResponse, next?: Next): void {
    const app = (req as { app?: { get?: (name: string) => unknown } }).app
    if (!expressTrust && typeof app?.get === 'function') {
      const fn = app.get('trust proxy fn')
      if (typeof fn === 'function') expressTrust = fn as TrustFn
    }
    if (handleSessionEndpoint(req, res, endpointDeps)) return
    if (next) next()
    else {
      res.statusCode = 404
      res.end()
    }
  } as ClawChatProxy

  proxy.handleUpgrade = handleUpgrade

  proxy.attach = (server) => {
    if (!attached.has(server)) {
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(req, socket, head)
      attached.set(server, listener)
      server.on('upgrade', listener)
    }
    return proxy
  }

  proxy.disconnectUser = (userId, why = 'disconnected by the server') => {
    const conns = registry.forUser(userId)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, why)
    return conns.length
  }

  proxy.disconnectSession = (sessionId) => {
    const conns = registry.forSession(sessionId)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, 'logged out')
    return conns.length
  }

  proxy.stats = () => ({ connections: registry.size, users: registry.userCount, gateway: link.state, gatewayVersion: link.gatewayVersion })

  proxy.close = async () => {
    if (closed) return
    closed = true
    for (const [server, listener] of attached) server.off('upgrade', listener)
    attached.clear()
    for (const conn of registry.list()) conn.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
    await link.close()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  }

  return proxy
}
