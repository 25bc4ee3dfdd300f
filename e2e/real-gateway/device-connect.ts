// Raw `ws` connections to the real gateway as a device-signed `gateway-client`/`backend` (like
// ClawChat's link) or token-only, with chosen scopes and caps: for the probes and fidelity scripts
// that must see every frame (the official GatewayClient hides refusals and closes).
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client'
import { RawWs } from './raw-ws.js'

/** An Ed25519 device identity held in memory. */
export interface TestDevice {
  /** sha256 hex of the raw public key. */
  id: string
  /** base64url of the raw 32-byte public key. */
  publicKey: string
  privateKey: KeyObject
}

/**
 * A fresh device identity.
 *
 * @example
 * const dev = newTestDevice()
 */
export function newTestDevice(): TestDevice {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const raw = der.subarray(der.length - 32)
  return { id: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), privateKey }
}

export interface RawConnectOptions {
  url: string
  token: string
  scopes: string[]
  caps?: string[]
  /** Sign the connect with this device (default: token only). */
  device?: TestDevice
  /** `client.id` and `client.mode` (default `gateway-client` / `backend`, like ClawChat's link). */
  client?: { id: string; mode: string }
}

/** A connected raw client and its `hello-ok` (or the refusal). */
export interface RawConnection {
  ws: RawWs
  /** The `connect` answer frame. */
  hello: Record<string, any>
}

/**
 * Opens a socket, waits for the challenge and sends `connect` (device-signed when `device` is set).
 * Resolves with the answer whatever it is (check `hello.ok`).
 *
 * @example
 * const { ws, hello } = await rawConnect({ url, token, scopes: ['operator.read'], caps: ['tool-events'], device })
 */
export async function rawConnect(opts: RawConnectOptions): Promise<RawConnection> {
  const ws = await RawWs.open(opts.url)
  const challenge = await ws.waitFor((f) => f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const client = {
    id: opts.client?.id ?? 'gateway-client',
    version: '0.1.0',
    platform: 'linux',
    mode: opts.client?.mode ?? 'backend',
  }
  const params: Record<string, unknown> = {
    minProtocol: 4,
    maxProtocol: 4,
    client,
    role: 'operator',
    scopes: opts.scopes,
    caps: opts.caps ?? [],
    auth: { token: opts.token },
  }
  if (opts.device) {
    const nonce = String(challenge.payload.nonce)
    const signedAt = Number(challenge.payload.ts)
    const payload = buildDeviceAuthPayloadV3({
      deviceId: opts.device.id,
      clientId: client.id,
      clientMode: client.mode,
      role: 'operator',
      scopes: opts.scopes,
      signedAtMs: signedAt,
      token: opts.token,
      nonce,
      platform: client.platform,
    })
    const signature = sign(null, Buffer.from(payload, 'utf8'), opts.device.privateKey).toString('base64url')
    params.device = { id: opts.device.id, publicKey: opts.device.publicKey, signature, signedAt, nonce }
  }
  const hello = await ws.request('connect', params, { timeoutMs: 20_000 })
  return { ws, hello }
}

/**
 * Like `rawConnect`, but throws unless `hello-ok` came back.
 *
 * @example
 * const ws = await rawConnected({ url, token, scopes: ['operator.read'] })
 */
export async function rawConnected(opts: RawConnectOptions): Promise<RawWs> {
  const { ws, hello } = await rawConnect(opts)
  if (hello.ok !== true) {
    ws.terminate()
    throw new Error(`connect refused: ${JSON.stringify(hello.error)}`)
  }
  return ws
}
