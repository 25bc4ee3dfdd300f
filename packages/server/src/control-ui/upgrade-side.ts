/**
 * The Control UI's upgrades: every upgrade under the prefix is gated like the relay's — path, Origin
 * (the same `allowedOrigins` rule), session (401), role (403), the user's console connections
 * (`controlUi.limits.connectionsPerUser`, 429), the gateway's base path (503) — refusals are plain
 * HTTP answers and an audit line; then the console socket. Every path under the prefix gets the same
 * console socket (the gateway answers its main socket on any path; its secondary sockets live at its
 * root, outside the prefix): nothing is ever piped raw to the gateway.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Audit } from '../audit/audit.js'
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { ResolvedOptions } from '../gate/options.js'
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
import { refuseConsoleUpgrade } from './upgrade-refusal.js'

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
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace' | 'allowedOrigins'>
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
}

function ignoreSocketError(): void {}

/** Runs the gate; answers the refusal itself, or hands the upgrade over. */
async function gate(deps: UpgradeSideDeps, req: IncomingMessage, socket: Duplex, head: Buffer, url: string) {
  const ip = clientAddress(req, deps.trust.fn)
  const refuse = (status: number, reason: string, userId?: string, text?: string) => {
    deps.audit.record({ event: 'control-ui.refused', status, reason, kind: 'socket', userId, ip })
    if (status >= 500) deps.log.error(`clawchat: refused a Control UI socket (${status}): ${reason}`)
    refuseConsoleUpgrade(socket, status, text ?? CONSOLE_REFUSAL_TEXT[status] ?? 'Refused.')
  }
  const origin = originAllowed(req, deps.options.allowedOrigins, deps.trust.trustsPeer(req))
  if (!origin.ok)
    return refuse(
      403,
      `origin ${JSON.stringify(origin.origin)} is not allowed`,
      undefined,
      'This origin may not open the Control UI.',
    )
  const access = await consoleAccess(req, deps.options, deps.controlUi.roles)
  if (!access.ok) return refuse(access.status, access.message, access.userId)
  const userId = access.user.id
  if (deps.isClosed()) return refuseConsoleUpgrade(socket, 503, 'ClawChat is shutting down.')
  if (deps.countForUser(userId) >= deps.controlUi.limits.connectionsPerUser)
    return refuse(429, 'too many Control UI connections', userId)
  const problem = await deps.basePath.problem()
  if (problem) return refuse(503, 'the gateway serves its Control UI at another path', userId, problem)
  if (socket.destroyed) return
  deps.sessionStoreSeen(access.sessionStore)
  const admitted: AdmittedConsole = {
    user: access.user,
    sessionId: access.sessionId,
    sessionStore: access.sessionStore,
    ip,
  }
  deps.openConsole({ req, socket, head, url, admitted })
}

/**
 * Creates the Control UI's upgrade handler: `false` for an upgrade outside the prefix.
 *
 * @example
 * const handleUpgrade = createUpgradeSide(deps)
 * server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head) || relay(req, socket, head))
 */
export function createUpgradeSide(deps: UpgradeSideDeps): UpgradeHandler {
  return (req, socket, head) => {
    const match = matchPrefix(req.url ?? '/', deps.controlUi.path)
    if (match.kind === 'outside') return false
    claimUpgrade(socket)
    socket.on('error', ignoreSocketError)
    if (match.kind === 'refused') {
      refuseConsoleUpgrade(socket, 400, `Refused: ${match.reason}.`)
      return true
    }
    if (deps.isClosed()) {
      refuseConsoleUpgrade(socket, 503, 'ClawChat is shutting down.')
      return true
    }
    gate(deps, req, socket, head, match.url).catch((error: unknown) => {
      deps.log.error(`clawchat: the Control UI upgrade gate failed: ${messageOf(error)}`)
      refuseConsoleUpgrade(socket, 500, CONSOLE_REFUSAL_TEXT[500] as string)
    })
    return true
  }
}
