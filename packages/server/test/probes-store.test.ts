/**
 * Issue 22.1: the readiness probe's session store check in an app that runs express-session before
 * the proxy (the store is learned from the requests passing the middleware): a store that never
 * answers makes `readyz` 503 within the 2000 ms bound — probes arriving meanwhile share one read —
 * and a proxy with its own `authenticate` and no `session` reports the store `not used`.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { afterEach, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions } from '../src/index.js'
import { STORE_PROBE_TIMEOUT_MS } from '../src/health/store-probe.js'

/** A store that takes every read and never answers (a hung connection to the store's database). */
class HangingStore extends session.Store {
  reads = 0
  get(): void {
    this.reads += 1
  }
  set(_sid: string, _session: session.SessionData, callback?: (error?: unknown) => void): void {
    callback?.()
  }
  destroy(_sid: string, callback?: (error?: unknown) => void): void {
    callback?.()
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

interface App {
  gateway: MockGateway
  proxy: ClawChatProxy
  server: Server
  baseUrl: string
  tmp: string
}
let app: App | undefined
afterEach(async () => {
  if (!app) return
  await app.proxy.close()
  await new Promise<void>((r) => app!.server.close(() => r()))
  await app.gateway.crash()
  rmSync(app.tmp, { recursive: true, force: true })
  app = undefined
})

/** Express with express-session (on `store`) BEFORE the proxy, in front of the mock gateway. */
async function startApp(store: session.Store, proxyOptions: Partial<ClawChatProxyOptions>): Promise<App> {
  const token = `tok-${randomUUID()}`
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-probes-'))
  const gateway = await startMockGateway({ token, port: 0, host: '127.0.0.1' })
  const sessionMiddleware = session({ secret: `s-${randomUUID()}`, resave: false, saveUninitialized: false, store })
  const proxy = clawchatProxy({
    gateway: { url: gateway.url, token, identityPath: join(tmp, 'identity.json') },
    logger: quiet,
    ...proxyOptions,
  })
  const expressApp = express()
  expressApp.use(sessionMiddleware)
  expressApp.use(proxy)
  const server = createServer(expressApp)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  app = { gateway, proxy, server, baseUrl, tmp }
  // The link subscribes right after its hello: it is up by then.
  await gateway.waitForRequest('sessions.subscribe', 15_000)
  return app
}

async function readyz(baseUrl: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/clawchat/readyz`)
  return { status: res.status, body: await res.json() }
}

describe('the readiness probe and the session store', () => {
  it('a store that never answers: 503 within the 2000 ms bound, one read for probes that overlap', async () => {
    const store = new HangingStore()
    const { baseUrl } = await startApp(store, { session: (_req, _res, next) => next() })
    const started = Date.now()
    const answers = await Promise.all([readyz(baseUrl), readyz(baseUrl), readyz(baseUrl)])
    const tookMs = Date.now() - started
    console.log(`[measure] readyz answered 503 ${tookMs} ms after asking a hanging session store`)
    for (const answer of answers) {
      expect(answer.status).toBe(503)
      expect(answer.body).toEqual({
        status: 'not ready',
        reason: `the session store did not answer within ${STORE_PROBE_TIMEOUT_MS} ms`,
        checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unreachable' },
      })
    }
    expect(tookMs).toBeGreaterThanOrEqual(STORE_PROBE_TIMEOUT_MS - 50)
    expect(tookMs).toBeLessThan(STORE_PROBE_TIMEOUT_MS + 1500)
    // The three probes shared one read (the first probe's request taught the store, before any read).
    expect(store.reads).toBe(1)
    // healthz does not read the store: the process serves.
    const live = await fetch(`${baseUrl}/clawchat/healthz`)
    expect(live.status).toBe(200)
  })

  it('a store learned from the middleware answers: ready with sessionStore ok', async () => {
    const { baseUrl } = await startApp(new session.MemoryStore(), { session: (_req, _res, next) => next() })
    expect(await readyz(baseUrl)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { gateway: 'up', admission: 'accepting', sessionStore: 'ok' } },
    })
  })

  it('with authenticate and no session option, the store is not used (even one express-session set)', async () => {
    const { baseUrl } = await startApp(new HangingStore(), { authenticate: () => null })
    expect(await readyz(baseUrl)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { gateway: 'up', admission: 'accepting', sessionStore: 'not used' } },
    })
  })
})
