import { buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client'
import { describe, expect, it } from 'vitest'
import { deviceAuthPayloadV3, verifyDeviceSignature } from '../src/connection/device-signature.js'
import { checkBrowserOrigin, isLoopbackAddress } from '../src/connection/origin-check.js'
import { grantScopes } from '../src/connection/scopes.js'
import { makeDevice, signPayload } from './helpers/device.js'

/** Unit checks of the pure handshake pieces: the v3 payload, the signature check, Origin rules, scope grants. */
describe('device signature (v3)', () => {
  const base = {
    deviceId: 'd'.repeat(64),
    clientId: 'webchat-ui',
    clientMode: 'webchat',
    role: 'operator',
    scopes: ['operator.read', 'operator.write'],
    signedAtMs: 1795534120237,
    token: 'tok',
    nonce: 'n-1',
    platform: ' Linux ',
    deviceFamily: 'Desktop',
  }

  it('builds the same payload string as the official client', () => {
    expect(deviceAuthPayloadV3(base)).toBe(buildDeviceAuthPayloadV3(base))
    expect(deviceAuthPayloadV3({ ...base, token: undefined, deviceFamily: undefined })).toBe(
      buildDeviceAuthPayloadV3({ ...base, token: null, deviceFamily: undefined }),
    )
    expect(deviceAuthPayloadV3(base)).toBe(
      `v3|${'d'.repeat(64)}|webchat-ui|webchat|operator|operator.read,operator.write|1795534120237|tok|n-1|linux|desktop`,
    )
  })

  it('accepts a signature over that payload and rejects one over anything else', () => {
    const device = makeDevice()
    const ctx = {
      challengeNonce: 'n-1',
      clientId: 'cli',
      clientMode: 'cli',
      role: 'operator',
      scopes: ['operator.read'],
      token: 't',
      platform: 'linux',
      deviceFamily: undefined,
      now: 1000,
    }
    const payload = deviceAuthPayloadV3({ ...ctx, deviceId: device.deviceId, signedAtMs: 1000, nonce: 'n-1' })
    const dev = {
      id: device.deviceId,
      publicKey: device.publicKey,
      signature: signPayload(device.privateKeyPem, payload),
      signedAt: 1000,
      nonce: 'n-1',
    }
    expect(verifyDeviceSignature(dev, ctx)).toEqual({ ok: true })
    expect(verifyDeviceSignature(dev, { ...ctx, token: 'other' })).toMatchObject({
      ok: false,
      code: 'DEVICE_AUTH_SIGNATURE_INVALID',
    })
    expect(verifyDeviceSignature(dev, { ...ctx, now: 1000 + 11 * 60_000 })).toMatchObject({
      ok: false,
      code: 'DEVICE_AUTH_SIGNATURE_EXPIRED',
    })
  })
})

describe('browser Origin rule', () => {
  it('loopback Origin from a loopback peer passes without allowlist; others need allowedOrigins', () => {
    expect(checkBrowserOrigin('http://127.0.0.1:36006', '127.0.0.1', [])).toEqual({ ok: true })
    expect(checkBrowserOrigin('http://localhost:5173', '::ffff:127.0.0.1', [])).toEqual({ ok: true })
    expect(checkBrowserOrigin('http://127.0.0.1:36006', '10.0.0.5', [])).toEqual({
      ok: false,
      reason: 'origin not allowed',
    })
    expect(checkBrowserOrigin('https://app.example', '127.0.0.1', [])).toEqual({
      ok: false,
      reason: 'origin not allowed',
    })
    expect(checkBrowserOrigin('https://app.example', '10.0.0.5', ['https://APP.example/'])).toEqual({ ok: true })
    expect(checkBrowserOrigin(undefined, '127.0.0.1', [])).toEqual({ ok: false, reason: 'origin missing or invalid' })
    expect(checkBrowserOrigin('null', '127.0.0.1', ['null'])).toEqual({
      ok: false,
      reason: 'origin missing or invalid',
    })
  })

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.1'].map(isLoopbackAddress)).toEqual([false, false, false])
  })
})

describe('scope grants', () => {
  const requested = ['operator.read', 'operator.write']
  it.each([
    ['gateway-client', 'backend', false, true, requested],
    ['cli', 'cli', false, true, requested],
    ['gateway-client', 'backend', false, false, []],
    ['test', 'test', false, true, []],
    ['webchat', 'webchat', false, true, []],
    ['webchat', 'webchat', true, true, requested],
    ['test', 'test', true, false, requested],
  ])('%s/%s device=%s loopback=%s → %j', (clientId, clientMode, deviceVerified, loopbackPeer, expected) => {
    expect(grantScopes({ clientId, clientMode, requested, deviceVerified, loopbackPeer })).toEqual(expected)
  })
})
