import { timingSafeEqual, createHash } from 'node:crypto'
import {
  formatValidationErrors,
  validateConnectParams,
  validateRequestFrame,
  type ConnectParams,
} from '@openclaw/gateway-protocol'
import { PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version'
import type { AuthFailureThrottle } from './auth-throttle.js'
import {
  controlUiDeviceRequired,
  controlUiTokenMissing,
  controlUiReload,
  deviceIdentityRequired,
  invalid,
  originNotAllowed,
  protocolMismatch,
  startingRefusal,
  tokenMismatch,
  type HandshakeRefusal,
} from './connect-refusals.js'
import type { ConnectionIdentity } from './connection.js'
import { verifyDeviceSignature } from './device-signature.js'
import { GATEWAY_BUILD_ID } from '../fixtures/gateway-identity.js'
import { checkBrowserOrigin, isBrowserClient, isLoopbackAddress, requiresDeviceIdentity } from './origin-check.js'
import { grantScopes } from './scopes.js'

export type { HandshakeRefusal } from './connect-refusals.js'

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

/** One step of the checks: a refusal, or `undefined` to go on. */
type Check = HandshakeRefusal | undefined

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

/** The token the client sent, unless blank. */
function sentToken(params: ConnectParams): string | undefined {
  return params.auth?.token?.trim() ? params.auth.token : undefined
}

/** Protocol 4, the operator role, the browser Origin rules and the Control UI's device rule. */
function checkClient(id: string, params: ConnectParams, socket: HandshakeSocket, ctx: HandshakeContext): Check {
  if (params.minProtocol > PROTOCOL_VERSION || params.maxProtocol < PROTOCOL_VERSION) {
    return protocolMismatch(id, params.minProtocol, params.maxProtocol)
  }
  const { client } = params
  const role = params.role ?? 'operator'
  if (role !== 'operator') {
    // Not recorded: the mock only implements operator connections.
    return invalid(id, `unsupported role: ${role} (the mock gateway only accepts operator connections)`)
  }
  if (isBrowserClient(client.id, client.mode)) {
    const origin = checkBrowserOrigin(socket.origin, socket.remoteAddress, ctx.allowedOrigins)
    if (!origin.ok) return originNotAllowed(id, origin.reason)
  }
  if (requiresDeviceIdentity(client.id) && !params.device) return controlUiDeviceRequired(id)
  return undefined
}

/** The token (a wrong one answers after the growing delay), or else a signed device. */
function checkCredentials(id: string, params: ConnectParams, socket: HandshakeSocket, ctx: HandshakeContext): Check {
  const token = sentToken(params)
  if (token !== undefined && !tokensEqual(token, ctx.token)) {
    return tokenMismatch(id, ctx.throttle.nextDelay(socket.remoteAddress))
  }
  // Without a token a signed device is enough: loopback pairing is approved silently (GATEWAY.md) —
  // except for the Control UI, which the real gateway asks for its token (docs/control-ui.md).
  if (token === undefined && !params.device) return deviceIdentityRequired(id)
  if (token === undefined && params.client.id === 'openclaw-control-ui') return controlUiTokenMissing(id)
  return undefined
}

/** The device's signature over this connection's challenge, and the Control UI's build. */
function checkDevice(id: string, params: ConnectParams, socket: HandshakeSocket, ctx: HandshakeContext): Check {
  if (!params.device) return undefined
  const { client } = params
  const check = verifyDeviceSignature(params.device, {
    challengeNonce: socket.challengeNonce,
    clientId: client.id,
    clientMode: client.mode,
    role: params.role ?? 'operator',
    scopes: params.scopes ?? [],
    token: params.auth?.token,
    platform: client.platform,
    deviceFamily: client.deviceFamily,
    now: ctx.now,
  })
  if (!check.ok) return invalid(id, check.message, { code: check.code })
  // Recorded (matrix-origin-openclaw-control-ui-1.jsonl): a signed Control UI of another build is told to reload.
  if (client.id === 'openclaw-control-ui' && client.buildId !== GATEWAY_BUILD_ID) return controlUiReload(id)
  return undefined
}

/** The accepted connection's identity and granted scopes. */
function accept(id: string, params: ConnectParams, socket: HandshakeSocket): HandshakeAcceptance {
  const { client } = params
  const deviceVerified = Boolean(params.device)
  const scopes = grantScopes({
    clientId: client.id,
    clientMode: client.mode,
    requested: params.scopes ?? [],
    deviceVerified,
    loopbackPeer: isLoopbackAddress(socket.remoteAddress),
  })
  const identity: ConnectionIdentity = {
    clientId: client.id,
    clientMode: client.mode,
    clientVersion: client.version,
    platform: client.platform,
    role: params.role ?? 'operator',
    scopes,
    ...(deviceVerified && params.device ? { deviceId: params.device.id } : {}),
    caps: (params.caps ?? []).filter((c): c is string => typeof c === 'string'),
  }
  const trustedBackend = client.id === 'gateway-client' && client.mode === 'backend'
  return { ok: true, requestId: id, identity, issueDeviceToken: deviceVerified && !trustedBackend }
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
  // Recorded in transcripts/startup-early-connect.jsonl: retryable UNAVAILABLE, then close 1013.
  if (ctx.starting) return startingRefusal(id)
  const params = frame.params
  if (!validateConnectParams(params)) {
    return invalid(id, `invalid connect params: ${formatValidationErrors(validateConnectParams.errors)}`)
  }
  const refusal =
    checkClient(id, params, socket, ctx) ??
    checkCredentials(id, params, socket, ctx) ??
    checkDevice(id, params, socket, ctx)
  if (refusal) return refusal
  ctx.throttle.reset(socket.remoteAddress)
  return accept(id, params, socket)
}
