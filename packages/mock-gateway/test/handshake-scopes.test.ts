import { afterEach, describe, expect, it } from 'vitest'
import { Harness, TOKEN } from './helpers/harness.js'
import { makeDevice, signedDevice, type TestDevice } from './helpers/device.js'
import { connectParams, type RawClient } from './helpers/raw-client.js'
import { loadJsonl, received, recordedClose } from './helpers/reference.js'
import { expectSameShape } from './helpers/shape.js'

/** Scopes and browser rules of GATEWAY.md "Handshake" and MORE-BEHAVIOURS Q3, against transcripts/matrix-*. */
const h = new Harness()
afterEach(() => h.cleanup())

const RW = ['operator.read', 'operator.write']

function recordedHello(file: string) {
  const frames = received(loadJsonl(`transcripts/${file}`))
  return frames.find((f) => f.type === 'res' && f.id === '1')
}

async function connectWithDevice(
  c: RawClient,
  device: TestDevice,
  p: {
    clientId: string
    mode: string
    scopes?: string[]
    token?: string | null
    tamper?: (d: Record<string, unknown>) => void
  },
) {
  const challenge = await c.challenge()
  const scopes = p.scopes ?? RW
  const token = p.token === null ? undefined : (p.token ?? TOKEN)
  const dev = signedDevice(device, {
    nonce: challenge.payload.nonce,
    signedAt: challenge.payload.ts,
    clientId: p.clientId,
    mode: p.mode,
    scopes,
    ...(token !== undefined ? { token } : {}),
  })
  p.tamper?.(dev)
  return c.request(
    'connect',
    connectParams({ token: token ?? null, clientId: p.clientId, mode: p.mode, scopes, device: dev }),
    '1',
  )
}

describe('token-only clients from loopback', () => {
  it.each([
    ['gateway-client', 'backend', RW, 'matrix-gateway-client-backend.jsonl'],
    ['cli', 'cli', RW, 'matrix-cli-cli.jsonl'],
    ['test', 'test', [], 'matrix-test-test.jsonl'],
    ['gateway-client', 'cli', [], 'matrix-gateway-client-cli.jsonl'],
  ])('%s/%s gets scopes %j (as recorded)', async (clientId, mode, expected, file) => {
    const ref = recordedHello(file)
    expect(ref.payload.auth.scopes).toEqual(expected)
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN, clientId, mode }))
    expect(res.ok).toBe(true)
    expect(res.payload.auth.scopes).toEqual(expected)
    expect(res.payload.auth.method).toBe('token')
    expect(res.payload.auth.deviceToken).toBeUndefined()
    expectSameShape(res.payload.auth, ref.payload.auth)
    expectSameShape(res.payload.snapshot, ref.payload.snapshot, { ignore: ['$.presence.[]', '$.health'] })
  })

  it('the requested admin scope is kept for gateway-client/backend', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN, scopes: [...RW, 'operator.admin'] }))
    expect(res.payload.auth.scopes).toEqual([...RW, 'operator.admin'])
  })
})

