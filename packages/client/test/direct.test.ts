import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ClawChat,
  loadOrCreateDeviceIdentity,
  memoryStorage,
  IDENTITY_STORAGE_KEY,
  type KeyValueStorage,
} from '../src/direct.js'
import { createFakeServer, FAST, helloOk, type FakeServer, type Frame } from './helpers/fake-socket.js'
import { elapse, useFakeTime } from './helpers/chat.js'

const URL_ = 'ws://127.0.0.1:18789'
const open: ClawChat[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

function direct(server: FakeServer, extra: Partial<ConstructorParameters<typeof ClawChat>[0]> = {}) {
  const chat = new ClawChat({
    url: URL_,
    token: 'secret123',
    WebSocket: server.WebSocket,
    reconnect: FAST,
    storage: memoryStorage(),
    ...extra,
  })
  open.push(chat)
  return chat
}

function b64url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
}

async function sha256hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('')
}

async function verify(publicKey: string, signature: string, payload: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', b64url(publicKey), { name: 'Ed25519' }, false, ['verify'])
  return crypto.subtle.verify({ name: 'Ed25519' }, key, b64url(signature), new TextEncoder().encode(payload))
}

let warn: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => warn.mockRestore())

describe('device identity (WebCrypto Ed25519)', () => {
  it('makes an identity whose id is the sha256 of the raw public key, and signs with it', async () => {
    const storage = memoryStorage()
    const id = await loadOrCreateDeviceIdentity(storage)
    expect(id.deviceId).toMatch(/^[0-9a-f]{64}$/)
    expect(b64url(id.publicKey)).toHaveLength(32)
    expect(id.deviceId).toBe(await sha256hex(b64url(id.publicKey)))
    const sig = await id.sign('v3|payload')
    expect(await verify(id.publicKey, sig, 'v3|payload')).toBe(true)
    expect(await verify(id.publicKey, sig, 'v3|other')).toBe(false)
  })

  it('is kept by the storage: the same identity next time, a new one in a new storage', async () => {
    const storage = memoryStorage()
    const a = await loadOrCreateDeviceIdentity(storage)
    const b = await loadOrCreateDeviceIdentity(storage)
    expect(b.deviceId).toBe(a.deviceId)
    expect(await verify(a.publicKey, await b.sign('x'), 'x')).toBe(true)
    expect(JSON.parse((await storage.getItem(IDENTITY_STORAGE_KEY))!)).toMatchObject({ v: 1, publicKey: a.publicKey })
    const c = await loadOrCreateDeviceIdentity(memoryStorage())
    expect(c.deviceId).not.toBe(a.deviceId)
  })

  it('replaces an unreadable stored identity', async () => {
    const storage = memoryStorage()
    await storage.setItem(IDENTITY_STORAGE_KEY, '{broken')
    const id = await loadOrCreateDeviceIdentity(storage)
    expect(id.deviceId).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('direct mode ClawChat', () => {
  it('answers the challenge with token, scopes and a device signed over payload v3', async () => {
    const server = createFakeServer()
    server.sendSession = false
    const storage = memoryStorage()
    const chat = direct(server, { storage })
    await chat.ready
    const connect = server.last.requests('connect')[0]!
    const p = connect.params
    expect(p).toMatchObject({
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', mode: 'webchat', platform: 'web', version: '0.1.0' },
      role: 'operator',
      scopes: ['operator.read', 'operator.write'],
      caps: ['tool-events', 'approvals'],
      auth: { token: 'secret123' },
      device: { nonce: 'n-1' },
    })
    const identity = await loadOrCreateDeviceIdentity(storage)
    expect(p.device.id).toBe(identity.deviceId)
    expect(p.device.publicKey).toBe(identity.publicKey)
    const payload = [
      'v3',
      p.device.id,
      'webchat-ui',
      'webchat',
      'operator',
      'operator.read,operator.write',
      String(p.device.signedAt),
      'secret123',
      'n-1',
      'web',
      '',
    ].join('|')
    expect(await verify(p.device.publicKey, p.device.signature, payload)).toBe(true)
  })

  it('is ready at hello-ok (no clawchat.session): methods from features, no user; session keys go as given', async () => {
    const server = createFakeServer()
    server.sendSession = false
    const chat = direct(server)
    await chat.ready
    expect(chat.state).toBe('open')
    expect(chat.user).toBeUndefined()
    expect(chat.sessionKey).toBe('main')
    expect(chat.methods).toEqual(helloOk().features.methods)
    await chat.history({ sessionKey: 'Agent:Main:Work Stuff' })
    await chat.send('hi')
    expect(server.last.requests('chat.history')[0]!.params.sessionKey).toBe('Agent:Main:Work Stuff')
    expect(server.last.requests('chat.send')[0]!.params).toMatchObject({ sessionKey: 'main', message: 'hi' })
  })

  it('passes every event on, unfiltered', async () => {
    const server = createFakeServer()
    server.sendSession = false
    const chat = direct(server)
    await chat.ready
    const seen: unknown[] = []
    chat.on('presence', (p) => seen.push(p))
    chat.on('chat', (p) => seen.push(p))
    server.last.receive({ type: 'event', event: 'presence', payload: [{ host: 'x' }] })
    server.chat({ runId: 'someone-elses', sessionKey: 'agent:main:other', state: 'delta', deltaText: 'x' })
    expect(seen).toHaveLength(2)
  })

  it('keeps the device token the gateway issues in the storage', async () => {
    const server = createFakeServer()
    server.sendSession = false
    const orig = server.onFrame.bind(server)
    server.onFrame = (socket, frame) => {
      if (frame.method !== 'connect') return orig(socket, frame)
      const hello = helloOk()
      socket.receive({
        type: 'res',
        id: frame.id,
        ok: true,
        payload: { ...hello, auth: { ...hello.auth, deviceToken: 'dev-tok' } },
      } as Frame)
    }
    const storage = memoryStorage()
    const chat = direct(server, { storage })
    await chat.ready
    const identity = await loadOrCreateDeviceIdentity(storage)
    await vi.waitFor(async () => {
      const raw = await storage.getItem(`clawchat.device-token.v1:webchat-ui:${identity.deviceId}:operator`)
      expect(JSON.parse(raw!)).toEqual({ token: 'dev-tok', scopes: ['operator.read', 'operator.write'] })
    })
  })

  it('stops for good (auth-failed) when the gateway refuses the token', async () => {
    useFakeTime()
    const server = createFakeServer()
    const orig = server.onFrame.bind(server)
    server.onFrame = (socket, frame) => {
      if (frame.method !== 'connect') return orig(socket, frame)
      socket.receive({
        type: 'res',
        id: frame.id,
        ok: false,
        error: {
          code: 'INVALID_REQUEST',
          message: 'unauthorized: gateway token mismatch (provide gateway auth token)',
          details: { code: 'AUTH_TOKEN_MISMATCH' },
        },
      } as Frame)
      socket.serverClose(1008, 'unauthorized')
    }
    const chat = direct(server)
    const errors: Error[] = []
    chat.on('error', (e) => errors.push(e))
    await expect(chat.ready).rejects.toMatchObject({ reason: 'auth-failed' })
    expect(chat.closeReason).toBe('auth-failed')
    expect(errors[0]?.message).toMatch(/token mismatch/)
    await elapse(60_000)
    expect(server.sockets).toHaveLength(1)
  })

  it('warns once per page that the token is visible to the page', async () => {
    const { ClawChat: Fresh } = await import('../src/direct.js?fresh' as string)
    const server = createFakeServer()
    const a = new Fresh({ url: URL_, token: 't', WebSocket: server.WebSocket, storage: memoryStorage() })
    const b = new Fresh({ url: URL_, token: 't', WebSocket: server.WebSocket, storage: memoryStorage() })
    open.push(a, b)
    const calls = warn.mock.calls.filter((c: unknown[]) => String(c[0]).includes('direct mode'))
    expect(calls).toHaveLength(1)
    expect(String(calls[0]![0])).toMatch(/token is visible to this page/)
  })

  it('checks its own options, naming the bad one', () => {
    const ws = createFakeServer().WebSocket
    expect(() => new ClawChat({ url: URL_, WebSocket: ws } as never)).toThrow(
      'ClawChat: option "token" must be the gateway token (a non-empty string), got undefined',
    )
    expect(() => new ClawChat({ token: 't', WebSocket: ws } as never)).toThrow('ClawChat: option "url" must be')
    expect(() => new ClawChat({ url: URL_, token: 't', WebSocket: ws, scopes: 'operator.read' } as never)).toThrow(
      'option "scopes" must be an array of strings',
    )
    expect(() => new ClawChat({ url: URL_, token: 't', WebSocket: ws, storage: {} as KeyValueStorage })).toThrow(
      'option "storage" must be an object with getItem and setItem',
    )
    expect(() => new ClawChat({ url: URL_, token: 't', WebSocket: ws, requestTimeoutMs: -1 })).toThrow(
      'ClawChat: option "requestTimeoutMs" must be a positive number, got -1',
    )
  })
})
