/**
 * The key-value storage direct mode keeps its device identity in: `localStorage` in a browser, or
 * anything with the same two methods (sync or async) elsewhere.
 *
 * @example
 * const memory = new Map<string, string>()
 * const storage: KeyValueStorage = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => void memory.set(k, v) }
 */
export interface KeyValueStorage {
  getItem(key: string): string | null | Promise<string | null>
  setItem(key: string, value: string): void | Promise<void>
  removeItem?(key: string): void | Promise<void>
}

/**
 * A device identity as the gateway wants it (and `@openclaw/gateway-client/browser` takes it).
 *
 * @example
 * const { deviceId, publicKey } = await loadOrCreateDeviceIdentity(localStorage)
 */
export interface DeviceIdentity {
  /** sha256 of the raw 32-byte public key, hex. */
  deviceId: string
  /** The raw 32-byte Ed25519 public key, base64url. */
  publicKey: string
  /** Signs `payload` (UTF-8) with the private key; base64url signature. */
  sign(payload: string): Promise<string>
}

/**
 * The storage key of the identity.
 *
 * @example
 * localStorage.removeItem(IDENTITY_STORAGE_KEY) // forget this device: a new identity next time
 */
export const IDENTITY_STORAGE_KEY = 'clawchat.device-identity.v1'

interface Stored {
  v: 1
  publicKey: string
  privateKey: JsonWebKey
}

const ED25519 = { name: 'Ed25519' } as const

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

async function identityFrom(subtle: SubtleCrypto, publicKey: string, privateKey: CryptoKey): Promise<DeviceIdentity> {
  const digest = new Uint8Array(await subtle.digest('SHA-256', fromBase64url(publicKey)))
  return {
    deviceId: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
    publicKey,
    sign: async (payload) => base64url(await subtle.sign(ED25519, privateKey, new TextEncoder().encode(payload))),
  }
}

/**
 * Loads the page's Ed25519 device identity from `storage`, or makes one with WebCrypto and stores it.
 * The private key is kept as a JWK in the storage: whoever can read the storage can act as this
 * device — the same trust as the token direct mode already puts in the page.
 *
 * @example
 * const identity = await loadOrCreateDeviceIdentity(localStorage)
 * identity.deviceId // 'c0ffee…' (64 hex digits)
 */
export async function loadOrCreateDeviceIdentity(
  storage: KeyValueStorage,
  key = IDENTITY_STORAGE_KEY,
): Promise<DeviceIdentity> {
  const subtle = globalThis.crypto?.subtle
  if (!subtle) throw new Error('ClawChat direct mode needs WebCrypto (crypto.subtle): use https:// or localhost')
  const raw = await storage.getItem(key)
  if (raw) {
    try {
      const stored = JSON.parse(raw) as Stored
      if (stored.v === 1 && typeof stored.publicKey === 'string') {
        const privateKey = await subtle.importKey('jwk', stored.privateKey, ED25519, false, ['sign'])
        return await identityFrom(subtle, stored.publicKey, privateKey)
      }
    } catch {
      // unreadable: make a new identity below
    }
  }
  const pair = (await subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair
  const publicKey = base64url(await subtle.exportKey('raw', pair.publicKey))
  const stored: Stored = { v: 1, publicKey, privateKey: await subtle.exportKey('jwk', pair.privateKey) }
  await storage.setItem(key, JSON.stringify(stored))
  return identityFrom(subtle, publicKey, pair.privateKey)
}

/**
 * A storage in memory, for where there is no `localStorage` (the identity then lives as long as the process).
 *
 * @example
 * new ClawChat({ url, token, storage: memoryStorage() })
 */
export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>()
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  }
}
