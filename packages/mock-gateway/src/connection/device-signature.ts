import { createHash, createPublicKey, verify } from 'node:crypto'

/** The `device` object of `connect` params. */
export interface ConnectDevice {
  id: string
  publicKey: string
  signature: string
  signedAt: number
  nonce: string
}

/** What the signature must cover besides the device itself. */
export interface DeviceSignatureContext {
  challengeNonce: string
  clientId: string
  clientMode: string
  role: string
  scopes: readonly string[]
  token: string | undefined
  platform: string | undefined
  deviceFamily: string | undefined
  now: number
}

/** The outcome of {@link verifyDeviceSignature}; `code` is one of the official connect detail codes. */
export type DeviceSignatureResult = { ok: true } | { ok: false; code: string; message: string }

/** How far `signedAt` may be from the gateway's clock. Not recorded; the real bound is not documented. */
export const DEVICE_SIGNATURE_MAX_SKEW_MS = 10 * 60 * 1000

/** Platform / device family as they enter the signed payload: trimmed, ASCII letters lower-cased. */
export function normalizeDeviceMetadata(value: string | undefined): string {
  if (typeof value !== 'string') return ''
  return value.trim().replace(/[A-Z]/g, (c) => c.toLowerCase())
}

/**
 * The v3 string a device signs (GATEWAY.md "Handshake"):
 * `v3|deviceId|clientId|clientMode|role|scopes joined by ,|signedAtMs|token|nonce|platform|deviceFamily`.
 *
 * @example
 * deviceAuthPayloadV3({ deviceId: 'ab…', clientId: 'webchat-ui', clientMode: 'webchat', role: 'operator',
 *   scopes: ['operator.read'], signedAtMs: 1795534120237, token: 't', nonce: 'n', platform: 'Linux',
 *   deviceFamily: undefined })
 * // 'v3|ab…|webchat-ui|webchat|operator|operator.read|1795534120237|t|n|linux|'
 */
export function deviceAuthPayloadV3(p: {
  deviceId: string
  clientId: string
  clientMode: string
  role: string
  scopes: readonly string[]
  signedAtMs: number
  token: string | undefined
  nonce: string
  platform: string | undefined
  deviceFamily: string | undefined
}): string {
  return [
    'v3',
    p.deviceId,
    p.clientId,
    p.clientMode,
    p.role,
    p.scopes.join(','),
    String(p.signedAtMs),
    p.token ?? '',
    p.nonce,
    normalizeDeviceMetadata(p.platform),
    normalizeDeviceMetadata(p.deviceFamily),
  ].join('|')
}

/**
 * `device.id` of a raw 32-byte Ed25519 public key: its sha256, hex.
 *
 * @example
 * const der = publicKey.export({ type: 'spki', format: 'der' })
 * deviceIdForPublicKey(der.subarray(der.length - 32)) // 64 hex characters
 */
export function deviceIdForPublicKey(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex')
}

/**
 * Verifies a `connect.device` block: raw Ed25519 key (base64url, 32 bytes), `id` = sha256 hex of it,
 * the nonce of this connection's challenge, a `signedAt` near now, and an Ed25519 signature over the
 * v3 payload. The error messages are the mock's own (the reference records no device failure); the
 * codes are the official `ConnectErrorDetailCodes`.
 */
export function verifyDeviceSignature(device: ConnectDevice, ctx: DeviceSignatureContext): DeviceSignatureResult {
  const raw = Buffer.from(device.publicKey, 'base64url')
  if (raw.length !== 32) {
    return { ok: false, code: 'DEVICE_AUTH_PUBLIC_KEY_INVALID', message: 'device public key invalid' }
  }
  if (deviceIdForPublicKey(raw) !== device.id) {
    return { ok: false, code: 'DEVICE_AUTH_DEVICE_ID_MISMATCH', message: 'device identity mismatch' }
  }
  if (device.nonce !== ctx.challengeNonce) {
    return { ok: false, code: 'DEVICE_AUTH_NONCE_MISMATCH', message: 'device nonce mismatch' }
  }
  if (Math.abs(ctx.now - device.signedAt) > DEVICE_SIGNATURE_MAX_SKEW_MS) {
    return { ok: false, code: 'DEVICE_AUTH_SIGNATURE_EXPIRED', message: 'device signature expired' }
  }
  const payload = deviceAuthPayloadV3({
    deviceId: device.id,
    clientId: ctx.clientId,
    clientMode: ctx.clientMode,
    role: ctx.role,
    scopes: ctx.scopes,
    signedAtMs: device.signedAt,
    token: ctx.token,
    nonce: device.nonce,
    platform: ctx.platform,
    deviceFamily: ctx.deviceFamily,
  })
  return ed25519Valid(raw, payload, device.signature)
    ? { ok: true }
    : { ok: false, code: 'DEVICE_AUTH_SIGNATURE_INVALID', message: 'device signature invalid' }
}

/** Whether `signature` (base64url) is a valid Ed25519 signature of `payload` by the raw public key. */
function ed25519Valid(rawPublicKey: Buffer, payload: string, signature: string): boolean {
  try {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: rawPublicKey.toString('base64url') }
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    return verify(null, Buffer.from(payload, 'utf8'), key, Buffer.from(signature, 'base64url'))
  } catch {
    return false
  }
}
