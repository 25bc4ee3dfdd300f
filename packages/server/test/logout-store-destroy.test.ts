/**
 * Issue 16.9: a logout route that only calls `req.session.destroy()` closed the session's sockets
 * after up to `sessionCheckIntervalMs` (4 s). The proxy now watches `destroy` on each session store
 * it sees (wrapped once, calling the original), so such a logout — or `req.session.regenerate()` —
 * closes them with 4401 within a second, for any express-session store, without the app's help.
 * A store whose destroy happens in another process still has the periodic check.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions } from '../src/index.js'
import { loadConnectRedis, nodeRedisClient } from './helpers/cluster-app.js'
import { openTestClient, TestClient } from './helpers/harness.js'
import { startRedisServer, type RedisServer } from './helpers/redis-server.js'

/** A session store in files, one JSON file per session, with async I/O (as session-file-store keeps them). */
class JsonFileStore extends session.Store {
  constructor(readonly dir: string) {
    super()
    mkdirSync(dir, { recursive: true })
  }

  private file(sid: string): string {
    return join(this.dir, `${encodeURIComponent(sid)}.json`)
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    readFile(this.file(sid), 'utf8').then(
      (text) => callback(null, JSON.parse(text) as session.SessionData),
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? callback(null, null) : callback(error)),
    )
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    writeFile(this.file(sid), JSON.stringify(data)).then(() => callback?.(), callback)
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    unlink(this.file(sid)).then(
      () => callback?.(),
      (error: NodeJS.ErrnoException) => callback?.(error.code === 'ENOENT' ? undefined : error),
    )
  }
}

interface StoreApp {
  baseUrl: string
  proxy: ClawChatProxy
  store: session.Store
  login(id: string): Promise<string>
  open(cookie: string): Promise<TestClient>
  post(path: string, cookie: string): Promise<Response>
  close(): Promise<void>
}

const apps: StoreApp[] = []
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * An Express app on `store` whose logout routes know nothing about the proxy: `/logout` calls
 * `req.session.destroy()` without a callback, `/logout-cb` with one, `/regenerate` regenerates.
 * The gateway is unreachable (irrelevant here: sockets open regardless).
 */
