import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import { buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client'

/** An Ed25519 device identity in the form `GatewayClient`'s `deviceIdentity` option takes. */
export interface TestDevice {
  deviceId: string
  publicKeyPem: string
  privateKeyPem: string
  /** Raw 32-byte public key, base64url (what `connect.device.publicKey` carries). */
  publicKey: string
}

/** Makes a fresh Ed25519 device identity (`deviceId` = sha256 hex of the raw public key). */
export function makeDevice(): TestDevice {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const raw = der.subarray(der.length - 32)
  return {
    deviceId: createHash('sha256').update(raw).digest('hex'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: raw.toString('base64url'),
  }
}

/** Signs a payload like `GatewayClient`'s host dependency does: Ed25519, base64url. */
export function signPayload(privateKeyPem: string, payload: string): string {
  return sign(null, Buffer.from(payload, 'utf8'), privateKeyPem).toString('base64url')
}

/** `GatewayClient` host dependencies for a device identity. */
export const deviceHostDeps = {
  signDevicePayload: signPayload,
  publicKeyRawBase64UrlFromPem: (pem: string) => {
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' })
    return der.subarray(der.length - 32).toString('base64url')
  },
}

/**
 * The `device` block of `connect`, signed over the v3 payload built by the official
 * `@openclaw/gateway-client` (so the mock's verifier is checked against the real recipe).
 */
export function signedDevice(
  device: TestDevice,
  p: {
    nonce: string
    signedAt: number
    clientId: string
    mode: string
    scopes: string[]
    token?: string
    platform?: string
    deviceFamily?: string
  },
): Record<string, unknown> {
  const payload = buildDeviceAuthPayloadV3({
    deviceId: device.deviceId,
    clientId: p.clientId,
    clientMode: p.mode,
    role: 'operator',
    scopes: p.scopes,
    signedAtMs: p.signedAt,
    token: p.token ?? null,
    nonce: p.nonce,
    platform: p.platform ?? 'linux',
    deviceFamily: p.deviceFamily,
  })
  return {
    id: device.deviceId,
    publicKey: device.publicKey,
    signature: signPayload(device.privateKeyPem, payload),
    signedAt: p.signedAt,
    nonce: p.nonce,
  }
}