describe('browser clients (webchat, webchat-ui, openclaw-control-ui)', () => {
  it.each([
    ['webchat', 'webchat', 'matrix-webchat-webchat.jsonl'],
    ['openclaw-control-ui', 'webchat', 'matrix-openclaw-control-ui-webchat.jsonl'],
  ])('%s/%s without an Origin is refused CONTROL_UI_ORIGIN_NOT_ALLOWED, close 1008', async (clientId, mode, file) => {
    const lines = loadJsonl(`transcripts/${file}`)
    const ref = received(lines).find((f) => f.type === 'res')
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await c.connect(connectParams({ token: TOKEN, clientId, mode }), '1')
    expect(res).toEqual(ref)
    expect(await c.closed).toEqual(recordedClose(lines))
  })

  it('webchat with a device but no Origin is refused too', async () => {
    const lines = loadJsonl('transcripts/matrix-device-webchat-webchat.jsonl')
    const ref = received(lines).find((f) => f.type === 'res')
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'webchat', mode: 'webchat' })
    expect(res).toEqual(ref)
    expect(await c.closed).toEqual(recordedClose(lines))
  })

  it.each(['webchat', 'webchat-ui'])(
    '%s token-only with a loopback Origin: accepted with scopes [] (then FORBIDDEN)',
    async (clientId) => {
      const ref = recordedHello('matrix-origin-webchat-0.jsonl')
      const gw = await h.gateway()
      const c = await h.client(gw, { origin: 'http://127.0.0.1:36006' })
      const res = await c.connect(connectParams({ token: TOKEN, clientId, mode: 'webchat' }))
      expect(res.payload.auth.scopes).toEqual([])
      expectSameShape(res.payload.snapshot, ref.payload.snapshot, { ignore: ['$.health'] })
      expect(res.payload.snapshot.presence).toEqual([])
      const list = await c.request('sessions.list', {})
      expect(list.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.read' })
      const send = await c.request('chat.send', { sessionKey: 'main', message: 'hi', idempotencyKey: 'k1' })
      expect(send.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.write' })
    },
  )

  it('a localhost Origin counts as loopback too', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw, { origin: 'http://localhost:5173' })
    expect((await c.connect(connectParams({ token: TOKEN, clientId: 'webchat-ui', mode: 'webchat' }))).ok).toBe(true)
  })

  it('webchat-ui with a device and a loopback Origin keeps its scopes and gets a deviceToken', async () => {
    const ref = recordedHello('matrix-origin-webchat-ui-1.jsonl')
    const gw = await h.gateway()
    const c = await h.client(gw, { origin: 'http://127.0.0.1:36006' })
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'webchat-ui', mode: 'webchat' })
    expect(res.payload.auth.scopes).toEqual(RW)
    expect(typeof res.payload.auth.deviceToken).toBe('string')
    expectSameShape(res.payload.auth, ref.payload.auth)
    expect((await c.request('sessions.list', {})).ok).toBe(true)
  })

  it('a non-loopback Origin must be in allowedOrigins', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw, { origin: 'https://clawchat.example.com' })
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'webchat-ui', mode: 'webchat' })
    expect(res.error).toEqual({
      code: 'INVALID_REQUEST',
      message:
        'origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)',
      details: { code: 'CONTROL_UI_ORIGIN_NOT_ALLOWED', reason: 'origin not allowed' },
    })
    expect((await c.closed).code).toBe(1008)

    const allowing = await h.gateway({ allowedOrigins: ['https://clawchat.example.com'] })
    const d = await h.client(allowing, { origin: 'https://clawchat.example.com' })
    const ok = await connectWithDevice(d, makeDevice(), { clientId: 'webchat-ui', mode: 'webchat' })
    expect(ok.payload.auth.scopes).toEqual(RW)
    const tokenOnly = await h.client(allowing, { origin: 'https://clawchat.example.com' })
    expect(
      (await tokenOnly.connect(connectParams({ token: TOKEN, clientId: 'webchat', mode: 'webchat' }))).payload.auth
        .scopes,
    ).toEqual([])
  })

  it.each([
    ['openclaw-control-ui', 'webchat', 'http://127.0.0.1:36006', 'matrix-origin-openclaw-control-ui-0.jsonl'],
    ['openclaw-tui', 'ui', undefined, 'matrix-openclaw-tui-ui.jsonl'],
  ])('%s/%s token-only: "control ui requires device identity", close 1008', async (clientId, mode, origin, file) => {
    const lines = loadJsonl(`transcripts/${file}`)
    const ref = received(lines).find((f) => f.type === 'res')
    const gw = await h.gateway()
    const c = await h.client(gw, origin ? { origin } : {})
    const res = await c.connect(connectParams({ token: TOKEN, clientId, mode }), '1')
    expect(res).toEqual(ref)
    expect(await c.closed).toEqual(recordedClose(lines))
  })
})

