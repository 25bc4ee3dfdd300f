import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  deviceIdFromPublicKey,
  loadOrCreateDeviceIdentity,
  publicKeyRawBase64UrlFromPem,
  signDevicePayload,
} from '../src/upstream/device-identity.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawchat-identity-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('device identity', () => {
  it('is created on first use, with its directory, mode 0600, and the same on the next start', () => {
    const path = join(dir, 'nested', 'deeper', 'identity.json')
    const first = loadOrCreateDeviceIdentity(path)
    expect(first.deviceId).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'nested', 'deeper')).isDirectory()).toBe(true)
    const second = loadOrCreateDeviceIdentity(path)
    expect(second).toEqual(first)
    expect(JSON.parse(readFileSync(path, 'utf8')).deviceId).toBe(first.deviceId)
  })

  it('derives the device id and public key as the gateway expects, and signs with Ed25519', () => {
    const identity = loadOrCreateDeviceIdentity(join(dir, 'id.json'))
    const raw = Buffer.from(publicKeyRawBase64UrlFromPem(identity.publicKeyPem), 'base64url')
    expect(raw).toHaveLength(32)
    expect(deviceIdFromPublicKey(identity.publicKeyPem)).toBe(identity.deviceId)
    const signature = signDevicePayload(identity.privateKeyPem, 'v3|payload')
    expect(
      verify(
        null,
        Buffer.from('v3|payload'),
        createPublicKey(identity.publicKeyPem),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true)
  })

  it('tightens a file with loose permissions and refuses a corrupt one', () => {
    const path = join(dir, 'id.json')
    loadOrCreateDeviceIdentity(path)
    chmodSync(path, 0o644)
    loadOrCreateDeviceIdentity(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    writeFileSync(path, '{nope')
    expect(() => loadOrCreateDeviceIdentity(path)).toThrow(/not valid JSON/)
  })
})
