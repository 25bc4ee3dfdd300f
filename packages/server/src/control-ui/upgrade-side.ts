/**
 * The Control UI's upgrades: every upgrade under the prefix is gated like the relay's — path, Origin
 * (the same `allowedOrigins` rule), session (401), role (403), the user's console connections
 * (`controlUi.limits.connectionsPerUser`, 429), the gateway's base path (503) — refusals are plain
 * HTTP answers and an audit line; then the console socket. Every path under the prefix gets the same
 * console socket (the gateway answers its main socket on any path): nothing under the prefix is piped
 * raw. With `controlUi.rootSockets`, the UI's two sockets at the gateway's ROOT (`/browser/screencast`,
 * `/desktop/observe`, `root-socket-path.ts`) pass the same gate and are then piped to the gateway.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Audit } from '../audit/audit.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { ResolvedOptions } from '../gate/options.js'
import { reauthenticates, SavedUpgradeRequest } from '../gate/reauthenticate.js'
import type { SessionStoreLike } from '../gate/session-check.js'
import { clientAddress, type ProxyTrust } from '../gate/trust-proxy.js'
import { claimUpgrade } from '../gate/unhandled-upgrade.js'
import type { UpgradeHandler } from '../gate/upgrade-handler.js'
import { originAllowed } from '../gate/upgrade.js'
import { CONSOLE_REFUSAL_TEXT, consoleAccess } from './access.js'
import type { BasePathCheck } from './base-path-check.js'
import type { AdmittedConsole } from './console-socket.js'
import type { ResolvedControlUi } from './options.js'
import { matchPrefix } from './paths.js'
import { matchRootSocket } from './root-socket-path.js'
import { gateRefusalReason, type RefusalReason } from '../metrics/labels.js'
import type { MetricsRecorder } from '../metrics/recorder.js'
import { refuseConsoleUpgrade } from './upgrade-refusal.js'

/** Which socket an upgrade asks for: the console (under the prefix) or a root socket (piped). */
export type UpgradeTarget =
  | { kind: 'console'; url: string }
  | { kind: 'root'; url: string; /** The path alone, without the one-time token. */ path: string }

/** An admitted console upgrade. */
export interface ConsoleUpgrade {
  req: IncomingMessage
  socket: Duplex
  head: Buffer
  /** The path and query to open on the gateway. */
  url: string
  admitted: AdmittedConsole
}

/** What the upgrade side needs. */
export interface UpgradeSideDeps {
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace' | 'allowedOrigins' | 'sessionCheckIntervalMs'>
  controlUi: ResolvedControlUi
  trust: ProxyTrust
  basePath: BasePathCheck
  audit: Audit
  log: ProxyLog
  /** The user's open console sockets. */
  countForUser(userId: string): number
  isClosed(): boolean
  /** The gate admitted an upgrade whose session lives in `store` (for the logout watch). */
  sessionStoreSeen(store: SessionStoreLike | undefined): void
  /** Opens the console socket of an admitted upgrade (its `url` is the upstream path and query). */
  openConsole(upgrade: ConsoleUpgrade): void
  /** Pipes an admitted root socket to the gateway (`path`: its path without the query, for the audit). */
  openRootSocket(upgrade: ConsoleUpgrade & { path: string }): void
  /** The proxy's figures: refused console upgrades by reason. */
  metrics?: Pick<MetricsRecorder, 'upgradeRefused'>
}

/** Answers a refused console upgrade, counted under `reason`. */
function refuseCounted(deps: UpgradeSideDeps, socket: Duplex, status: number, text: string, reason: RefusalReason) {
  deps.metrics?.upgradeRefused('control-ui', reason)
  refuseConsoleUpgrade(socket, status, text)
}

function ignoreSocketError(): void {}

