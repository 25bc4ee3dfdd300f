/**
 * An unmodified `@openclaw/gateway-client` GatewayClient chatting through the proxy with nothing
 * but the app's session cookie — no token. GatewayClient sends extra headers only over wss://
 * (`edgeAuthHeaders`), so the app is served over TLS with a self-signed certificate made by
 * openssl for this test, which the client pins with its own `tlsFingerprint` option.
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpsRequest, createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { GatewayClient } from '@openclaw/gateway-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { clawchatProxy, type ClawChatProxy } from '../src/index.js'
import { testAgent, waitFor } from './helpers/harness.js'

let dir = ''
let gateway: MockGateway | undefined
let proxy: ClawChatProxy | undefined
let server: Server | undefined
const clients: GatewayClient[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawchat-tls-'))
})

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stopAndWait({ timeoutMs: 1000 }).catch(() => undefined)
  await proxy?.close()
  if (server) await new Promise<void>((r) => server!.close(() => r()))
  server?.closeAllConnections()
  await gateway?.crash()
  rmSync(dir, { recursive: true, force: true })
  proxy = undefined
  server = undefined
  gateway = undefined
})

function selfSignedCertificate(): { key: string; cert: string; fingerprint: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert,
    fingerprint: new X509Certificate(cert).fingerprint256,
  }
}

/** POST /login over TLS (trusting only this test's certificate); resolves with the session cookie. */
function login(port: number, ca: string, user: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(user)
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/login',
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
        if (res.statusCode === 200 && cookie) resolve(cookie)
        else reject(new Error(`login failed: ${res.statusCode}`))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('an unmodified GatewayClient through the proxy', () => {
  it('chats with only the app session cookie, over wss://', async () => {
    const token = `tok-${Date.now()}-tls`
    gateway = await startMockGateway({
      token,
      port: 0,
      host: '127.0.0.1',
      agent: testAgent,
      chunkDelayMs: 5,
      phaseDelayMs: 1,
    })
    const tls = selfSignedCertificate()
    const sessionMiddleware = session({
      secret: 'tls-test',
      resave: false,
      saveUninitialized: false,
      store: new session.MemoryStore(),
    })
    const app = express()
    app.use(express.json())
    app.use(sessionMiddleware)
    app.post('/login', (req, res) => {
      ;(req.session as unknown as { user: unknown }).user = req.body
      res.json({ ok: true })
    })
    const logs: string[] = []
    const write = (fields: object, message?: string) => void logs.push(JSON.stringify({ message, ...fields }))
    proxy = clawchatProxy({
      gateway: { url: gateway.url, token, identityPath: join(dir, 'identity.json') },
      session: sessionMiddleware,
      logger: { debug: write, info: write, warn: write, error: write },
    })
    app.use(proxy)
    server = createServer({ key: tls.key, cert: tls.cert }, app)
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
    proxy.attach(server)
    const port = (server.address() as AddressInfo).port
    await waitFor(() => proxy!.stats().gateway === 'up', 15_000, 'the link')

    const cookie = await login(port, tls.cert, { id: 'dana', name: 'Dana' })
    const events: Array<{ event: string; payload: any; seq?: number }> = []
    let hello: any
    const client = new GatewayClient({
      url: `wss://127.0.0.1:${port}/clawchat`,
      edgeAuthHeaders: { Cookie: cookie },
      tlsFingerprint: tls.fingerprint,
      clientName: 'gateway-client',
      mode: 'backend',
      clientVersion: '1.0.0',
      onHelloOk: (h) => (hello = h),
      onEvent: (frame) => void events.push(frame as never),
    })
    clients.push(client)
    client.start()
    await waitFor(() => hello, 10_000, 'hello-ok')
    expect(hello.auth).toEqual({
      role: 'operator',
      scopes: ['operator.read', 'operator.write', 'operator.approvals', 'operator.questions'],
    })
    expect(hello.snapshot.sessionDefaults.mainSessionKey).toBe('main')

    const sent = await client.request<{ runId: string; status: string }>('chat.send', {
      sessionKey: 'main',
      message: 'Hello through the proxy',
      idempotencyKey: 'gc-1',
    })
    expect(sent).toEqual({ runId: 'gc-1', status: 'started' })
    await waitFor(
      () => events.find((e) => e.event === 'chat' && e.payload.state === 'final'),
      10_000,
      'the final chat event',
    )
    const final = events.find((e) => e.event === 'chat' && e.payload.state === 'final')!
    expect(final.payload).toMatchObject({ runId: 'gc-1', sessionKey: 'main' })
    expect(final.payload.message.content[0].text).toBe('ECHO<<Hello through the proxy>>')
    expect(events.find((e) => e.event === 'clawchat.session')?.payload.user).toEqual({
      id: 'dana',
      name: 'Dana',
      role: 'user',
    })

    const history = await client.request<{ messages: unknown[] }>('chat.history', { sessionKey: 'main' })
    expect(history.messages).toHaveLength(2)
    await expect(client.request('config.get', {})).rejects.toMatchObject({ gatewayCode: 'FORBIDDEN' })
    expect(JSON.stringify([events, hello, history, logs])).not.toContain(token)
  })

  it('is refused (HTTP 401 on the upgrade) without the session cookie', async () => {
    const token = `tok-${Date.now()}-tls2`
    gateway = await startMockGateway({ token, port: 0, host: '127.0.0.1' })
    const tls = selfSignedCertificate()
    const sessionMiddleware = session({ secret: 'tls-test', resave: false, saveUninitialized: false })
    const app = express()
    proxy = clawchatProxy({
      gateway: { url: gateway.url, token, identityPath: join(dir, 'identity.json') },
      session: sessionMiddleware,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    })
    app.use(proxy)
    server = createServer({ key: tls.key, cert: tls.cert }, app)
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
    proxy.attach(server)
    const port = (server.address() as AddressInfo).port
    const errors: Error[] = []
    const client = new GatewayClient({
      url: `wss://127.0.0.1:${port}/clawchat`,
      edgeAuthHeaders: { Cookie: 'connect.sid=s%3Anobody.x' },
      tlsFingerprint: tls.fingerprint,
      clientVersion: '1.0.0',
      onConnectError: (error) => void errors.push(error),
    })
    clients.push(client)
    client.start()
    await waitFor(() => errors.length > 0, 10_000, 'the refusal')
    expect(errors[0]?.message).toContain('HTTP 401')
  })
})
