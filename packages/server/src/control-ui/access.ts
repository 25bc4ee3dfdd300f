/**
 * Who may use the Control UI: the app's session and `authenticate` run exactly as for the relay's
 * upgrades and `GET <path>/session` (`authenticateRequest`), then the user's role must be one of
 * `controlUi.roles`. Shared by the HTTP side and the sockets.
 */
import type { IncomingMessage } from 'node:http'
import type { ClawChatUser } from '@clawchat/protocol'
import type { Role } from '../isolation/policy.js'
import type { ResolvedOptions } from '../gate/options.js'
import { authenticateRequest, type GateResult } from '../gate/upgrade.js'

/** An allowed user, with what the logout watch needs. */
export type ConsoleAccess =
  | (Extract<GateResult, { ok: true }> & { user: ClawChatUser })
  | { ok: false; status: 401 | 403 | 500 | 503; message: string; userId?: string }

/**
 * Decides whether the request's user may use the console.
 *
 * @example
 * const access = await consoleAccess(req, opts, ['admin'])
 * if (!access.ok) answer(access.status)
 */
export async function consoleAccess(
  req: IncomingMessage,
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace'>,
  roles: readonly Role[],
): Promise<ConsoleAccess> {
  const result = await authenticateRequest(req, options)
  if (!result.ok) return result
  if (!roles.includes(result.user.role))
    return {
      ok: false,
      status: 403,
      message: `the Control UI is for ${roles.join(', ')} only; this user's role is ${result.user.role}`,
      userId: result.user.id,
    }
  return result
}

/** What a refused browser is told, by status (details stay in the server's log). */
export const CONSOLE_REFUSAL_TEXT: Record<number, string> = {
  401: 'Not logged in: log in to the app first.',
  403: "The Control UI is for the app's administrators only.",
  429: 'Too many Control UI connections for this user.',
  500: 'ClawChat could not check who you are; the server log says why.',
  502: 'The gateway is not reachable.',
  503: 'The session store or the gateway is unavailable; try again shortly.',
}
