/**
 * The proxy's upgrades, from the request to the hand-over: an upgrade to the proxy's path is claimed,
 * run through the gate (`upgrade.ts`: Origin, session, `authenticate`), then admitted within the
 * connection limits — `connectionsPerUser` here and, with `coordination`, across instances — and
 * handed over to become a browser connection. A refusal is a plain HTTP answer and an audit line.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Audit } from '../audit/audit.js'
import type { Coordination } from '../coordination/index.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { gateRefusalReason, type RefusalReason } from '../metrics/labels.js'
import type { MetricsRecorder } from '../metrics/recorder.js'
import type { ResolvedOptions } from './options.js'
import type { SessionStoreLike } from './session-check.js'
import { requestPath } from './session-endpoint.js'
import { clientAddress, type ProxyTrust } from './trust-proxy.js'
import { claimUpgrade } from './unhandled-upgrade.js'
import { gateUpgrade, refuseUpgrade, type GateResult } from './upgrade.js'

/** An upgrade the gate and the limits admitted, ready to become a WebSocket. */
export interface AdmittedUpgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  gate: Extract<GateResult, { ok: true }>
  /** The browser's address, for the audit trail. */
  ip: string | undefined
  /**
   * Gives back the connection's place in the cluster-wide count (with `coordination`): call it once
   * the socket ends, whatever way — even before it became a WebSocket. Calling it again does nothing.
   */
  release: () => void
}

/** What the upgrade handler needs. */
export interface UpgradeHandlerDeps {
  options: Pick<ResolvedOptions, 'path' | 'session' | 'authenticate' | 'namespace' | 'allowedOrigins' | 'limits'>
  trust: ProxyTrust
  audit: Audit
  log: ProxyLog
  /** This instance's open connections of a user. */
  countForUser(userId: string): number
  coordination: Pick<Coordination, 'reserveConnection' | 'releaseConnection'> | undefined
  /** True once the proxy is closing: upgrades are refused with 503. */
  isClosed(): boolean
  /** The gate admitted an upgrade whose session lives in `store` (for the logout watch). */
  sessionStoreSeen(store: SessionStoreLike | undefined): void
  /** Completes an admitted upgrade. */
  accept(upgrade: AdmittedUpgrade): void
  /** The proxy's figures: refused upgrades by reason. */
  metrics?: Pick<MetricsRecorder, 'upgradeRefused'>
}

/** Handles one upgrade: `false` when the path is not the proxy's, `true` when the proxy took it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean

/** Answers a refused upgrade with `status`, counted under `reason`. */
function refuse(deps: UpgradeHandlerDeps, socket: Duplex, status: number, reason: RefusalReason): void {
  deps.metrics?.upgradeRefused('relay', reason)
  refuseUpgrade(socket, status)
}

/** Audits and logs an upgrade the gate refused, and answers it. */
function refuseGated(
  deps: UpgradeHandlerDeps,
  socket: Duplex,
  result: Extract<GateResult, { ok: false }>,
  ip?: string,
) {
  deps.audit.record({ event: 'upgrade.refused', status: result.status, reason: result.message, ip })
  const line = `clawchat: refused an upgrade (${result.status}): ${result.message}`
  if (result.status >= 500) deps.log.error(line)
  else deps.log.debug(line)
  refuse(deps, socket, result.status, result.status === 403 ? 'origin' : gateRefusalReason(result.status))
}

/**
 * Takes the user's place in the cluster-wide count: its release, or `undefined` when the cluster
 * is full for the user (429, audited) or the socket or the proxy closed meanwhile (503).
 */
async function reservePlace(
  deps: UpgradeHandlerDeps,
  coordination: NonNullable<UpgradeHandlerDeps['coordination']>,
  socket: Duplex,
  audited: { userId: string; origin: string | undefined; ip: string | undefined },
): Promise<(() => void) | undefined> {
  if (!(await coordination.reserveConnection(audited.userId))) {
    const reason = 'too many connections (across instances)'
    deps.audit.record({ event: 'upgrade.refused', status: 429, reason, ...audited })
    refuse(deps, socket, 429, 'connection-limit')
    return undefined
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    coordination.releaseConnection(audited.userId)
  }
  if (deps.isClosed() || socket.destroyed) {
    release()
    refuse(deps, socket, 503, 'closing')
    return undefined
  }
  return release
}

/** After the gate: the connection limits (across instances with `coordination`), then the hand-over. */
async function admit(deps: UpgradeHandlerDeps, upgrade: Omit<AdmittedUpgrade, 'gate' | 'release'>, result: GateResult) {
  const { socket, ip } = upgrade
  if (!result.ok) return refuseGated(deps, socket, result, ip)
  if (deps.isClosed()) return refuse(deps, socket, 503, 'closing')
  deps.sessionStoreSeen(result.sessionStore)
  const audited = { userId: result.user.id, origin: result.origin, ip }
  if (deps.countForUser(audited.userId) >= deps.options.limits.connectionsPerUser) {
    deps.audit.record({ event: 'upgrade.refused', status: 429, reason: 'too many connections', ...audited })
    return refuse(deps, socket, 429, 'connection-limit')
  }
  let release = () => {}
  if (deps.coordination) {
    const reserved = await reservePlace(deps, deps.coordination, socket, audited)
    if (!reserved) return
    release = reserved
  }
  deps.accept({ ...upgrade, gate: result, release })
}

/**
 * A socket error during the upgrade is answered by its close. A module-level function: a closure
 * made in the handler would keep the upgrade's request (and the session middleware's objects)
 * alive for as long as the socket lives.
 */
function ignoreSocketError(): void {}

/**
 * Creates the proxy's upgrade handler.
 *
 * @example
 * const handleUpgrade = createUpgradeHandler({ options: opts, trust, audit, log, ..., accept })
 * server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head) || socket.destroy())
 */
export function createUpgradeHandler(deps: UpgradeHandlerDeps): UpgradeHandler {
  const { options, trust } = deps
  const pathMatches = (req: IncomingMessage) => {
    const path = requestPath(req)
    return path === options.path || path === `${options.path}/`
  }
  return (req, socket, head) => {
    if (!pathMatches(req)) return false
    claimUpgrade(socket)
    socket.on('error', ignoreSocketError)
    if (deps.isClosed()) {
      refuse(deps, socket, 503, 'closing')
      return true
    }
    const ip = clientAddress(req, trust.fn)
    gateUpgrade(req, options, trust.trustsPeer(req))
      .then((result) => admit(deps, { req, socket, head, ip }, result))
      .catch((error: unknown) => {
        deps.log.error(`clawchat: the upgrade gate failed: ${messageOf(error)}`)
        refuse(deps, socket, 500, 'internal-error')
      })
    return true
  }
}
