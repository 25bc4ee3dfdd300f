/**
 * The real stack for integration tests, as an app would run it: Express + express-session (a store
 * that outlives a proxy restart, like Redis would), a POST /login route that sets
 * `req.session.user`, `clawchatProxy` mounted and attached, the mock gateway behind it — and the SDK
 * in Node with an injected WebSocket class (`ws` plus the session Cookie header) and an injected
 * fetch (same cookie) for `GET /clawchat/session`. Everything listens on 127.0.0.1; the test that
 * starts a stack closes it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { WebSocket } from 'ws'
import { startMockGateway, chunkWords, type MockGateway, type MockGatewayOptions } from '@clawchat/mock-gateway'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions, type LimitsOption } from '@clawchat/server'
import { ClawChat, type ClawChatOptions, type ChatMessage } from '../../src/index.js'
import { textOfMessage } from '../../src/history-match.js'

declare module 'express-session' {
  interface SessionData {
    user?: { id: string; name?: string; role?: 'user' | 'admin' }
  }
}

export const TOKEN = 'integration-secret-token'
const SECRET = 'integration-session-secret'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** The deterministic reply of {@link replyAgent} to `message`. */
export function replyTo(message: string): string {
  return `Reply to <${message}>: ` + Array.from({ length: 20 }, (_, i) => `word${i + 1}`).join(' ') + '.'
}

/** Answers {@link replyTo} in chunks of two words (the mock paces them with `chunkDelayMs`). */
export const replyAgent = (message: string) => chunkWords(replyTo(message))

/** Small, fast backoff for tests. */
export const FAST_RECONNECT = {
  initialDelayMs: 50,
  maxDelayMs: 300,
  factor: 2,
  jitter: 0.2,
  longDelayMs: 500,
  connectTimeoutMs: 5000,
}

/** A `ws` WebSocket class that sends `headers` (the session cookie, an Origin) with the upgrade. */
export function wsWithHeaders(headers: Record<string, string>): ClawChatOptions['WebSocket'] {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers })
    }
  }
}

interface App {
  server: Server
  proxy: ClawChatProxy
  close(): Promise<void>
}

export interface Stack {
  gateway: MockGateway
  port: number
  /** `ws://127.0.0.1:<port>/clawchat` */
  wsUrl: string
  proxy(): ClawChatProxy
  /** Logs a user in (an ordinary user unless `role` says `admin`); answers the session cookie. */
  login(id: string, name?: string, role?: 'user' | 'admin'): Promise<string>
  /** Logs the session of `cookie` out (destroys it and closes its sockets). */
  logout(cookie: string): Promise<void>
  /** A ClawChat for the user of `cookie`, closed by `close()`. */
  client(cookie: string, options?: Partial<ClawChatOptions>): ClawChat
  /** Stops the proxy (its sockets close 1012), waits `downMs`, starts it again on the same port. */
  restartProxy(downMs?: number): Promise<void>
  /** Stops the app and proxy only (`startProxy` brings them back). */
  stopProxy(): Promise<void>
  startProxy(): Promise<void>
  close(): Promise<void>
}

export async function startStack(
  opts: {
    gateway?: Partial<MockGatewayOptions>
    limits?: LimitsOption
    /** More options of the proxy (e.g. `approvals`, `policy`). */
    proxy?: Partial<ClawChatProxyOptions>
  } = {},
): Promise<Stack> {
  const gateway = await startMockGateway({
    token: TOKEN,
    agent: replyAgent,
    chunkDelayMs: 20,
    phaseDelayMs: 2,
    shutdownGraceMs: 5000,
    ...opts.gateway,
  })
  const dir = mkdtempSync(join(tmpdir(), 'clawchat-client-it-'))
  const store = new session.MemoryStore()
  const clients: ClawChat[] = []
  let app: App | undefined
  let port = 0

  async function startApp(): Promise<void> {
    const sessionMiddleware = session({ secret: SECRET, resave: false, saveUninitialized: false, store })
    const proxy = clawchatProxy({
      gateway: { url: gateway.url, token: TOKEN, identityPath: join(dir, 'identity.json') },
      session: sessionMiddleware,
      limits: { tickIntervalMs: 1000, ...opts.limits },
      logger: quiet,
      audit: false,
      ...opts.proxy,
    })
    const e = express()
    e.use(express.json())
    e.use(proxy)
    e.use(sessionMiddleware)
    e.post('/login', (req, res) => {
      req.session.user = {
        id: String(req.body.id),
        name: req.body.name,
        ...(req.body.role ? { role: req.body.role } : {}),
      }
      res.json({ ok: true })
    })
    e.post('/logout', (req, res) => {
      const sid = req.sessionID
      req.session.destroy(() => {
        proxy.disconnectSession(sid)
        res.json({ ok: true })
      })
    })
    const server = createServer(e)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    port = (server.address() as AddressInfo).port
    proxy.attach(server)
    app = {
      server,
      proxy,
      close: async () => {
        await proxy.close()
        server.closeAllConnections()
        await new Promise<void>((r) => server.close(() => r()))
      },
    }
  }

  await startApp()
  const http = () => `http://127.0.0.1:${port}`

  const stack: Stack = {
    gateway,
    get port() {
      return port
    },
    get wsUrl() {
      return `ws://127.0.0.1:${port}/clawchat`
    },
    proxy: () => app!.proxy,
    async login(id, name, role) {
      const res = await fetch(`${http()}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, name, role }),
      })
      const cookie = res.headers.get('set-cookie')?.split(';')[0]
      if (!res.ok || !cookie) throw new Error(`login failed: ${res.status}`)
      return cookie
    },
    async logout(cookie) {
      await fetch(`${http()}/logout`, { method: 'POST', headers: { cookie } })
    },
    client(cookie, options = {}) {
      const chat = new ClawChat({
        url: stack.wsUrl,
        WebSocket: wsWithHeaders({ Cookie: cookie }),
        fetch: (url, init) => fetch(url, { ...init, headers: { cookie } }),
        reconnect: FAST_RECONNECT,
        requestTimeoutMs: 5000,
        ...options,
      })
      clients.push(chat)
      return chat
    },
    async stopProxy() {
      const a = app
      app = undefined
      await a?.close()
    },
    startProxy: startApp,
    async restartProxy(downMs = 0) {
      await stack.stopProxy()
      if (downMs) await new Promise((r) => setTimeout(r, downMs))
      await startApp()
    },
    async close() {
      for (const c of clients) c.close()
      await app?.close()
      await gateway.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return stack
}

/** The texts of the user's and the assistant's messages of a session, in order. */
export async function transcript(
  chat: ClawChat,
  sessionKey = 'main',
): Promise<{ user: string[]; assistant: string[] }> {
  let messages: ChatMessage[] | undefined
  for (let attempt = 1; !messages; attempt++) {
    try {
      ;({ messages } = await chat.history({ sessionKey, limit: 200 }))
    } catch (err) {
      // A read lost with its socket (a test that closes sockets every second) is retried, as a page would.
      if (!(err as { retryable?: boolean }).retryable || attempt >= 5) throw err
    }
  }
  const of = (role: string) => messages.filter((m: ChatMessage) => m.role === role).map((m) => textOfMessage(m) ?? '')
  return { user: of('user'), assistant: of('assistant') }
}

/**
 * Polls `check` until it returns true (generous: the machine may be loaded). A check that asks the
 * server (returns a promise) is polled every 250 ms, well under the proxy's rate limit.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = check()
    if (await result) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, result instanceof Promise ? 250 : 25))
  }
}
