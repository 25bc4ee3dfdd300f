// An app as a ClawChat user writes it, in front of a gateway (the real one here): Express,
// express-session, POST /login (sets req.session.user) and POST /logout, `clawchatProxy` mounted and attached.
// Everything on 127.0.0.1 with a free port; the proxy's logs and audit are captured (for the
// token checks), its device identity goes to a temp folder.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions } from '@clawchat/server'

declare module 'express-session' {
  interface SessionData {
    user?: { id: string; name?: string; role?: 'user' | 'admin' }
  }
}

/** A user of the app, as POST /login takes it. */
export interface AppUser {
  id: string
  name?: string
  role?: 'user' | 'admin'
}

export interface ProxyAppOptions {
  /** The gateway: `ws://127.0.0.1:<port>`. */
  gatewayUrl: string
  /** The gateway token (stays in this process). */
  token: string
  /** Extra proxy options (limits, allowedOrigins, …). */
  proxy?: Partial<ClawChatProxyOptions>
  /** Adds routes before the proxy (e.g. a page for the browser); called once. */
  routes?: (app: express.Express) => void
}

/** A running app + proxy. */
export interface ProxyApp {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string
  /** `ws://127.0.0.1:<port>/clawchat` */
  wsUrl: string
  proxy: ClawChatProxy
  /** Every log line and audit entry of the proxy, as JSON text. */
  captured: { logs: string[]; audit: string[] }
  /** POST /login as `user`; resolves with the session cookie (`name=value`). */
  login(user: AppUser): Promise<string>
  /** Resolves once the proxy's upstream link is up (polls `proxy.stats()`). */
  waitForLinkUp(timeoutMs?: number): Promise<void>
  /** Closes the proxy, the HTTP server and the temp folder. Idempotent. */
  close(): Promise<void>
}

function capturingLogger(into: string[]) {
  const write = (level: string) => (fields: object, message?: string) =>
    void into.push(JSON.stringify({ level, message, ...fields }))
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/**
 * Starts the app on 127.0.0.1 (a free port) with the proxy in front of `gatewayUrl`.
 *
 * @example
 * const app = await startProxyApp({ gatewayUrl: gw.url, token: gw.token })
 * const cookie = await app.login({ id: 'alice' })
 * // … new ClawChat({ url: app.wsUrl, WebSocket: cookieWebSocket(cookie) })
 * await app.close()
 */
export async function startProxyApp(opts: ProxyAppOptions): Promise<ProxyApp> {
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-proxy-app-'))
  const captured = { logs: [] as string[], audit: [] as string[] }
  const sessionMiddleware = session({
    secret: `s-${randomUUID()}`,
    resave: false,
    saveUninitialized: false,
    name: 'app.sid',
  })
  const app = express()
  app.use(express.json())
  opts.routes?.(app)
  const proxy = clawchatProxy({
    gateway: { url: opts.gatewayUrl, token: opts.token, identityPath: join(tmp, 'identity', 'identity.json') },
    session: sessionMiddleware,
    logger: capturingLogger(captured.logs),
    audit: capturingLogger(captured.audit),
    ...opts.proxy,
  })
  app.use(proxy)
  app.use(sessionMiddleware)
  app.post('/login', (req, res) => {
    const user = req.body as AppUser
    if (typeof user?.id !== 'string' || user.id === '') {
      res.status(400).json({ error: 'id required' })
      return
    }
    req.session.user = {
      id: user.id,
      ...(user.name ? { name: user.name } : {}),
      ...(user.role ? { role: user.role } : {}),
    }
    res.json({ ok: true })
  })
  app.post('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  const server: Server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  proxy.attach(server)
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined

  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/clawchat`,
    proxy,
    captured,
    async login(user) {
      const res = await fetch(`${baseUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      })
      if (!res.ok) throw new Error(`login failed: HTTP ${res.status}`)
      const cookie = res.headers.get('set-cookie')
      if (!cookie) throw new Error('login set no cookie')
      return cookie.split(';')[0] as string
    },
    async waitForLinkUp(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      while (proxy.stats().gateway !== 'up') {
        if (Date.now() > deadline)
          throw new Error(`the proxy's gateway link is not up after ${timeoutMs} ms (state ${proxy.stats().gateway})`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    close() {
      closing ??= (async () => {
        await proxy.close()
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
        rmSync(tmp, { recursive: true, force: true })
      })()
      return closing
    },
  }
}
