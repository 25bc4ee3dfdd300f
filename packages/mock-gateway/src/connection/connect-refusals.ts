import { ErrorCodes } from '@openclaw/gateway-protocol'
import {
  GATEWAY_STARTUP_CLOSE_CODE,
  GATEWAY_STARTUP_CLOSE_REASON,
  GATEWAY_STARTUP_RETRY_AFTER_MS,
  gatewayStartupUnavailableDetails,
} from '@openclaw/gateway-protocol/startup-unavailable'
import { MIN_PROBE_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version'
import type { GatewayErrorShape } from '../gateway/errors.js'
import { GATEWAY_BUILD_ID } from '../fixtures/gateway-identity.js'

/*
 * The answers to a refused `connect`, verbatim as the real gateway gives them (GATEWAY.md "Errors
 * and closes", transcripts/step6-*, matrix-*, startup-early-connect.jsonl): the error, then the
 * close code and reason.
 */

/** A refused `connect`: the error to answer with, then the close (after `delayMs`). */
export interface HandshakeRefusal {
  ok: false
  requestId: unknown
  error: GatewayErrorShape
  closeCode: number
  closeReason: string
  delayMs: number
}

const ORIGIN_NOT_ALLOWED =
  'origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)'
const TOKEN_MISMATCH = 'unauthorized: gateway token mismatch (provide gateway auth token)'

/** A refusal with this error; the close reason is its message. */
export function refuse(requestId: unknown, error: GatewayErrorShape, closeCode = 1008, delayMs = 0): HandshakeRefusal {
  return { ok: false, requestId, error, closeCode, closeReason: error.message, delayMs }
}

/** `INVALID_REQUEST` with this message (and details), close 1008 unless told otherwise. */
export function invalid(requestId: unknown, message: string, details?: unknown, closeCode = 1008): HandshakeRefusal {
  return refuse(
    requestId,
    { code: ErrorCodes.INVALID_REQUEST, message, ...(details === undefined ? {} : { details }) },
    closeCode,
  )
}

/** Still starting: retryable `UNAVAILABLE`, then close 1013 (transcripts/startup-early-connect.jsonl). */
export function startingRefusal(requestId: unknown): HandshakeRefusal {
  return {
    ok: false,
    requestId,
    error: {
      code: ErrorCodes.UNAVAILABLE,
      message: 'gateway starting; retry shortly',
      retryable: true,
      retryAfterMs: GATEWAY_STARTUP_RETRY_AFTER_MS,
      details: gatewayStartupUnavailableDetails(),
    },
    closeCode: GATEWAY_STARTUP_CLOSE_CODE,
    closeReason: GATEWAY_STARTUP_CLOSE_REASON,
    delayMs: 0,
  }
}

/** The client's protocol range leaves out version 4: close 1002. */
export function protocolMismatch(requestId: unknown, minProtocol: number, maxProtocol: number): HandshakeRefusal {
  const details = {
    code: 'PROTOCOL_MISMATCH',
    clientMinProtocol: minProtocol,
    clientMaxProtocol: maxProtocol,
    expectedProtocol: PROTOCOL_VERSION,
    minimumProbeProtocol: MIN_PROBE_PROTOCOL_VERSION,
  }
  return invalid(requestId, 'protocol mismatch', details, 1002)
}

/** A browser client from an Origin the gateway does not accept. */
export function originNotAllowed(requestId: unknown, reason: string): HandshakeRefusal {
  return invalid(requestId, ORIGIN_NOT_ALLOWED, { code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED', reason })
}

/** A Control UI without a signed device. */
export function controlUiDeviceRequired(requestId: unknown): HandshakeRefusal {
  return invalid(requestId, 'control ui requires device identity (use HTTPS or localhost secure context)', {
    code: 'CONTROL_UI_DEVICE_IDENTITY_REQUIRED',
  })
}

/** A wrong token, answered after the growing delay of the auth throttle. */
export function tokenMismatch(requestId: unknown, delayMs: number): HandshakeRefusal {
  const details = {
    code: 'AUTH_TOKEN_MISMATCH',
    authReason: 'token_mismatch',
    canRetryWithDeviceToken: false,
    recommendedNextStep: 'update_auth_credentials',
  }
  return refuse(requestId, { code: ErrorCodes.INVALID_REQUEST, message: TOKEN_MISMATCH, details }, 1008, delayMs)
}

/**
 * A Control UI with its signed device but no token (the page opened straight on a token-auth gateway,
 * nothing typed): measured on openclaw 2026.9.6 in Chromium on 2026-12-04 (docs/control-ui.md).
 */
export function controlUiTokenMissing(requestId: unknown): HandshakeRefusal {
  const details = {
    code: 'AUTH_TOKEN_MISSING',
    authReason: 'token_missing',
    canRetryWithDeviceToken: false,
    recommendedNextStep: 'update_auth_configuration',
  }
  const message =
    'unauthorized: gateway token missing ' +
    '(paste in Control UI settings or openclaw doctor --generate-gateway-token; restart)'
  return refuse(requestId, { code: ErrorCodes.INVALID_REQUEST, message, details })
}

/** Neither a token nor a signed device. */
export function deviceIdentityRequired(requestId: unknown): HandshakeRefusal {
  return refuse(requestId, {
    code: ErrorCodes.NOT_PAIRED,
    message: 'device identity required',
    details: { code: 'DEVICE_IDENTITY_REQUIRED' },
  })
}

/** A signed Control UI of another build is told to reload (matrix-origin-openclaw-control-ui-1.jsonl). */
export function controlUiReload(requestId: unknown): HandshakeRefusal {
  return refuse(requestId, {
    code: ErrorCodes.UNAVAILABLE,
    message: 'protocol mismatch: Control UI updated; reload this page to continue',
    retryable: false,
    details: { code: 'PROTOCOL_MISMATCH', gatewayBuildId: GATEWAY_BUILD_ID, reloadRequired: true },
  })
}
