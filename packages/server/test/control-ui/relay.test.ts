/**
 * Issue 21, the console's handshake and frame relay in isolation (no network): the upstream
 * `connect` is the proxy's (signed by its own device, verifiable), the page's credentials never get
 * in; the console device's token is taken out of the hello AND redacted from every later frame;
 * the gateway token is replaced in text and a binary frame carrying it is dropped; the request
 * budget refills with time (fake clock).
 */
import { createPublicKey, verify } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deviceAuthPayloadV3 } from '@clawchat/mock-gateway'
import { createRedactor } from '../../src/common/errors.js'
import { CONSOLE_SCOPES, stripDeviceToken, upstreamConnectParams } from '../../src/control-ui/console-handshake.js'
import { startRelay } from '../../src/control-ui/console-relay.js'
import { perMinuteMeter } from '../../src/control-ui/request-rate.js'
import { loadOrCreateDeviceIdentity } from '../../src/upstream/device-identity.js'

const token = 'tok-relay-unit-0123456789'

/** A stand-in for a `ws` socket: records what is sent, emits what a test feeds it. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  readonly sent: Array<string | Buffer> = []
  send(data: string | Buffer) {
    this.sent.push(data)
  }
}

function relay(perMinute = 100) {
  const page = new FakeSocket()
  const gatewaySocket = new FakeSocket()
  let forward: ((data: Buffer, isBinary: boolean) => void) | undefined
  const ended: Array<[number, string]> = []
  const audit: object[] = []
  startRelay(
    {
      page: page as never,
      upstream: { ws: gatewaySocket as never, answer: {}, relayTo: (fn) => void (forward = fn as never) },
      userId: 'root',
      connId: 'c1',
      rate: perMinuteMeter(perMinute),
      audit: { bodies: false, record: (e) => void audit.push(e) },
      redact: createRedactor([token]),
      secrets: [token],
      end: (code, why) => void ended.push([code, why]),
    },
    {
      hello: JSON.stringify({
        type: 'res',
        id: 'page-1',
        ok: true,
        payload: { auth: { deviceToken: 'device-secret-abcdef' } },
      }),
      heldFromPage: [],
    },
  )
  const fromGateway = (frame: unknown, isBinary = false) =>
    forward!(isBinary ? (frame as Buffer) : Buffer.from(JSON.stringify(frame)), isBinary)
  return { page, gatewaySocket, fromGateway, ended, audit }
}

describe('the upstream connect', () => {
  it("is the proxy's: fixed role and scopes, the token, its own device's valid signature; the page's auth never", () => {
    const tmp = mkdtempSync(join(tmpdir(), 'clawchat-console-id-'))
    try {
      const identity = loadOrCreateDeviceIdentity(join(tmp, 'console.json'))
      const page = {
        minProtocol: 4,
        maxProtocol: 5,
        client: {
          id: 'evil',
          mode: 'backend',
          version: '1',
          buildId: 'b1',
          platform: 'Linux',
          extra: 'x',
          timeZone: 'x'.repeat(201),
        },
        role: 'node',
        scopes: ['operator.read'],
        auth: { token: 'page-token' },
        device: { id: 'page-device' },
      }
      const params = upstreamConnectParams(page, { nonce: 'n-1', token, identity, now: 1_000 }) as Record<string, any>
      expect(params).toMatchObject({ minProtocol: 4, maxProtocol: 5, role: 'operator', auth: { token }, caps: [] })
      expect(params.client).toEqual({
        id: 'openclaw-control-ui',
        mode: 'webchat',
        version: '1',
        buildId: 'b1',
        platform: 'Linux',
      })
      expect(params.scopes).toEqual([...CONSOLE_SCOPES])
      expect(JSON.stringify(params)).not.toContain('page-')
      const signed = deviceAuthPayloadV3({
        deviceId: identity.deviceId,
        clientId: 'openclaw-control-ui',
        clientMode: 'webchat',
        role: 'operator',
        scopes: [...CONSOLE_SCOPES],
        signedAtMs: 1_000,
        token,
        nonce: 'n-1',
        platform: 'Linux',
        deviceFamily: undefined,
      })
      const key = createPublicKey(identity.publicKeyPem)
      expect(verify(null, Buffer.from(signed), key, Buffer.from(params.device.signature, 'base64url'))).toBe(true)
      expect(params.device).toMatchObject({ id: identity.deviceId, nonce: 'n-1', signedAt: 1_000 })
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('stripDeviceToken takes auth.deviceToken out of an answer and says what it was', () => {
    const frame = { type: 'res', payload: { auth: { role: 'operator', deviceToken: 'dt' } } }
    expect(stripDeviceToken(frame)).toBe('dt')
    expect(frame.payload.auth).toEqual({ role: 'operator' })
    expect(stripDeviceToken({ type: 'res', payload: {} })).toBeUndefined()
  })
})

describe('the relay', () => {
  it("hides the console device's token in the hello and in every later frame, and the gateway token", () => {
    const { page, fromGateway } = relay()
    expect(JSON.parse(page.sent[0] as string)).toEqual({ type: 'res', id: 'page-1', ok: true, payload: { auth: {} } })
    fromGateway({ type: 'event', event: 'x', payload: { echo: 'device-secret-abcdef', t: token } })
    fromGateway({ type: 'res', id: '2', ok: true, payload: { auth: { deviceToken: 'rotated-secret-123456' } } })
    fromGateway({ type: 'event', event: 'y', payload: { again: 'rotated-secret-123456' } })
    fromGateway(Buffer.from(`binary ${token}`), true)
    fromGateway(Buffer.from([1, 2, 3]), true)
    const text = page.sent.filter((s) => typeof s === 'string').join('\n')
    for (const secret of [token, 'device-secret-abcdef', 'rotated-secret-123456']) expect(text).not.toContain(secret)
    expect(text).toContain('[redacted]')
    expect(page.sent.filter((s) => Buffer.isBuffer(s))).toEqual([Buffer.from([1, 2, 3])])
  })

  it('passes JSON objects up, answers connect and over-budget requests itself, closes on binary or non-objects', () => {
    const r = relay(1)
    r.page.emit('message', Buffer.from(JSON.stringify({ type: 'req', id: 'a', method: 'sessions.list' })), false)
    r.page.emit('message', Buffer.from(JSON.stringify({ type: 'req', id: 'b', method: 'sessions.list' })), false)
    r.page.emit('message', Buffer.from(JSON.stringify({ type: 'req', id: 'c', method: 'connect' })), false)
    expect(r.gatewaySocket.sent.map((s) => JSON.parse(s as string).id)).toEqual(['a'])
    const answers = r.page.sent.slice(1).map((s) => JSON.parse(s as string))
    expect(answers).toMatchObject([
      { id: 'b', ok: false, error: { code: 'RATE_LIMITED', retryable: true, retryAfterMs: 60_000 } },
      { id: 'c', ok: false, error: { code: 'INVALID_REQUEST', message: 'already connected' } },
    ])
    expect(r.audit).toEqual([
      { event: 'control-ui.request', userId: 'root', connId: 'c1', method: 'sessions.list' },
      { event: 'control-ui.request', userId: 'root', connId: 'c1', method: 'sessions.list', outcome: 'rate-limited' },
    ])
    r.page.emit('message', Buffer.from([1]), true)
    r.page.emit('message', Buffer.from('[1,2]'), false)
    expect(r.ended).toEqual([
      [1003, 'the console accepts text frames only'],
      [1008, 'frames must be JSON objects'],
    ])
  })
})

describe('perMinuteMeter', () => {
  it('allows a minute of requests at once, then refills continuously', () => {
    let now = 0
    const rate = perMinuteMeter(60, () => now)
    for (let i = 0; i < 60; i += 1) expect(rate.take()).toBe(0)
    expect(rate.take()).toBe(1000)
    now += 1000
    expect(rate.take()).toBe(0)
    expect(rate.take()).toBe(1000)
  })
})
