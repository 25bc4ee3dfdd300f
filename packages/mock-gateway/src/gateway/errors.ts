import { ErrorCodes, missingScopeErrorShape } from '@openclaw/gateway-protocol'

/** The gateway's error object, as it appears in a `res` frame's `error` field. */
export interface GatewayErrorShape {
  code: string
  message: string
  details?: unknown
  retryable?: boolean
  retryAfterMs?: number
}

/**
 * Thrown by a method handler to answer its request with `ok:false`. Request errors never close the
 * connection (SESSIONS-AND-BROADCAST Q6).
 */
export class GatewayRequestError extends Error {
  readonly shape: GatewayErrorShape

  constructor(shape: GatewayErrorShape) {
    super(shape.message)
    this.name = 'GatewayRequestError'
    this.shape = shape
  }
}

/** `INVALID_REQUEST` with an optional `details` object. */
export function invalidRequest(message: string, details?: unknown): GatewayRequestError {
  return new GatewayRequestError({
    code: ErrorCodes.INVALID_REQUEST,
    message,
    ...(details === undefined ? {} : { details }),
  })
}

/** `FORBIDDEN` "missing scope: X" with `details:{code:"MISSING_SCOPE",missingScope,requiredScopes}`. */
export function missingScope(scope: string): GatewayErrorShape {
  return missingScopeErrorShape({ missingScope: scope, requiredScopes: [scope] }) as GatewayErrorShape
}

/** "session mutation target is unavailable": `chat.send` / `chat.abort` without a `sessionKey`. */
export function mutationTargetRequired(method: string): GatewayRequestError {
  return invalidRequest('session mutation target is unavailable', {
    code: 'SESSION_MUTATION_TARGET_REQUIRED',
    method,
  })
}

/** `details.reason` of a request refused while the gateway drains for a stop or restart. */
export const GATEWAY_RESTARTING_REASON = 'gateway-restarting'

/**
 * What the real gateway answers to every request (after the scope check) once SIGTERM has started
 * its drain: `UNAVAILABLE "<method> unavailable during gateway restart"`, retryable after 1 s. Runs
 * accepted before keep going; nothing new is accepted (measured on openclaw 2026.9.6, see the
 * README "Shutdown" and test/fixtures/shutdown-drain.json). `details.phase` is the suspension phase.
 */
export function gatewayRestarting(method: string, phase = 'accepting'): GatewayErrorShape {
  return {
    code: ErrorCodes.UNAVAILABLE,
    message: `${method} unavailable during gateway restart`,
    retryable: true,
    retryAfterMs: 1000,
    details: { method, reason: GATEWAY_RESTARTING_REASON, phase },
  }
}