async function startStoreApp(
  store: session.Store,
  proxyOptions: Partial<ClawChatProxyOptions> = {},
): Promise<StoreApp> {
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-logout-'))
  const sessionMiddleware = session({
    secret: 'logout-test-secret',
    resave: false,
    saveUninitialized: false,
    store,
    name: 'app.sid',
  })
  const proxy = clawchatProxy({
    gateway: { url: 'ws://127.0.0.1:9', token: 'tok-logout-test', identityPath: join(tmp, 'identity.json') },
    session: sessionMiddleware,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...proxyOptions,
  })
  const app = express()
  app.use(express.json())
  app.use(proxy)
  app.use(sessionMiddleware)
  app.post('/login', (req, res) => {
    ;(req.session as unknown as { user: unknown }).user = { id: req.body.id }
    req.session.save(() => res.json({ ok: true }))
  })
  app.post('/logout', (req, res) => {
    req.session.destroy(() => undefined) // typed as required; see /logout-bare for none at all
    res.json({ ok: true })
  })
  app.post('/logout-bare', (req, res) => {
    ;(req.session as unknown as { destroy(): void }).destroy()
    res.json({ ok: true })
  })
  app.post('/logout-cb', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  app.post('/regenerate', (req, res) => req.session.regenerate(() => res.json({ ok: true })))
  const server: Server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clients: TestClient[] = []
  const started: StoreApp = {
    baseUrl,
    proxy,
    store,
    async login(id) {
      const res = await fetch(`${baseUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      })
      const cookie = res.headers.get('set-cookie')
      if (!res.ok || !cookie) throw new Error(`login failed: ${res.status}`)
      return cookie.split(';')[0] as string
    },
    open(cookie) {
      return openTestClient(`${baseUrl.replace('http', 'ws')}/clawchat`, clients, { cookie })
    },
    post(path, cookie) {
      return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { cookie } })
    },
    async close() {
      for (const client of clients) client.ws.terminate()
      await proxy.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(tmp, { recursive: true, force: true })
    },
  }
  proxy.attach(server)
  apps.push(started)
  return started
}

/** Logs out through `route` and answers how long until the other socket of that session closed (4401). */
async function logoutLatency(app: StoreApp, route = '/logout'): Promise<number> {
  const cookie = await app.login('alice')
  const tab = await app.open(cookie) // another tab with the same session
  const other = await app.open(await app.login('bob'))
  await tab.waitForEvent('connect.challenge')
  const started = Date.now()
  const res = await app.post(route, cookie)
  expect(res.ok).toBe(true)
  const closed = await Promise.race([
    tab.closedPromise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed within 10 s')), 10_000)),
  ])
  const ms = Date.now() - started
  expect(closed.code).toBe(4401)
  expect(closed.reason).toMatch(/logged out/)
  expect(other.closed).toBeNull()
  return ms
}

function fileStore(): JsonFileStore {
  const dir = mkdtempSync(join(tmpdir(), 'clawchat-file-store-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return new JsonFileStore(dir)
}

describe('a logout route that only destroys the session', () => {
  const stores: Record<string, () => Promise<session.Store>> = {
    'express-session MemoryStore': async () => new session.MemoryStore(),
    'a file-based custom store': async () => fileStore(),
    'connect-redis (no coordination)': async () => {
      const redis: RedisServer = await startRedisServer()
      cleanups.push(() => redis.close())
      const client = await nodeRedisClient(redis.url)
      cleanups.push(async () => void (await client.quit().catch(() => undefined)))
      const RedisStore = await loadConnectRedis()
      return new RedisStore({ client })
    },
  }

  for (const [name, makeStore] of Object.entries(stores)) {
    it(
      `closes the session's sockets with 4401 within 1 s — ${name} (default sessionCheckIntervalMs 4000)`,
      { timeout: 60_000 },
      async () => {
        const app = await startStoreApp(await makeStore())
        const samples: number[] = []
        for (const route of ['/logout', '/logout-bare', '/logout-cb', '/regenerate'])
          samples.push(await logoutLatency(app, route))
        console.log(
          `[measure] ${name}: logout closed the other tab ${samples.join(', ')} ms after POST (destroy, destroy(), destroy(cb), regenerate)`,
        )
        for (const ms of samples) expect(ms).toBeLessThanOrEqual(1000)
      },
    )
  }

  it('leaves the store working as before: callbacks, errors, `this`, and one wrapper for several proxies', async () => {
    const store = fileStore()
    const first = await startStoreApp(store)
    const second = await startStoreApp(store, { path: '/chat2' })
    expect(store.destroy).toBe(JsonFileStore.prototype.destroy) // untouched until a socket opens with it
    // Both proxies close their own sockets of a destroyed session.
    const cookie = await first.login('alice')
    const onFirst = await first.open(cookie)
    const wrapped = store.destroy
    expect(wrapped).not.toBe(JsonFileStore.prototype.destroy)
    const ws = new WebSocket(`${second.baseUrl.replace('http', 'ws')}/chat2`, { headers: { cookie } })
    const onSecond = new TestClient(ws)
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
    expect(store.destroy).toBe(wrapped) // wrapped once for both proxies
    await (await first.post('/logout-cb', cookie)).json()
    expect((await onFirst.closedPromise).code).toBe(4401)
    expect((await onSecond.closedPromise).code).toBe(4401)

    // The original's callback, error and `this` come through; a failed destroy closes nothing.
    const sid = 'manual-session'
    writeFileSync(join(store.dir, `${sid}.json`), JSON.stringify({ cookie: {}, user: { id: 'x' } }))
    await new Promise<void>((resolve, reject) => store.destroy(sid, (error) => (error ? reject(error) : resolve())))
    expect(() => readFileSync(join(store.dir, `${sid}.json`))).toThrow(/ENOENT/)
    const thisSeen: unknown[] = []
    const broken = new (class extends session.MemoryStore {
      override destroy(this: unknown, _sid: string, callback?: (error?: unknown) => void): void {
        thisSeen.push(this)
        callback?.(new Error('disk on fire'))
      }
    })()
    const app = await startStoreApp(broken)
    const brokenCookie = await app.login('carol')
    const client = await app.open(brokenCookie)
    const error = await new Promise((resolve) => broken.destroy('whatever', resolve))
    expect(String(error)).toMatch(/disk on fire/)
    expect(thisSeen).toEqual([broken])
    const res = await app.post('/logout-cb', brokenCookie)
    expect(res.ok).toBe(true)
    await client.request('chat.history', {}) // a round trip: nothing closed it
    expect(client.closed).toBeNull()
    // After the proxies closed, the store's destroy still works.
    for (const done of [first, second]) {
      apps.splice(apps.indexOf(done), 1)
      await done.close()
    }
    writeFileSync(join(store.dir, 'after.json'), '{}')
    await new Promise<void>((resolve, reject) => store.destroy('after', (e) => (e ? reject(e) : resolve())))
    expect(() => unlinkSync(join(store.dir, 'after.json'))).toThrow(/ENOENT/)
  })

  it('a destroy in another process (another store object on the same files) still closes the socket, through the periodic check', async () => {
    const store = fileStore()
    const app = await startStoreApp(store, { sessionCheckIntervalMs: 300 })
    const elsewhere = new JsonFileStore(store.dir) // as another process would see the same store
    const cookie = await app.login('alice')
    const tab = await app.open(cookie)
    await tab.waitForEvent('connect.challenge')
    const sid = decodeURIComponent(cookie.slice('app.sid='.length)).slice(2).split('.')[0] as string
    const started = Date.now()
    await new Promise<void>((resolve, reject) => elsewhere.destroy(sid, (e) => (e ? reject(e) : resolve())))
    const closed = await tab.closedPromise
    console.log(
      `[measure] destroy in another process: closed ${Date.now() - started} ms later by the session check (sessionCheckIntervalMs 300)`,
    )
    expect(closed.code).toBe(4401)
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
