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
import { createAudit } from './audit/audit.js'
import { openAuditSink } from './audit/audit-sink.js'
import { ClientConnection } from './connection/client-connection.js'
import { sessionDigest, startCoordination, type ClusterView, type Coordination } from './coordination/index.js'
import { createRedactor, messageOf } from './shared/errors.js'
import { GatewayLink, type LinkState } from './upstream/gateway-link.js'
import { startHeartbeat } from './connection/heartbeat.js'
import { handleSessionEndpoint, requestPath } from './gate/session-endpoint.js'
import { RateMeter, UserMeters } from './limits/limits.js'
import { createLog, defaultLogger } from './shared/log.js'
import { defaultAuthenticate, resolveOptions, type ClawChatProxyOptions } from './gate/options.js'
import { ConnectionRegistry } from './connection/registry.js'
import { EventRouter } from './isolation/router.js'
import { isRecord } from './shared/records.js'
import { SessionWatcher, type SessionStoreLike, type WatchedSession } from './gate/session-check.js'
import { watchStoreDestroy } from './gate/store-destroy-hook.js'
import { ChatSendBudget } from './limits/run-budget.js'
import { answerUnlessTaken, claimUpgrade } from './gate/unhandled-upgrade.js'
import { StreamRedactor } from './isolation/stream-redactor.js'
import { UpstreamBudget } from './limits/upstream-budget.js'
import { clientAddress, type TrustFn } from './gate/trust-proxy.js'
import { gateUpgrade, refuseUpgrade, type GateResult } from './gate/upgrade.js'

