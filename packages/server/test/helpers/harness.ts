/**
 * An app as a ClawChat user would write it: Express, express-session with a real store, a POST
 * /login route that sets `req.session.user`, the proxy mounted and attached — in front of the mock
 * gateway. Browser-like ws clients carry the real session cookie. Everything listens on 127.0.0.1
 * port 0 and is closed by `close()`; the identity file goes to a temp dir.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { WebSocket } from 'ws'
import { startMockGateway, type MockAgent, type MockGateway, type MockGatewayOptions } from '@clawchat/mock-gateway'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions } from '../../src/index.js'

declare module 'express-session' {
  interface SessionData {
    user?: { id: string; name?: string; role?: 'user' | 'admin' }
  }
}

/**
 * Echoes `ECHO<<message>>` in one chunk; a message containing `[[SLOW]]` streams 30 chunks 100 ms
 * apart instead (a run slow enough to abort, or to overlap with others).
 */
export const testAgent: MockAgent = (message, { signal }) => {
  if (!message.includes('[[SLOW]]')) return [`ECHO<<${message}>>`]
  return (async function* () {
    for (let i = 1; i <= 30; i += 1) {
      if (signal.aborted) return
      await new Promise((r) => setTimeout(r, 100))
      yield `chunk${String(i).padStart(2, '0')} `
    }
  })()
}

/** Polls `check` until it is truthy or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Everything a test might want to scan for leaks. */
export interface Capture {
  /** Every operational log line (message + fields), as JSON text. */
  logs: string[]
  /** Every audit entry, as JSON text. */
  audit: string[]
}

