/**
 * The proxy's persistent Ed25519 device identity (option `gateway.identityPath`, default
 * `.clawchat/identity.json`): created on first start with mode 0600 in a directory created for
 * it, and the same key on every later start, so a gateway that paired this proxy once keeps
 * recognising it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** The default place of the identity file, relative to the working directory. */
export const DEFAULT_IDENTITY_PATH = '.clawchat/identity.json'

/** A device identity, in the shape `@openclaw/gateway-client` takes. */
export interface DeviceIdentity {
  /** sha256 hex of the raw 32-byte public key. */
  deviceId: string
  publicKeyPem: string
  privateKeyPem: string
}

interface IdentityFile extends DeviceIdentity {
  version: 1
  createdAtMs: number
}

/** The raw 32-byte Ed25519 public key inside a PEM (the last 32 bytes of its SPKI DER). */
function rawPublicKey(publicKeyPem: string): Buffer {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' })
  return der.subarray(der.length - 32)
}

/** base64url of the raw public key, as the gateway's `device.publicKey` wants it. */
export function publicKeyRawBase64UrlFromPem(publicKeyPem: string): string {
  return rawPublicKey(publicKeyPem).toString('base64url')
}

/** The device id of a public key: sha256 hex of its raw 32 bytes. */
export function deviceIdFromPublicKey(publicKeyPem: string): string {
  return createHash('sha256').update(rawPublicKey(publicKeyPem)).digest('hex')
}

/** An Ed25519 signature of `payload`, base64url. */
export function signDevicePayload(privateKeyPem: string, payload: string): string {
  return sign(null, Buffer.from(payload, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64url')
}

function generate(): IdentityFile {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return {
    version: 1,
    deviceId: deviceIdFromPublicKey(publicKeyPem),
    publicKeyPem,
    privateKeyPem,
    createdAtMs: Date.now(),
  }
}

function parse(text: string, path: string): DeviceIdentity {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new Error(
      `clawchat: the device identity file ${path} is not valid JSON; move it away to create a new identity` +
        ' (the gateway will then see a new device)',
    )
  }
  const record = data as Partial<IdentityFile> | null
  if (!record || typeof record.publicKeyPem !== 'string' || typeof record.privateKeyPem !== 'string') {
    throw new Error(
      `clawchat: the device identity file ${path} has no publicKeyPem/privateKeyPem;` +
        ' move it away to create a new identity',
    )
  }
  const deviceId = deviceIdFromPublicKey(record.publicKeyPem)
  // The key pair must belong together: sign and verify once.
  const probe = signDevicePayload(record.privateKeyPem, 'clawchat-identity-check')
  const derived = createPublicKey(createPrivateKey(record.privateKeyPem))
    .export({ type: 'spki', format: 'pem' })
    .toString()
  if (deviceIdFromPublicKey(derived) !== deviceId || probe.length === 0) {
    throw new Error(`clawchat: the device identity file ${path} holds a private key that does not match its public key`)
  }
  return { deviceId, publicKeyPem: record.publicKeyPem, privateKeyPem: record.privateKeyPem }
}

/**
 * Loads the identity at `path`, creating it (and its directory) on first use. The file is written
 * with mode 0600; an existing file with looser permissions is tightened.
 *
 * @example
 * const identity = loadOrCreateDeviceIdentity('.clawchat/identity.json')
 * identity.deviceId // 64 hex characters, the same on every start
 */
export function loadOrCreateDeviceIdentity(path: string = DEFAULT_IDENTITY_PATH): DeviceIdentity {
  const file = resolve(path)
  let text: string | undefined
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text !== undefined) {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    return parse(text, file)
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const identity = generate()
  try {
    // `wx`: never overwrite an identity another process created in the meantime.
    writeFileSync(file, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parse(readFileSync(file, 'utf8'), file)
    throw error
  }
  if (process.platform !== 'win32') chmodSync(file, 0o600)
  return { deviceId: identity.deviceId, publicKeyPem: identity.publicKeyPem, privateKeyPem: identity.privateKeyPem }
}

/**
 * Every form in which the private key could leak into a text — the PEM, its base64 body, the raw
 * 32-byte key in base64, base64url and hex — for the log and audit redactor.
 *
 * @example
 * redact.add(...privateKeySecrets(identity.privateKeyPem))
 */
export function privateKeySecrets(privateKeyPem: string): string[] {
  const body = privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const out = [privateKeyPem, privateKeyPem.trim(), body]
  try {
    const der = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' })
    const raw = der.subarray(der.length - 32)
    out.push(raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'))
  } catch {
    // Not a key we can parse: the PEM forms above are still redacted.
  }
  return out
}