/** Counters for monitoring. */
export interface ProxyStats {
  /** Open browser connections. */
  connections: number
  /** Distinct users with an open connection. */
  users: number
  /** The upstream link: `up`, `connecting`, `down`, `misconfigured` (refused: a person must act; retrying slowly), `failed` (a bad `gateway.url`: no retry) or `closed`. */
  gateway: LinkState
  /** The gateway's version, once known. */
  gatewayVersion: string | undefined
  /**
   * Bytes held toward the gateway: of requests relayed and not yet answered, and still queued on the
   * link's socket (a gateway that reads slowly). Bounded by `limits.upstreamBytesTotal`.
   */
  upstream: { inFlightBytes: number; queuedBytes: number }
  /**
   * With `coordination` only: this instance's id, whether Redis is usable, every live instance's
   * `{ id, connections, users }` (this one's current, the others' as of their last heartbeat, at
   * most `heartbeatMs` old) and their sum.
   */
  cluster?: ClusterView
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
   * Closes every connection of a user with 4401; answers how many (on this instance). The browser
   * gets `reason` cut to the 123 UTF-8 bytes a close frame holds (between characters). With
   * `coordination`, the other instances close theirs too, as soon as Redis tells them.
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
   * Closes every connection (1012), stops the link, the pings and the session check, detaches from
   * servers, and flushes an audit file it opened. Waits up to a second for browsers to answer the close.
   * With `coordination`: also removes this instance's keys from Redis and closes its pub/sub
   * connection (the app's own Redis client stays open).
   */
  close(): Promise<void>
  /** Counters for monitoring. */
  stats(): ProxyStats
}

/** The app sessions with open sockets, each with its store and users: what the logout check reads. */
function watchedSessions(registry: ConnectionRegistry<ClientConnection>): WatchedSession[] {
  const out: WatchedSession[] = []
  for (const sessionId of registry.sessionIds()) {
    const conns = registry.forSession(sessionId)
    const store = conns.find((c) => c.sessionStore !== undefined)?.sessionStore
    if (store) out.push({ sessionId, store, userIds: [...new Set(conns.map((c) => c.userId))] })
  }
  return out
}

/** The user id the default `authenticate` would find in a stored session. */
function sessionUserId(session: Record<string, unknown>): unknown {
  return isRecord(session.user) ? session.user.id : undefined
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
  const opts = resolveOptions(options)
  // Browser frames are redacted of the token; logs and audit lines also of the device key.
  const redact = createRedactor([opts.gateway.token])
  const redactSecrets = createRedactor([opts.gateway.token])
  const log = createLog(opts.logger ?? defaultLogger(), redactSecrets)
  const auditSink = openAuditSink(opts.audit, (error) =>
    log.error(`clawchat: the audit sink failed: ${messageOf(error)}`, { option: 'audit' }),
  )
  const audit = createAudit(auditSink?.logger, redactSecrets, opts.audit?.bodies === true)
  const startedAt = Date.now()
  const registry = new ConnectionRegistry<ClientConnection>()
  // A token split across a run's deltas is redacted in the stream, once per event (issue 16.5).
  const streams = new StreamRedactor([opts.gateway.token])
  const router = new EventRouter(opts.namespace, registry, streams)
  const userMeters = new UserMeters(opts.limits.userMessagesPerSecond, (userId) => registry.countForUser(userId) > 0)
  const attached = new Map<HttpServer | HttpsServer, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>()
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.limits.maxPayload,
    perMessageDeflate: false,
    clientTracking: false,
  })
  const heartbeat = startHeartbeat(opts.limits.pingIntervalMs)
  let expressTrust: TrustFn | undefined
  let closed = false

  const link = new GatewayLink({
    url: opts.gateway.url,
    token: opts.gateway.token,
    identityPath: opts.gateway.identityPath,
    requestTimeoutMs: opts.gateway.requestTimeoutMs,
    log,
    redact: redactSecrets,
  })
  const chatSends =
    opts.limits.userChatSendsPer5Min > 0 ? new ChatSendBudget(opts.limits.userChatSendsPer5Min) : undefined
  const upstream = new UpstreamBudget(
    { perUser: opts.limits.upstreamBytesPerUser, total: opts.limits.upstreamBytesTotal },
    () => link.queuedBytes,
  )
  link.on('event', (frame) => {
    try {
      router.route(frame)
    } catch (error) {
      log.error(`clawchat: routing a ${String(frame?.event)} event failed: ${messageOf(error)}`)
    }
  })
  link.on('up', () => {
    audit.record({ event: 'gateway.state', state: 'up', gatewayVersion: link.gatewayVersion })
    for (const conn of registry.list()) conn.gatewayChanged()
  })
  link.on('down', (why: string) => {
    const state = link.state === 'failed' || link.state === 'misconfigured' ? link.state : 'down'
    audit.record({ event: 'gateway.state', state, reason: why })
    for (const conn of registry.list()) conn.gatewayChanged()
  })
  log.info(`clawchat: relay on ${opts.path}, gateway ${opts.gateway.url} (connecting in the background)`)
  link.start()

  /** Closes the sockets of an ended app session (of `userIds` only, when given), with an audit line per user. */
  function endSession(sessionId: string, why: string, userIds?: readonly string[]): void {
    const conns = registry.forSession(sessionId).filter((c) => !userIds || userIds.includes(c.userId))
    for (const userId of new Set(conns.map((c) => c.userId))) {
      audit.record({
        event: 'session.ended',
        userId,
        reason: why,
        connections: conns.filter((c) => c.userId === userId).length,
      })
    }
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, why)
  }

  /** Closes a user's sockets (those opened until `openedBy`, ms since the epoch, when given). */
  function closeUser(userId: string, why: string, openedBy = Infinity): number {
    const conns = registry.forUser(userId).filter((c) => c.openedAt <= openedBy)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, why)
    return conns.length
  }

  function closeSession(sessionId: string): number {
    const conns = registry.forSession(sessionId)
    for (const conn of conns) conn.close(CloseCodes.LOGGED_OUT, 'logged out')
    return conns.length
  }

  const coordination: Coordination | undefined = opts.coordination
    ? startCoordination(opts.coordination, {
        connectionsPerUser: opts.limits.connectionsPerUser,
        userMessagesPerSecond: opts.limits.userMessagesPerSecond,
        log,
        hooks: {
          localTotals: () => ({ connections: registry.size, users: registry.userCount }),
          disconnectUser: (userId, why, openedBy) => void closeUser(userId, why, openedBy),
          disconnectSessionDigest(digest) {
            for (const sessionId of registry.sessionIds())
              if (sessionDigest(sessionId) === digest) closeSession(sessionId)
          },
          sessionGone(sessionId, event) {
            if (registry.forSession(sessionId).length > 0)
              endSession(sessionId, event === 'expired' ? 'session expired' : 'session ended (logged out or expired)')
          },
        },
      })
    : undefined

  /**
   * A session destroyed through a store this proxy has seen, in this process (`req.session.destroy()`,
   * `regenerate()`): its sockets here close at once. (Other instances hear of it through Redis
   * keyspace events or their session check: publishing every login's `regenerate` would cost each
   * of them a digest of every session it holds.)
   */
  function sessionDestroyed(sessionId: string): void {
    if (!closed && registry.forSession(sessionId).length > 0) endSession(sessionId, 'logged out')
  }
  const storeWatches = new Map<SessionStoreLike, (() => void) | null>()
  function watchStore(store: SessionStoreLike | undefined): void {
    if (store && !closed && !storeWatches.has(store))
      storeWatches.set(store, watchStoreDestroy(store, sessionDestroyed))
  }

  const usesDefaultAuthenticate = opts.authenticate === defaultAuthenticate
  const watcher =
    opts.sessionCheckIntervalMs > 0
      ? new SessionWatcher({
          intervalMs: opts.sessionCheckIntervalMs,
          sessions: () => watchedSessions(registry),
          // With the default authenticate, a session that no longer holds the socket's user is a logout too.
          belongsTo: usesDefaultAuthenticate ? (session, userId) => sessionUserId(session) === userId : undefined,
          onEnded: (sessionId, userIds, why) => endSession(sessionId, why, userIds),
          onStoreError(error) {
            log.warn(
              `clawchat: the logout check could not read the session store (${messageOf(error)}); sockets stay open, retrying next round`,
            )
          },
        })
      : undefined
  watcher?.start()

  /** Does the peer of `req` (hop 0) speak for the browser, by the option or by Express's setting? */
  function trustsPeer(req: IncomingMessage, trust: TrustFn | undefined): boolean {
    if (!trust) return false
    try {
      return trust(req.socket.remoteAddress ?? '', 0)
    } catch {
      return false
    }
  }

  function pathMatches(req: IncomingMessage): boolean {
    const path = requestPath(req)
    return path === opts.path || path === `${opts.path}/`
  }

  /**
   * Completes an admitted upgrade. `release` gives back the connection's place in the cluster-wide
   * count (with `coordination`) once, whatever way the socket ends — even before it became a WebSocket.
   */
  function accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    gate: Extract<GateResult, { ok: true }>,
    ip: string | undefined,
    release: () => void,
  ): void {
    const { user } = gate
    let upgraded = false
    socket.once('close', () => {
      if (!upgraded) release()
    })
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true
      if (closed) {
        release()
        ws.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
        return
      }
      // Checked before the upgrade too (HTTP 429); this second check holds the limit should the
      // upgrade ever complete asynchronously, and then the browser sees 4429.
      if (registry.countForUser(user.id) >= opts.limits.connectionsPerUser) {
        release()
        audit.record({
          event: 'upgrade.refused',
          code: CloseCodes.TOO_MANY_CONNECTIONS,
          reason: 'too many connections',
          userId: user.id,
          origin: gate.origin,
          ip,
        })
        ws.on('error', () => undefined)
        ws.close(
          CloseCodes.TOO_MANY_CONNECTIONS,
          `too many connections for this user (at most ${opts.limits.connectionsPerUser})`,
        )
        setTimeout(() => ws.terminate(), 2000).unref?.()
        return
      }
      const conn = new ClientConnection(
        ws,
        user,
        { sessionId: gate.sessionId, sessionStore: gate.sessionStore, origin: gate.origin, ip, socket },
        {
          link,
          methods: opts.methods,
          commands: opts.commands,
          namespace: opts.namespace,
          limits: opts.limits,
          userMeter: coordination ? coordination.userBudget(user.id, userMeters.for(user.id)) : userMeters.for(user.id),
          connectionMeter: new RateMeter(opts.limits.messagesPerSecond),
          startedAt,
          audit,
          log,
          redact,
          upstream,
          chatSends,
          streams,
          onClosed(c) {
            release()
            registry.remove(c)
            if (registry.countForUser(c.userId) === 0) userMeters.release(c.userId)
          },
        },
      )
      registry.add(conn)
      heartbeat.watch(ws, () => conn.terminate(`no pong within ${opts.limits.pingIntervalMs} ms`))
    })
  }

  /** After the gate: the connection limits (across instances with `coordination`), then the upgrade. */
  async function admit(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    result: GateResult,
    ip: string | undefined,
  ): Promise<void> {
    if (!result.ok) {
      audit.record({ event: 'upgrade.refused', status: result.status, reason: result.message, ip })
      if (result.status >= 500) log.error(`clawchat: refused an upgrade (${result.status}): ${result.message}`)
      else log.debug(`clawchat: refused an upgrade (${result.status}): ${result.message}`)
      refuseUpgrade(socket, result.status)
      return
    }
    if (closed) {
      refuseUpgrade(socket, 503)
      return
    }
    watchStore(result.sessionStore)
    const userId = result.user.id
    if (registry.countForUser(userId) >= opts.limits.connectionsPerUser) {
      audit.record({
        event: 'upgrade.refused',
        status: 429,
        reason: 'too many connections',
        userId,
        origin: result.origin,
        ip,
      })
      refuseUpgrade(socket, 429)
      return
    }
    let release = () => {}
    if (coordination) {
      if (!(await coordination.reserveConnection(userId))) {
        audit.record({
          event: 'upgrade.refused',
          status: 429,
          reason: 'too many connections (across instances)',
          userId,
          origin: result.origin,
          ip,
        })
        refuseUpgrade(socket, 429)
        return
      }
      let released = false
      release = () => {
        if (released) return
        released = true
        coordination.releaseConnection(userId)
      }
      if (closed || socket.destroyed) {
        release()
        refuseUpgrade(socket, 503)
        return
      }
    }
    accept(req, socket, head, result, ip, release)
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!pathMatches(req)) return false
    claimUpgrade(socket)
    socket.on('error', () => undefined)
    if (closed) {
      refuseUpgrade(socket, 503)
      return true
    }
    const trustFn = opts.trustProxy ?? expressTrust
    const ip = clientAddress(req, trustFn)
    gateUpgrade(req, opts, trustsPeer(req, trustFn))
      .then((result) => admit(req, socket, head, result, ip))
      .catch((error: unknown) => {
        log.error(`clawchat: the upgrade gate failed: ${messageOf(error)}`)
        refuseUpgrade(socket, 500)
      })
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
      const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (handleUpgrade(req, socket, head) || opts.destroyUpgradeTimeoutMs === 0) return
        answerUnlessTaken(socket, opts.destroyUpgradeTimeoutMs)
      }
      attached.set(server, listener)
      // First in line, so that what the other listeners do with a socket shows against its state now.
      server.prependListener('upgrade', listener)
    }
    return proxy
  }

  proxy.disconnectUser = (userId, why = 'disconnected by the server') => {
    coordination?.publishDisconnectUser(userId, why)
    return closeUser(userId, why)
  }

  proxy.disconnectSession = (sessionId) => {
    coordination?.publishDisconnectSession(sessionId)
    return closeSession(sessionId)
  }

  proxy.stats = () => {
    const stats: ProxyStats = {
      connections: registry.size,
      users: registry.userCount,
      gateway: link.state,
      gatewayVersion: link.gatewayVersion,
      upstream: { inFlightBytes: upstream.inFlightBytes, queuedBytes: upstream.queuedBytes },
    }
    if (coordination) stats.cluster = coordination.view()
    return stats
  }

  proxy.close = async () => {
    if (closed) return
    closed = true
    watcher?.stop()
    for (const stop of storeWatches.values()) stop?.()
    storeWatches.clear()
    heartbeat.stop()
    for (const [server, listener] of attached) server.off('upgrade', listener)
    attached.clear()
    const conns = registry.list()
    for (const conn of conns) conn.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
    await link.close()
    await coordination?.close()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    // Give browsers a moment to answer the close handshake, so their audit lines are complete.
    const ended = Promise.all(conns.map((c) => c.ended))
    const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 1000).unref?.())
    if ((await Promise.race([ended, grace])) === 'late') {
      for (const conn of conns) conn.terminate('proxy shutting down')
      await ended
    }
    await auditSink?.close()
  }

  return proxy
}
