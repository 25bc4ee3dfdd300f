import { timingSafeEqual, createHash } from 'node:crypto'
import {
  ErrorCodes,
  formatValidationErrors,
  validateConnectParams,
  validateRequestFrame,
} from '@openclaw/gateway-protocol'
import {
  GATEWAY_STARTUP_CLOSE_CODE,
  GATEWAY_STARTUP_CLOSE_REASON,
  GATEWAY_STARTUP_RETRY_AFTER_MS,
  gatewayStartupUnavailableDetails,
} from '@openclaw/gateway-protocol/startup-unavailable'
import { MIN_PROBE_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version'
import type { AuthFailureThrottle } from './auth-throttle.js'
import type { ConnectionIdentity } from './connection.js'
import { verifyDeviceSignature } from './device-signature.js'
import type { GatewayErrorShape } from './errors.js'
import { GATEWAY_BUILD_ID } from './fixtures/gateway-identity.js'
import { checkBrowserOrigin, isBrowserClient, isLoopbackAddress, requiresDeviceIdentity } from './origin-check.js'
import { grantScopes } from './scopes.js'

/** What the handshake needs to know about the socket it runs on. */
export interface HandshakeSocket {
  challengeNonce: string
  remoteAddress: string
  origin: string | undefined
}

/** Gateway-side inputs of the handshake. */
export interface HandshakeContext {
  token: string
  allowedOrigins: readonly string[]
  throttle: AuthFailureThrottle
  now: number
  /** Still "starting" (`startupMs` after a start): connects are refused with the retryable startup error. */
  starting: boolean
}

/** A refused `connect`: the error to answer with, then the close (after `delayMs`). */
export interface HandshakeRefusal {
  ok: false
  requestId: unknown
  error: GatewayErrorShape
  closeCode: number
  closeReason: string
  delayMs: number
}

/** An accepted `connect`. */
export interface HandshakeAcceptance {
  ok: true
  requestId: string
  identity: ConnectionIdentity
  /** Whether `hello-ok.auth` carries a new `deviceToken` (device clients other than gateway-client/backend). */
  issueDeviceToken: boolean
}

/** The outcome of {@link evaluateConnect}. */
export type HandshakeResult = HandshakeAcceptance | HandshakeRefusal

const ORIGIN_NOT_ALLOWED =
  'origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)'
const TOKEN_MISMATCH = 'unauthorized: gateway token mismatch (provide gateway auth token)'

function refuse(requestId: unknown, error: GatewayErrorShape, closeCode = 1008, delayMs = 0): HandshakeRefusal {
  return { ok: false, requestId, error, closeCode, closeReason: error.message, delayMs }
}

function invalid(requestId: unknown, message: string, details?: unknown, closeCode = 1008): HandshakeRefusal {
  return refuse(
    requestId,
    { code: ErrorCodes.INVALID_REQUEST, message, ...(details === undefined ? {} : { details }) },
    closeCode,
  )
}

function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

function frameId(frame: unknown): unknown {
  if (typeof frame === 'object' && frame !== null && 'id' in frame) {
    const id = (frame as { id: unknown }).id
    if (typeof id === 'string' && id !== '') return id
  }
  return 'invalid'
}

/**
 * Decides the first frame of a connection like the real gateway (GATEWAY.md "Handshake" and
 * "Errors and closes", transcripts/step6-*, matrix-*): request-frame and `connect` checks with the
 * official validators (strict), protocol 4 only, browser Origin rules, control UI device rule, token
 * (with the growing delay on mismatch), device signature, then the granted scopes.
 */
export function evaluateConnect(frame: unknown, socket: HandshakeSocket, ctx: HandshakeContext): HandshakeResult {
  if (!validateRequestFrame(frame) || frame.method !== 'connect') {
    return invalid(frameId(frame), 'invalid handshake: first request must be connect')
  }
  const id = frame.id
  const params = frame.params
  if (ctx.starting) {
    // Recorded in transcripts/startup-early-connect.jsonl: retryable UNAVAILABLE, then close 1013.
    return {
      ok: false,
      requestId: id,
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
  if (!validateConnectParams(params)) {
    return invalid(id, `invalid connect params: ${formatValidationErrors(validateConnectParams.errors)}`)
  }
  if (params.minProtocol > PROTOCOL_VERSION || params.maxProtocol < PROTOCOL_VERSION) {
    return invalid(
      id,
      'protocol mismatch',
      {
        code: 'PROTOCOL_MISMATCH',
        clientMinProtocol: params.minProtocol,
        clientMaxProtocol: params.maxProtocol,
        expectedProtocol: PROTOCOL_VERSION,
        minimumProbeProtocol: MIN_PROBE_PROTOCOL_VERSION,
      },
      1002,
    )
  }
  const client = params.client
  const role = params.role ?? 'operator'
  if (role !== 'operator') {
    // Not recorded: the mock only implements operator connections.
    return invalid(id, `unsupported role: ${role} (the mock gateway only accepts operator connections)`)
  }
  if (isBrowserClient(client.id, client.mode)) {
    const origin = checkBrowserOrigin(socket.origin, socket.remoteAddress, ctx.allowedOrigins)
    if (!origin.ok)
      return invalid(id, ORIGIN_NOT_ALLOWED, { code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED', reason: origin.reason })
  }
  if (requiresDeviceIdentity(client.id) && !params.device) {
    return invalid(id, 'control ui requires device identity (use HTTPS or localhost secure context)', {
      code: 'CONTROL_UI_DEVICE_IDENTITY_REQUIRED',
    })
  }
  const token = params.auth?.token?.trim() ? params.auth.token : undefined
  if (token !== undefined && !tokensEqual(token, ctx.token)) {
    const delayMs = ctx.throttle.nextDelay(socket.remoteAddress)
    return refuse(
      id,
      {
        code: ErrorCodes.INVALID_REQUEST,
        message: TOKEN_MISMATCH,
        details: {
          code: 'AUTH_TOKEN_MISMATCH',
          authReason: 'token_mismatch',
          canRetryWithDeviceToken: false,
          recommendedNextStep: 'update_auth_credentials',
        },
      },
      1008,
      delayMs,
    )
  }
  // Without a token a signed device is enough: loopback pairing is approved silently (GATEWAY.md).
  if (token === undefined && !params.device) {
    return refuse(id, {
      code: ErrorCodes.NOT_PAIRED,
      message: 'device identity required',
      details: { code: 'DEVICE_IDENTITY_REQUIRED' },
    })
  }
  const requested = params.scopes ?? []
  let deviceVerified = false
  if (params.device) {
    const check = verifyDeviceSignature(params.device, {
      challengeNonce: socket.challengeNonce,
      clientId: client.id,
      clientMode: client.mode,
      role,
      scopes: requested,
      token: params.auth?.token,
      platform: client.platform,
      deviceFamily: client.deviceFamily,
      now: ctx.now,
    })
    if (!check.ok) return invalid(id, check.message, { code: check.code })
    deviceVerified = true
    if (client.id === 'openclaw-control-ui' && client.buildId !== GATEWAY_BUILD_ID) {
      // Recorded (matrix-origin-openclaw-control-ui-1.jsonl): a signed Control UI of another build is told to reload.
      return refuse(id, {
        code: ErrorCodes.UNAVAILABLE,
        message: 'protocol mismatch: Control UI updated; reload this page to continue',
        retryable: false,
        details: { code: 'PROTOCOL_MISMATCH', gatewayBuildId: GATEWAY_BUILD_ID, reloadRequired: true },
      })
    }
  }
  ctx.throttle.reset(socket.remoteAddress)
  const scopes = grantScopes({
    clientId: client.id,
    clientMode: client.mode,
    requested,
    deviceVerified,
    loopbackPeer: isLoopbackAddress(socket.remoteAddress),
  })
  const identity: ConnectionIdentity = {
    clientId: client.id,
    clientMode: client.mode,
    clientVersion: client.version,
    platform: client.platform,
    role,
    scopes,
    ...(deviceVerified && params.device ? { deviceId: params.device.id } : {}),
  }
  const trustedBackend = client.id === 'gateway-client' && client.mode === 'backend'
  return { ok: true, requestId: id, identity, issueDeviceToken: deviceVerified && !trustedBackend }
}