/** Runs the gate; answers the refusal itself, or hands the upgrade over. */
async function gate(deps: UpgradeSideDeps, req: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget) {
  const ip = clientAddress(req, deps.trust.fn)
  const refuse = (status: number, reason: string, userId?: string, text?: string, label?: RefusalReason) => {
    deps.audit.record({ event: 'control-ui.refused', status, reason, kind: 'socket', userId, ip })
    if (status >= 500) deps.log.error(`clawchat: refused a Control UI socket (${status}): ${reason}`)
    const shown = text ?? CONSOLE_REFUSAL_TEXT[status] ?? 'Refused.'
    refuseCounted(deps, socket, status, shown, label ?? gateRefusalReason(status))
  }
  const origin = originAllowed(req, deps.options.allowedOrigins, deps.trust.trustsPeer(req))
  if (!origin.ok)
    return refuse(
      403,
      `origin ${JSON.stringify(origin.origin)} is not allowed`,
      undefined,
      'This origin may not open the Control UI.',
      'origin',
    )
  const access = await consoleAccess(req, deps.options, deps.controlUi.roles)
  if (!access.ok) return refuse(access.status, access.message, access.userId)
  const userId = access.user.id
  if (deps.isClosed()) return refuseCounted(deps, socket, 503, 'ClawChat is shutting down.', 'closing')
  if (deps.countForUser(userId) >= deps.controlUi.limits.connectionsPerUser)
    return refuse(429, 'too many Control UI connections', userId)
  const problem = await deps.basePath.problem()
  if (problem) return refuse(503, 'the gateway serves its Control UI at another path', userId, problem, 'gateway-error')
  if (socket.destroyed) return
  deps.sessionStoreSeen(access.sessionStore)
  const admitted: AdmittedConsole = {
    user: access.user,
    sessionId: access.sessionId,
    sessionStore: access.sessionStore,
    // Without an app session the login check asks `authenticate` about this request again.
    upgradeRequest:
      reauthenticates(deps.options) && access.sessionId === undefined && access.sessionStore === undefined
        ? new SavedUpgradeRequest(req)
        : undefined,
    ip,
  }
  const upgrade = { req, socket, head, url: target.url, admitted }
  if (target.kind === 'root') deps.openRootSocket({ ...upgrade, path: target.path })
  else deps.openConsole(upgrade)
}

/** What the upgrade asks for; `undefined` when it is not the Control UI's. */
function targetOf(rawUrl: string, controlUi: ResolvedControlUi): UpgradeTarget | { refused: string } | undefined {
  const match = matchPrefix(rawUrl, controlUi.path)
  if (match.kind === 'refused') return { refused: match.reason }
  if (match.kind === 'inside') return { kind: 'console', url: match.url }
  const root = controlUi.rootSockets ? matchRootSocket(rawUrl) : undefined
  return root && { kind: 'root', ...root }
}

/**
 * Creates the Control UI's upgrade handler: `false` for an upgrade that is not the Control UI's
 * (outside the prefix, and not a root socket while `rootSockets` is on).
 *
 * @example
 * const handleUpgrade = createUpgradeSide(deps)
 * server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head) || relay(req, socket, head))
 */
export function createUpgradeSide(deps: UpgradeSideDeps): UpgradeHandler {
  return (req, socket, head) => {
    const target = targetOf(req.url ?? '/', deps.controlUi)
    if (!target) return false
    claimUpgrade(socket)
    socket.on('error', ignoreSocketError)
    if ('refused' in target) {
      refuseCounted(deps, socket, 400, `Refused: ${target.refused}.`, 'bad-request')
      return true
    }
    if (deps.isClosed()) {
      refuseCounted(deps, socket, 503, 'ClawChat is shutting down.', 'closing')
      return true
    }
    gate(deps, req, socket, head, target).catch((error: unknown) => {
      deps.log.error(`clawchat: the Control UI upgrade gate failed: ${messageOf(error)}`)
      refuseCounted(deps, socket, 500, CONSOLE_REFUSAL_TEXT[500] as string, 'internal-error')
    })
    return true
  }
}
