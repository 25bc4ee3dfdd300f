import { ErrorCodes, formatValidationErrors, validateRequestFrame } from '@openclaw/gateway-protocol'
import type { GatewayConnection } from '../connection/connection.js'
import { GatewayRequestError, gatewayRestarting, invalidRequest, missingScope } from '../gateway/errors.js'
import type { GatewayCore } from '../gateway/gateway-core.js'
import { hasScope, Scopes } from '../connection/scopes.js'
import { METHODS } from './registry.js'

/** The `id` a response to an invalid request frame echoes: as sent, or `"invalid"` when null/absent. */
function echoedId(frame: unknown): unknown {
  if (typeof frame === 'object' && frame !== null && 'id' in frame) {
    const id = (frame as { id: unknown }).id
    if (id !== null && id !== undefined) return id
  }
  return 'invalid'
}

/**
 * Handles one frame of a connected client, like the real gateway (SESSIONS-AND-BROADCAST Q5/Q6):
 * invalid request frames get `INVALID_REQUEST` "invalid request frame: …" echoing the id; a method
 * the caller lacks the scope for gets `FORBIDDEN` "missing scope: …" (unknown methods count as
 * admin-only); an admin calling an unknown method gets "unknown method: X"; while the gateway drains
 * for a stop or restart every other request gets `UNAVAILABLE` "<method> unavailable during gateway
 * restart" (retryable); while a suspension holds admission closed, every method but `gateway.suspend.*`
 * gets `UNAVAILABLE` "<method> unavailable during gateway suspension". No request error ever closes the
 * connection.
 */
export function dispatchRequest(core: GatewayCore, conn: GatewayConnection, frame: unknown): void {
  if (!validateRequestFrame(frame)) {
    conn.respondError(echoedId(frame), {
      code: ErrorCodes.INVALID_REQUEST,
      message: `invalid request frame: ${formatValidationErrors(validateRequestFrame.errors)}`,
    })
    return
  }
  core.recordRequest(conn, frame)
  if (frame.method === 'connect') {
    // Not recorded: a second connect on an open connection.
    conn.respondError(frame.id, invalidRequest('connect is only valid as the first request').shape)
    return
  }
  const method = METHODS.get(frame.method)
  const required = method?.scope ?? Scopes.ADMIN
  if (!hasScope(conn.scopes, required)) {
    conn.respondError(frame.id, missingScope(required))
    return
  }
  if (!method) {
    conn.respondError(frame.id, invalidRequest(`unknown method: ${frame.method}`).shape)
    return
  }
  if (core.draining) {
    // Like the real gateway from SIGTERM on: nothing new is admitted, not even a read.
    conn.respondError(frame.id, gatewayRestarting(frame.method, core.suspension.phase))
    return
  }
  const suspended = core.suspension.refusal(frame.method)
  if (suspended) {
    // Admission closed by a suspension lease: only `gateway.suspend.*` runs.
    conn.respondError(frame.id, suspended)
    return
  }
  try {
    const result = method.handle({ core, conn }, frame.params)
    conn.respond(frame.id, result.payload)
    result.afterResponse?.()
  } catch (err) {
    if (err instanceof GatewayRequestError) {
      conn.respondError(frame.id, err.shape)
    } else {
      core.log(`method ${frame.method} failed: ${(err as Error)?.message ?? String(err)}`)
      conn.respondError(frame.id, { code: ErrorCodes.UNAVAILABLE, message: `internal error in ${frame.method}` })
    }
  }
}
