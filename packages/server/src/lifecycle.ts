/**
 * A proxy's life after it started: its counters for monitoring (`proxy.stats()`) and its orderly
 * shutdown (`proxy.close()`): stop taking work, close every browser (1012), stop the link and the
 * coordination, give browsers a moment to answer the close, then flush the audit file.
 */
import type { WebSocketServer } from 'ws'
import { CloseCodes } from '@clawchat/protocol'
import type { ClientConnection } from './connection/client-connection.js'
import type { Heartbeat } from './connection/heartbeat.js'
import type { ConnectionRegistry } from './connection/registry.js'
import type { ClusterView, Coordination } from './coordination/index.js'
import type { ControlUi, ControlUiStats } from './control-ui/index.js'
import type { AttachedServers } from './gate/attach.js'
import type { LogoutWatch } from './gate/logout-watch.js'
import type { UpstreamBudget } from './limits/upstream-budget.js'
import type { TrafficFigures } from './metrics/figures.js'
import type { LinkState } from './upstream/gateway-link.js'

/** How long `close()` waits for browsers to answer the close handshake before it drops them. */
const CLOSE_GRACE_MS = 1000

/**
 * Counters for monitoring: what is open now, and (from {@link TrafficFigures}, counted since the
 * proxy started, whether or not option `metrics` is on) refused upgrades, frames and bytes,
 * rate-limited requests, slow-consumer closes, request latency and link reconnects.
 */
export interface ProxyStats extends TrafficFigures {
  /** Open browser connections. */
  connections: number
  /** Distinct users with an open connection. */
  users: number
  /**
   * The upstream link: `up`, `connecting`, `down`, `misconfigured` (refused: a person must act;
   * retrying slowly), `failed` (a bad `gateway.url`: no retry) or `closed`.
   */
  gateway: LinkState
  /** The gateway's version, once known. */
  gatewayVersion: string | undefined
  /**
   * Bytes held toward the gateway: of requests relayed and not yet answered, and still queued on the
   * link's socket (a gateway that reads slowly). Bounded by `limits.upstreamBytesTotal`.
   */
  upstream: { inFlightBytes: number; queuedBytes: number }
  /** Option `controlUi`: its open console sockets and their users, apart from the above. */
  controlUi: ControlUiStats
  /**
   * With `coordination` only: this instance's id, whether Redis is usable, every live instance's
   * `{ id, connections, users }` (this one's current, the others' as of their last heartbeat, at
   * most `heartbeatMs` old) and their sum.
   */
  cluster?: ClusterView
}

/** The parts of a proxy its stats and its shutdown reach. */
export interface LifecycleParts {
  registry: ConnectionRegistry<ClientConnection>
  link: { readonly state: LinkState; readonly gatewayVersion: string | undefined; close(): Promise<void> }
  upstream: Pick<UpstreamBudget, 'inFlightBytes' | 'queuedBytes'>
  coordination: Coordination | undefined
  logouts: LogoutWatch
  heartbeat: Heartbeat
  servers: AttachedServers
  wss: WebSocketServer
  auditSink: { close(): Promise<void> } | undefined
  /** The unattended-deny watch of the approvals. */
  work?: { stop(): void }
  /** Option `controlUi`, when on. */
  controlUi?: Pick<ControlUi, 'stats' | 'close'>
  /** The proxy's figures (refusals, frames, limits, latency, reconnects). */
  figures: { snapshot(): TrafficFigures }
}

/**
 * The proxy's counters now.
 *
 * @example
 * proxyStats(parts) // { connections: 3, users: 2, gateway: 'up', gatewayVersion: '2026.9.6', upstream: {…} }
 */
export function proxyStats(parts: LifecycleParts): ProxyStats {
  const { registry, link, upstream, coordination } = parts
  const stats: ProxyStats = {
    connections: registry.size,
    users: registry.userCount,
    gateway: link.state,
    gatewayVersion: link.gatewayVersion,
    upstream: { inFlightBytes: upstream.inFlightBytes, queuedBytes: upstream.queuedBytes },
    controlUi: parts.controlUi?.stats() ?? { connections: 0, users: 0 },
    ...parts.figures.snapshot(),
  }
  if (coordination) stats.cluster = coordination.view()
  return stats
}

/**
 * Shuts a proxy down (once: the caller marks it closed first, so that no upgrade is accepted meanwhile).
 *
 * @example
 * closed = true
 * await shutdownProxy(parts)
 */
export async function shutdownProxy(parts: LifecycleParts): Promise<void> {
  parts.logouts.stop()
  parts.heartbeat.stop()
  parts.work?.stop()
  parts.servers.detachAll()
  const conns = parts.registry.list()
  for (const conn of conns) conn.close(CloseCodes.SERVICE_RESTART, 'proxy shutting down')
  const consoles = parts.controlUi?.close()
  await parts.link.close()
  await parts.coordination?.close()
  await new Promise<void>((resolve) => parts.wss.close(() => resolve()))
  // Give browsers a moment to answer the close handshake, so their audit lines are complete.
  const ended = Promise.all(conns.map((c) => c.ended))
  const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), CLOSE_GRACE_MS).unref?.())
  if ((await Promise.race([ended, grace])) === 'late') {
    for (const conn of conns) conn.terminate('proxy shutting down')
    await ended
  }
  await consoles
  await parts.auditSink?.close()
}
