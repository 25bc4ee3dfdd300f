/**
 * An admitted upgrade becomes a browser connection: `ws` completes the WebSocket handshake, the
 * connections-per-user limit is checked once more (4429 should the upgrade ever complete
 * asynchronously), and the new {@link ClientConnection} is registered and watched for pongs.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { CloseCodes, type ClawChatUser } from '@clawchat/protocol'
import type { Coordination } from '../coordination/index.js'
import { SavedUpgradeRequest } from '../gate/reauthenticate.js'
import { RateMeter, type UserMeters } from '../limits/limits.js'
import type { MetricsRecorder } from '../metrics/recorder.js'
import { ClientConnection } from './client-connection.js'
import type { ConnectionDeps, ConnectionOrigin } from './connection-deps.js'
import type { Heartbeat } from './heartbeat.js'
import type { ConnectionRegistry } from './registry.js'

/** What every connection of a proxy shares, before the per-user and per-connection parts are added. */
export type SharedConnectionDeps = Omit<ConnectionDeps, 'userMeter' | 'connectionMeter' | 'onClosed'>

/** What the acceptor needs. */
export interface AcceptorDeps {
  wss: WebSocketServer
  shared: SharedConnectionDeps
  registry: ConnectionRegistry<ClientConnection>
  userMeters: UserMeters
  heartbeat: Heartbeat
  coordination: Pick<Coordination, 'userBudget'> | undefined
  /** True once the proxy is closing: a socket that completes now is closed with 1012. */
  isClosed(): boolean
  /** The proxy's figures: upgrades refused once the WebSocket was open (4429, 1012). */
  metrics?: Pick<MetricsRecorder, 'upgradeRefused'>
  /**
   * The login check is on (`reauthenticates(options)`): each socket without an app session keeps what
   * `authenticate` reads of its upgrade request. Default false: nothing is kept.
   */
  reauthenticate?: boolean
}

/** An upgrade to accept: the request, its socket, and what the gate found. */
export interface AcceptedUpgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  gate: { user: ClawChatUser } & Omit<ConnectionOrigin, 'ip' | 'socket'>
  ip: string | undefined
  /** Gives back the connection's place in the cluster-wide count; safe to call more than once. */
  release: () => void
}

/** Refuses a completed WebSocket for the connections-per-user limit (4429). */
function refuseTooMany(deps: AcceptorDeps, ws: WebSocket, upgrade: AcceptedUpgrade): void {
  const limit = deps.shared.limits.connectionsPerUser
  upgrade.release()
  deps.metrics?.upgradeRefused('relay', 'connection-limit')
  deps.shared.audit.record({
    event: 'upgrade.refused',
    code: CloseCodes.TOO_MANY_CONNECTIONS,
    reason: 'too many connections',
    userId: upgrade.gate.user.id,
    origin: upgrade.gate.origin,
    ip: upgrade.ip,
  })
  ws.on('error', () => undefined)
  ws.close(CloseCodes.TOO_MANY_CONNECTIONS, `too many connections for this user (at most ${limit})`)
  setTimeout(() => ws.terminate(), 2000).unref?.()
}

/** The browser connection of a completed WebSocket, registered and watched. */
function openConnection(deps: AcceptorDeps, ws: WebSocket, upgrade: AcceptedUpgrade): void {
  const { shared, registry, userMeters, coordination } = deps
  const { gate, ip, socket, release } = upgrade
  const userId = gate.user.id
  const local = userMeters.for(userId)
  const sessionless = gate.sessionId === undefined && gate.sessionStore === undefined
  const upgradeRequest = deps.reauthenticate && sessionless ? new SavedUpgradeRequest(upgrade.req) : undefined
  const { sessionId, sessionStore, origin } = gate
  const conn = new ClientConnection(
    ws,
    gate.user,
    { sessionId, sessionStore, upgradeRequest, origin, ip, socket },
    // Object.assign, not a spread: `{ ...shared, more }` gives every connection a hidden class (and
    // a ~0.5 KiB descriptor array) of its own; assigned properties share one.
    Object.assign({}, shared, {
      userMeter: coordination ? coordination.userBudget(userId, local) : local,
      connectionMeter: new RateMeter(shared.limits.messagesPerSecond),
      onClosed(c: ClientConnection) {
        release()
        registry.remove(c)
        if (registry.countForUser(c.userId) === 0) userMeters.release(c.userId)
      },
    }),
  )
  registry.add(conn)
  deps.heartbeat.watch(ws, () => conn.terminate(`no pong within ${shared.limits.pingIntervalMs} ms`))
}

/**
 * Creates the function that completes admitted upgrades.
 *
 * @example
 * const accept = createAcceptor({ wss, shared, registry, userMeters, heartbeat, coordination, isClosed })
 * accept({ req, socket, head, gate, ip, release })
 */
export function createAcceptor(deps: AcceptorDeps): (upgrade: AcceptedUpgrade) => void {
  return (upgrade) => {
    const { req, socket, head, release } = upgrade
    // A socket that closes before it became a WebSocket gives its place back (`release` may run twice).
    socket.on('close', release)
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      // From here the connection gives it back when it closes: the listener (which would live as
      // long as the socket) goes.
      socket.removeListener('close', release)
      if (deps.isClosed()) {
        release()
        deps.metrics?.upgradeRefused('relay', 'closing')
        ws.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
        return
      }
      // Checked before the upgrade too (HTTP 429); this second check holds the limit should the
      // upgrade ever complete asynchronously, and then the browser sees 4429.
      if (deps.registry.countForUser(upgrade.gate.user.id) >= deps.shared.limits.connectionsPerUser) {
        refuseTooMany(deps, ws, upgrade)
        return
      }
      openConnection(deps, ws, upgrade)
    })
  }
}