describe('signed device identity', () => {
  it('test/test with a valid device keeps its scopes, gets a deviceToken and a presence event', async () => {
    const ref = recordedHello('matrix-device-test-test.jsonl')
    const refPresence = received(loadJsonl('transcripts/matrix-device-test-test.jsonl')).find(
      (f) => f.event === 'presence',
    )
    const gw = await h.gateway()
    const c = await h.client(gw)
    const device = makeDevice()
    const res = await connectWithDevice(c, device, { clientId: 'test', mode: 'test' })
    expect(res.payload.auth.scopes).toEqual(RW)
    expectSameShape(res.payload.auth, ref.payload.auth)
    const presence = await c.event('presence')
    expectSameShape(presence, refPresence)
    expect(presence.recipientProfileId).toBe('gateway-owner')
    expect(presence.payload.presence.some((p: any) => p.deviceId === device.deviceId)).toBe(true)
  })

  it('a device-signed gateway-client/backend gets no recipientProfileId (recorded 2026-12-04, tool runs)', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const device = makeDevice()
    await connectWithDevice(c, device, { clientId: 'gateway-client', mode: 'backend' })
    const presence = await c.event('presence')
    expect(presence.payload.presence.some((p: any) => p.deviceId === device.deviceId)).toBe(true)
    expect(presence).not.toHaveProperty('recipientProfileId')
  })

  it('openclaw-tui/ui with a device is accepted', async () => {
    const ref = recordedHello('matrix-device-openclaw-tui-ui.jsonl')
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'openclaw-tui', mode: 'ui' })
    expect(res.payload.auth.scopes).toEqual(ref.payload.auth.scopes)
  })

  it('a device without a token is enough from loopback (pairing approved silently)', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'cli', mode: 'cli', token: null })
    expect(res.ok).toBe(true)
    expect(res.payload.auth.scopes).toEqual(RW)
  })

  it.each([
    [
      'a bad signature',
      (d: Record<string, unknown>) => (d.signature = Buffer.alloc(64, 1).toString('base64url')),
      'DEVICE_AUTH_SIGNATURE_INVALID',
    ],
    [
      'a device id that is not the key hash',
      (d: Record<string, unknown>) => (d.id = 'a'.repeat(64)),
      'DEVICE_AUTH_DEVICE_ID_MISMATCH',
    ],
    ['another nonce', (d: Record<string, unknown>) => (d.nonce = 'not-the-challenge'), 'DEVICE_AUTH_NONCE_MISMATCH'],
    [
      'a public key of the wrong size',
      (d: Record<string, unknown>) => (d.publicKey = 'AAAA'),
      'DEVICE_AUTH_PUBLIC_KEY_INVALID',
    ],
  ])('is refused with %s (close 1008)', async (_what, tamper, code) => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const res = await connectWithDevice(c, makeDevice(), { clientId: 'test', mode: 'test', tamper })
    expect(res.ok).toBe(false)
    expect(res.error.code).toBe('INVALID_REQUEST')
    expect(res.error.details.code).toBe(code)
    expect((await c.closed).code).toBe(1008)
  })

  it('the signature covers the scopes: asking for other scopes than signed is refused', async () => {
    const gw = await h.gateway()
    const c = await h.client(gw)
    const device = makeDevice()
    const challenge = await c.challenge()
    const dev = signedDevice(device, {
      nonce: challenge.payload.nonce,
      signedAt: challenge.payload.ts,
      clientId: 'test',
      mode: 'test',
      scopes: ['operator.read'],
      token: TOKEN,
    })
    const res = await c.request(
      'connect',
      connectParams({ token: TOKEN, clientId: 'test', mode: 'test', scopes: [...RW, 'operator.admin'], device: dev }),
    )
    expect(res.error.details.code).toBe('DEVICE_AUTH_SIGNATURE_INVALID')
  })
})
