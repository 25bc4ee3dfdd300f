import { GatewayClient, GatewayClientRequestError } from '@openclaw/gateway-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { MockGateway } from '../src/index.js'
import { Harness, TOKEN, until } from './helpers/harness.js'
import { deviceHostDeps, makeDevice, type TestDevice } from './helpers/device.js'

/** The official `@openclaw/gateway-client` against the mock: what the proxy's GatewayLink will do. */
const h = new Harness()
afterEach(() => h.cleanup())

interface Recorder {
  client: GatewayClient
  hello: Promise<any>
  events: any[]
  closes: Array<{ code: number; reason: string }>
  connectErrors: Error[]
}

function officialClient(
  gw: MockGateway,
  opts: {
    token?: string
    clientName?: 'gateway-client' | 'test'
    mode?: 'backend' | 'test'
    scopes?: string[]
    device?: TestDevice
  } = {},
): Recorder {
  const events: any[] = []
  const closes: Array<{ code: number; reason: string }> = []
  const connectErrors: Error[] = []
  let resolveHello!: (hello: any) => void
  const hello = new Promise((resolve) => (resolveHello = resolve))
  const client = new GatewayClient({
    url: gw.url,
    token: opts.token ?? TOKEN,
    clientName: opts.clientName ?? 'gateway-client',
    mode: opts.mode ?? 'backend',
    clientVersion: '0.1.0',
    platform: 'linux',
    scopes: opts.scopes ?? ['operator.read', 'operator.write', 'operator.admin'],
    deviceIdentity: opts.device
      ? {
          deviceId: opts.device.deviceId,
          publicKeyPem: opts.device.publicKeyPem,
          privateKeyPem: opts.device.privateKeyPem,
        }
      : null,
    hostDeps: deviceHostDeps,
    requestTimeoutMs: 5000,
    onHelloOk: (h) => resolveHello(h),
    onEvent: (e) => events.push(e),
    onClose: (code, reason) => closes.push({ code, reason }),
    onConnectError: (err) => connectErrors.push(err),
  })
  h.onCleanup(() => client.stopAndWait({ timeoutMs: 2000 }).catch(() => {}))
  client.start()
  return { client, hello, events, closes, connectErrors }
}

describe('@openclaw/gateway-client GatewayClient', () => {
  it('connects with a token as gateway-client/backend, keeps the three scopes, sends chat.send and receives the deltas and the final', async () => {
    const gw = await h.gateway({ agent: () => ['Hello', ' from', ' the mock'] })
    const r = officialClient(gw)
    const hello = await r.hello
    expect(hello.auth.scopes).toEqual(['operator.read', 'operator.write', 'operator.admin'])
    expect(hello.server.connId).toBe(gw.connections()[0]!.id)
    const ack = await r.client.request('chat.send', { sessionKey: 'main', message: 'hi', idempotencyKey: 'gc-run-1' })
    expect(ack).toEqual({ runId: 'gc-run-1', status: 'started' })
    await until(() => r.events.some((e) => e.event === 'chat' && e.payload.state === 'final'), 5000, 'the final event')
    const chat = r.events.filter((e) => e.event === 'chat' && e.payload.runId === 'gc-run-1').map((e) => e.payload)
    expect(chat.filter((p) => p.state === 'delta').map((p) => p.deltaText)).toEqual(['Hello', ' from', ' the mock'])
    expect(chat.at(-1)).toMatchObject({
      state: 'final',
      stopReason: 'stop',
      message: { content: [{ text: 'Hello from the mock' }] },
    })
    const history = await r.client.request<{ messages: unknown[] }>('chat.history', { sessionKey: 'main' })
    expect(history.messages).toHaveLength(2)
  })

  it('surfaces gateway errors as GatewayClientRequestError with the gateway code and details', async () => {
    const gw = await h.gateway()
    const r = officialClient(gw, { scopes: ['operator.read', 'operator.write'] })
    await r.hello
    const err = await r.client.request('sessions.reset', { key: 'main' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GatewayClientRequestError)
    expect(err).toMatchObject({
      gatewayCode: 'FORBIDDEN',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.admin' },
    })
  })

  it('signs a device identity the mock accepts (test/test keeps its scopes)', async () => {
    const gw = await h.gateway()
    const device = makeDevice()
    const r = officialClient(gw, {
      clientName: 'test',
      mode: 'test',
      scopes: ['operator.read', 'operator.write'],
      device,
    })
    const hello = await r.hello
    expect(hello.auth.scopes).toEqual(['operator.read', 'operator.write'])
    expect(typeof hello.auth.deviceToken).toBe('string')
    expect(gw.connections()[0]).toMatchObject({ deviceId: device.deviceId })
  })

  it('reports a wrong token through onConnectError with AUTH_TOKEN_MISMATCH', async () => {
    const gw = await h.gateway()
    const r = officialClient(gw, { token: 'wrong-token' })
    await until(() => r.connectErrors.length > 0 && r.closes.length > 0, 5000, 'a connect error and the close')
    expect(r.connectErrors[0]).toMatchObject({ details: { code: 'AUTH_TOKEN_MISMATCH' } })
    expect(r.closes[0]).toMatchObject({ code: 1008 })
  })

  it('sees a crash as close 1006, and a restart as close 1012', async () => {
    const gw = await h.gateway()
    const r = officialClient(gw)
    await r.hello
    await gw.crash()
    await until(() => r.closes.length > 0, 5000, 'the close')
    expect(r.closes[0]!.code).toBe(1006)
    await gw.restart()
    const again = officialClient(gw)
    await again.hello
    await gw.restart()
    await until(() => again.closes.length > 0, 5000, 'the close')
    expect(again.closes[0]!.code).toBe(1012)
    expect(again.events.some((e) => e.event === 'shutdown')).toBe(true)
  })
})
