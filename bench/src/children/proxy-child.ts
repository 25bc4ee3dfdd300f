/**
 * Child process: ClawChat's relay (c) as an app would run it — Express, `express-session` with its
 * MemoryStore, `clawchatProxy` (built `@clawchat/server`) with its default method policy and the
 * audit trail ON (pino, to a file), and a `POST /login?user=<id>` route that creates real
 * express-session sessions (cookies) cheaply.
 */
import { pino } from 'pino'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { clawchatProxy } from '@clawchat/server'
import { serveCommands } from '../ipc/serve-commands.js'

/** What the driver passes to this child's `start`. */
export interface ProxyChildConfig {
  gatewayUrl: string
  token: string
  /** The audit trail's file (pino destination). */
  auditPath: string
  /** `limits` option of `clawchatProxy` (only what differs from the defaults). */
  limits?: Record<string, number>
}

/** The cookie name of the bench app's sessions. */
export const SESSION_COOKIE = 'bench.sid'

// The audit trail is written with pino, as an app using @clawchat/server would (same version).

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

let stopHook: () => Promise<void> = async () => undefined
let stats: () => Record<string, unknown> = () => ({})

async function start(config: ProxyChildConfig): Promise<{ url: string; http: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'clawchat-bench-proxy-'))
  const auditDestination = pino.destination({ dest: config.auditPath, sync: false, mkdir: true })
  const audit = pino({ level: 'info', base: null }, auditDestination)
  const logger = pino({ name: 'clawchat', level: 'warn' }, pino.destination({ dest: 2, sync: false }))

  const app = express()
  const sessionMiddleware = session({
    name: SESSION_COOKIE,
    secret: 'clawchat-bench-secret',
    resave: false,
    saveUninitialized: false,
  })
  const proxy = clawchatProxy({
    gateway: { url: config.gatewayUrl, token: config.token, identityPath: join(stateDir, 'identity.json') },
    session: sessionMiddleware,
    audit,
    logger,
    ...(config.limits ? { limits: config.limits } : {}),
  })
  app.use(proxy)
  app.use(sessionMiddleware)
  app.post('/login', (req, res) => {
    const id = String(req.query.user ?? '')
    if (!id) {
      res.status(400).json({ error: 'user required' })
      return
    }
    ;(req.session as unknown as { user: unknown }).user = { id, name: id, role: 'user' }
    res.json({ ok: true })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  proxy.attach(server)
  stats = () => ({ stats: proxy.stats() })
  stopHook = async () => {
    await proxy.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await Promise.race([
      new Promise<void>((resolve) => auditDestination.flush(() => resolve())),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ])
    rmSync(stateDir, { recursive: true, force: true })
  }
  await waitFor(() => proxy.stats().gateway === 'up', 15_000, 'the upstream link up')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `ws://127.0.0.1:${port}/clawchat`, http: `http://127.0.0.1:${port}` }
}

serveCommands({ start, stop: () => stopHook() }, () => stats())
