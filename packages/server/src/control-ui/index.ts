/**
 * The Control UI for admins (option `controlUi`, issue 21), started: the HTTP side and the upgrade
 * side under the prefix (and the root sockets it pipes, `rootSockets`), the consoles' own registry
 * (apart from the relay's connections: its own per-user count, its own stats), their logout watch,
 * and their shutdown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { WebSocketServer } from 'ws'
import { CloseCodes } from '@clawchat/protocol'
import { startHeartbeat } from '../connection/heartbeat.js'
import { ConnectionRegistry } from '../connection/registry.js'
import { startLogoutWatch } from '../gate/logout-watch.js'
import type { ProxyTrust } from '../gate/trust-proxy.js'
import type { UpgradeHandler } from '../gate/upgrade-handler.js'
import type { ProxyCore } from '../proxy-core.js'
import { loadLinkIdentity } from '../upstream/link-client.js'
import type { DeviceIdentity } from '../upstream/device-identity.js'
import { BasePathCheck } from './base-path-check.js'
import { ConsoleConnection } from './console-connection.js'
import type { ConsoleSocket } from './console-socket.js'
import { createForwarder } from './forwarder.js'
import { createHttpSide } from './http-side.js'
import type { ResolvedControlUi } from './options.js'
import { RootSocket, type RootSocketUpgrade } from './root-socket.js'
import { createUpgradeSide, type ConsoleUpgrade } from './upgrade-side.js'
import { gatewayOrigins } from './upstream-headers.js'

/** How long `close()` waits for consoles to answer the close handshake. */
const CLOSE_GRACE_MS = 1000

/** The consoles' counters (`proxy.stats().controlUi`). */
export interface ControlUiStats {
  /** Open console sockets. */
  connections: number
  /** Distinct users with one open. */
  users: number
}

/** A started Control UI. */
export interface ControlUi {
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean
  handleUpgrade: UpgradeHandler
  stats(): ControlUiStats
  /** Closes a user's consoles with 4401; answers how many. */
  disconnectUser(userId: string, why: string): number
  /** Closes the consoles opened with an app session with 4401; answers how many. */
  disconnectSession(sessionId: string, why?: string): number
  close(): Promise<void>
}

/** Closes every console in `list` with 4401. */
function closeAll(list: ConsoleSocket[], why: string): number {
  for (const conn of list) conn.close(CloseCodes.LOGGED_OUT, why)
  return list.length
}

/** The console's device identity, loaded on first use (its key taught to the log's redactor). */
function lazyIdentity(core: ProxyCore, controlUi: ResolvedControlUi): () => DeviceIdentity {
  let identity: DeviceIdentity | undefined
  return () => (identity ??= loadLinkIdentity(controlUi.identityPath, core.secrets, core.log))
}

/** The consoles' WebSocket server (upgrades handed to it one by one). */
function consoleServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false })
}

/**
 * Starts the Control UI of a proxy whose options have `controlUi`.
 *
 * @example
 * const controlUi = startControlUi(core, controlUiOptions, { trust, isClosed: () => closed })
 */
export function startControlUi(
  core: ProxyCore,
  controlUi: ResolvedControlUi,
  ctx: { trust: ProxyTrust; isClosed(): boolean },
): ControlUi {
  const { opts, log, audit } = core
  const { token } = opts.gateway
  const origins = gatewayOrigins(opts.gateway.url)
  const forwarder = createForwarder({ token, origins, log })
  const basePath = new BasePathCheck({ origin: origins.http, path: controlUi.path, token, log })
  basePath.start()
  const registry = new ConnectionRegistry<ConsoleSocket>()
  const logouts = startLogoutWatch({
    options: opts,
    registry,
    log,
    endSession: (sessionId, why, userIds) =>
      closeAll(
        registry.forSession(sessionId).filter((c) => !userIds || userIds.includes(c.userId)),
        why,
      ),
    // Without an app session: a login that expired (a JWT) closes its consoles too.
    endLogin: (conn, why) => closeAll([conn], why),
  })
  const wss = consoleServer(controlUi.limits.maxPayloadBytes)
  const track = (conn: ConsoleSocket) => {
    registry.add(conn)
    void conn.ended.then(() => registry.remove(conn))
  }
  const consoleDeps = {
    token,
    gatewayOrigin: origins.http,
    limits: controlUi.limits,
    identity: lazyIdentity(core, controlUi),
    redact: core.shared.redact,
    audit,
    log,
    metrics: core.figures,
  }
  // Pages that stop answering pings (a laptop closed) are dropped, as the relay's are.
  const heartbeat = startHeartbeat(opts.limits.pingIntervalMs)
  // Every upgrade under the prefix is a console, opened upstream at its own path and query; a root
  // socket (option `rootSockets`) is piped to the gateway.
  const openConsole = ({ req, socket, head, url, admitted }: ConsoleUpgrade) =>
    wss.handleUpgrade(req, socket, head, (page) => {
      const conn = new ConsoleConnection(page, admitted, { ...consoleDeps, upstreamUrl: `${origins.ws}${url}` })
      track(conn)
      heartbeat.watch(page, () => conn.terminate())
    })
  const openRootSocket = (upgrade: RootSocketUpgrade) =>
    track(new RootSocket(upgrade, { forwarder, target: origins.ws, audit, log }))
  const gateOptions = { options: opts, controlUi, trust: ctx.trust, basePath, audit, log, isClosed: ctx.isClosed }
  return {
    handleHttp: createHttpSide({ ...gateOptions, origins, forwarder, token }),
    handleUpgrade: createUpgradeSide({
      ...gateOptions,
      countForUser: (userId) => registry.countForUser(userId),
      sessionStoreSeen: (store) => logouts.watchStore(store),
      openConsole,
      openRootSocket,
      metrics: core.figures,
    }),
    stats: () => ({ connections: registry.size, users: registry.userCount }),
    disconnectUser: (userId, why) => closeAll(registry.forUser(userId), why),
    disconnectSession: (sessionId, why = 'logged out') => closeAll(registry.forSession(sessionId), why),
    async close() {
      logouts.stop()
      heartbeat.stop()
      const conns = registry.list()
      for (const conn of conns) conn.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
      const ended = Promise.all(conns.map((c) => c.ended))
      const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), CLOSE_GRACE_MS).unref?.())
      if ((await Promise.race([ended, grace])) === 'late') for (const conn of conns) conn.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      forwarder.close()
    },
  }
}