function capturingLogger(into: string[]) {
  const write = (level: string) => (fields: object, message?: string) =>
    void into.push(JSON.stringify({ level, message, ...fields }))
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

type Frame = Record<string, any>

/** A browser-like ws client that records every frame it receives, raw. */
export class TestClient {
  readonly raw: string[] = []
  readonly frames: Frame[] = []
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = []
  private nextId = 0
  closed: { code: number; reason: string } | null = null
  readonly closedPromise: Promise<{ code: number; reason: string }>

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString()
      this.raw.push(text)
      const frame = JSON.parse(text) as Frame
      this.frames.push(frame)
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true
        w.resolve(frame)
        return false
      })
    })
    this.closedPromise = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() }
        resolve(this.closed)
      }),
    )
  }

  /** Resolves with the first frame (already received or coming) that matches. */
  waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000, what = 'a frame'): Promise<Frame> {
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`,
            ),
          ),
        timeoutMs,
      )
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) })
    })
  }

  /** Waits for an event; `after` skips frames already received. */
  waitForEvent(event: string, match: (payload: any) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    return this.waitFor((f) => f.type === 'event' && f.event === event && match(f.payload), timeoutMs, `event ${event}`)
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a request with a fresh id and resolves with its response frame. */
  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<Frame> {
    this.nextId += 1
    const id = `t${this.nextId}-${randomUUID().slice(0, 8)}`
    const frame: Frame = { type: 'req', id, method }
    if (params !== undefined) frame.params = params
    this.send(frame)
    return this.waitFor((f) => f.type === 'res' && f.id === id, timeoutMs, `the answer to ${method}`)
  }

  /** Sends `connect` as the SDK does and resolves with the hello-ok response. */
  connect(extra: Record<string, unknown> = {}): Promise<Frame> {
    return this.request('connect', {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', version: '0.1.0', platform: 'web', mode: 'webchat' },
      ...extra,
    })
  }

  /** The events received so far, by name. */
  events(event: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && f.event === event)
  }

  close(): Promise<unknown> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve()
    this.ws.close()
    return Promise.race([this.closedPromise, new Promise((r) => setTimeout(r, 2000))])
  }
}

/**
 * Opens a browser-like socket to `wsUrl` with these headers (a session cookie), adds it to `clients`
 * (for cleanup) and resolves once it is open; rejects with the status of a refused upgrade.
 */
export function openTestClient(
  wsUrl: string,
  clients: TestClient[],
  headers: Record<string, string>,
): Promise<TestClient> {
  const ws = new WebSocket(wsUrl, { headers })
  const client = new TestClient(ws)
  clients.push(client)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  gateway?: Partial<MockGatewayOptions>
  proxy?: Partial<ClawChatProxyOptions>
  /** Leave the gateway stopped at first (the proxy starts against a closed port). */
  noGateway?: boolean
  /** Use this harness's gateway and token instead of starting one (a second app instance). */
  reuse?: Harness
  /** Express settings (`app.set(name, value)`), e.g. `trust proxy`. */
  appSettings?: Record<string, unknown>
  /** express-session cookie options (e.g. a short `maxAge`). */
  cookie?: session.CookieOptions
  /**
   * Whether POST /logout also calls `proxy.disconnectSession` (default true). With `false` the app
   * only destroys the session, and the proxy's own session check must notice.
   */
  logoutDisconnects?: boolean
}

/** A running app + proxy + mock gateway. */
export interface Harness {
  token: string
  gateway: MockGateway | null
  proxy: ClawChatProxy
  server: Server
  baseUrl: string
  wsUrl: string
  capture: Capture
  tmp: string
  clients: TestClient[]
  /** Logs a user in through POST /login and returns the session cookie. */
  login(user: { id: string; name?: string; role?: 'user' | 'admin' }): Promise<string>
  /** Opens a WebSocket with the cookie (and optional extra headers); resolves once open. */
  open(cookie: string | undefined, headers?: Record<string, string>): Promise<TestClient>
  /** Logs in, opens, waits for the challenge. */
  connectAs(user: { id: string; name?: string; role?: 'user' | 'admin' }, sendConnect?: boolean): Promise<TestClient>
  /** Tries an upgrade and resolves with the HTTP status of a refusal (or 101). */
  upgradeStatus(cookie: string | undefined, headers?: Record<string, string>, path?: string): Promise<number>
  waitForLinkUp(): Promise<void>
  /** Makes the session store fail on every read from now on. */
  breakStore(): void
  /** The session store (a MemoryStore), e.g. to count reads. */
  store: session.MemoryStore
  startGateway(): Promise<MockGateway>
  close(): Promise<void>
}

/** Starts the whole stack. Always `close()` it (afterEach). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const token = options.reuse?.token ?? `tok-${randomUUID()}`
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-server-test-'))
  const capture: Capture = { logs: [], audit: [] }
  const gatewayOptions: MockGatewayOptions = {
    token,
    port: 0,
    host: '127.0.0.1',
    agent: testAgent,
    chunkDelayMs: 5,
    phaseDelayMs: 1,
    ...options.gateway,
  }
  let gateway: MockGateway | null = null
  let gatewayPort = 0
  if (options.reuse?.gateway) {
    gatewayPort = options.reuse.gateway.port
  } else if (!options.noGateway) {
    gateway = await startMockGateway(gatewayOptions)
    gatewayPort = gateway.port
  } else {
    // A port that refuses connections until the test starts the gateway on it.
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
    gatewayPort = (probe.address() as AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
  }

  const store = new session.MemoryStore()
  let storeBroken = false
  const realGet = store.get.bind(store)
  store.get = (sid, callback) => (storeBroken ? callback(new Error('store is down')) : realGet(sid, callback))
  const sessionMiddleware = session({
    secret: `s-${randomUUID()}`,
    resave: false,
    saveUninitialized: false,
    store,
    name: 'app.sid',
    cookie: options.cookie,
  })
  const app = express()
  for (const [name, value] of Object.entries(options.appSettings ?? {})) app.set(name, value)
  app.use(express.json())
  const proxy = clawchatProxy({
    gateway: { url: `ws://127.0.0.1:${gatewayPort}`, token, identityPath: join(tmp, 'identity', 'identity.json') },
    session: sessionMiddleware,
    logger: capturingLogger(capture.logs),
    audit: capturingLogger(capture.audit),
    ...options.proxy,
    // Tests fire requests faster than people do; the rate-limit test sets its own.
    limits: { messagesPerSecond: 500, userMessagesPerSecond: 1000, ...options.proxy?.limits },
  })
  app.use(proxy)
  app.use(sessionMiddleware)
  app.post('/login', (req, res) => {
    req.session.user = req.body
    res.json({ ok: true })
  })
  app.post('/logout', (req, res) => {
    const sid = req.sessionID
    req.session.destroy(() => {
      if (options.logoutDisconnects !== false) proxy.disconnectSession(sid)
      res.json({ ok: true })
    })
  })
  // Logs the user out but keeps the session (an app that only forgets the user).
  app.post('/forget-user', (req, res) => {
    delete req.session.user
    req.session.save(() => res.json({ ok: true }))
  })
  const server = createServer(app)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  proxy.attach(server)
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://127.0.0.1:${port}`
  const wsUrl = `ws://127.0.0.1:${port}/clawchat`
  const clients: TestClient[] = []

  const harness: Harness = {
    token,
    gateway,
    proxy,
    server,
    baseUrl,
    wsUrl,
    capture,
    tmp,
    clients,
    store,
    async login(user) {
      const res = await fetch(`${baseUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      })
      if (!res.ok) throw new Error(`login failed: ${res.status}`)
      const cookie = res.headers.get('set-cookie')
      if (!cookie) throw new Error('login set no cookie')
      return cookie.split(';')[0] as string
    },
    open(cookie, headers = {}) {
      return openTestClient(wsUrl, clients, { ...(cookie ? { Cookie: cookie } : {}), ...headers })
    },
    async connectAs(user, sendConnect = true) {
      const client = await harness.open(await harness.login(user))
      await client.waitForEvent('connect.challenge')
      if (sendConnect) {
        const hello = await client.connect()
        if (!hello.ok) throw new Error(`connect failed: ${JSON.stringify(hello)}`)
      }
      return client
    },
    upgradeStatus(cookie, headers = {}, path = '/clawchat') {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
          headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers },
        })
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0)
          res.resume()
          ws.terminate()
        })
        ws.once('open', () => {
          resolve(101)
          ws.close()
        })
        ws.once('error', (error) => {
          // A socket destroyed without an answer.
          if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || /socket hang up/.test(error.message)) resolve(0)
          else reject(error)
        })
      })
    },
    breakStore() {
      storeBroken = true
    },
    async waitForLinkUp() {
      await waitFor(() => proxy.stats().gateway === 'up', 15_000, 'the gateway link to come up')
    },
    async startGateway() {
      gateway = await startMockGateway({ ...gatewayOptions, port: gatewayPort })
      harness.gateway = gateway
      return gateway
    },
    async close() {
      for (const client of clients) client.ws.terminate()
      await proxy.close()
      await new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections?.()
      if (harness.gateway) await harness.gateway.crash().catch(() => undefined)
      rmSync(tmp, { recursive: true, force: true })
    },
  }
  return harness
}
