/**
 * One app instance as a site that outgrew one process runs it: Express, express-session in
 * `connect-redis` (a node-redis client with `disableOfflineQueue`, so a Redis outage fails fast),
 * and `clawchatProxy` with `coordination: { redis }` — on the session store's own client, or on an
 * ioredis client. Several of these share one Redis, one session secret and one gateway; each has
 * its own upstream link. Everything listens on 127.0.0.1 with a free port; `close()` stops it all.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { WebSocket } from 'ws'
import { clawchatProxy, type ClawChatProxy, type ClawChatProxyOptions } from '../../src/index.js'
import type { CoordinationOptions } from '../../src/coordination/options.js'
import { TestClient } from './harness.js'

type SessionStoreClass = new (options: { client: unknown; prefix?: string; ttl?: number }) => session.Store

/** connect-redis's `RedisStore` (a devDependency, the version the demo runs). */
export async function loadConnectRedis(): Promise<SessionStoreClass> {
  const module = (await import('connect-redis')) as unknown as { RedisStore: SessionStoreClass }
  return module.RedisStore
}

/**
 * A node-redis client that fails fast while Redis is away (no offline queue) and reconnects every
 * 50–500 ms.
 */
function createNodeRedis(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
  })
}

/** The node-redis client as the tests use it. */
export type NodeRedisClient = ReturnType<typeof createNodeRedis>

/** A connected {@link createNodeRedis} client; its errors go to `onError` (a client without an error listener crashes its process). */
export async function nodeRedisClient(
  url: string,
  onError: (message: string) => void = () => {},
): Promise<NodeRedisClient> {
  const client = createNodeRedis(url)
  client.on('error', (error: Error) => onError(error.message))
  await client.connect()
  return client
}

/** An ioredis client with the same habits. */
export async function ioredisClient(url: string, onError: (message: string) => void = () => {}): Promise<Redis> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 500),
  })
  client.on('error', (error: Error) => onError(error.message))
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve())
    client.once('end', () => reject(new Error('ioredis could not connect')))
  })
  return client
}

/** Options of {@link startClusterApp}. */
export interface ClusterAppOptions {
  /** Instance name (also its `coordination.instanceId`). */
  name: string
  /** The Redis of the session store (and of coordination, unless `coordinationRedisUrl` is given). */
  redisUrl: string
  /** A separate Redis for coordination only. */
  coordinationRedisUrl?: string
  gateway: { port: number; token: string }
  /** Signs the session cookie: the same on every instance. */
  secret: string
  /** Which client `coordination.redis` gets: the session store's node-redis client (default) or an ioredis one. */
  coordinationClient?: 'node-redis' | 'ioredis'
  /** `coordination` extras (`heartbeatMs`, …); `false`: no coordination at all. */
  coordination?: Partial<CoordinationOptions> | false
  proxy?: Partial<ClawChatProxyOptions>
  /** Whether POST /logout also calls `proxy.disconnectSession` (default false: only the store knows). */
  logoutDisconnects?: boolean
}

/** A running instance. */
export interface ClusterApp {
  name: string
  proxy: ClawChatProxy
  server: Server
  port: number
  baseUrl: string
  wsUrl: string
  /** Every operational log line, as `level message {fields}`. */
  logs: string[]
  audit: Array<Record<string, unknown>>
  sessionClient: NodeRedisClient
  coordinationClient: NodeRedisClient | Redis
  close(): Promise<void>
}

function capturingLogger(into: string[]) {
  const write = (level: string) => (fields: object, message?: string) =>
    void into.push(`${level} ${message ?? ''} ${JSON.stringify(fields)}`)
  return { debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') }
}

/** Starts one instance. Always `close()` it. */
export async function startClusterApp(options: ClusterAppOptions): Promise<ClusterApp> {
  const RedisStore = await loadConnectRedis()
  const logs: string[] = []
  const audit: Array<Record<string, unknown>> = []
  const tmp = mkdtempSync(join(tmpdir(), `clawchat-cluster-${options.name}-`))
  const sessionClient = await nodeRedisClient(options.redisUrl, (m) => void logs.push(`redis-error ${m}`))
  const coordinationUrl = options.coordinationRedisUrl ?? options.redisUrl
  const onRedisError = (m: string) => void logs.push(`redis-error ${m}`)
  const coordinationClient =
    options.coordinationClient === 'ioredis'
      ? await ioredisClient(coordinationUrl, onRedisError)
      : coordinationUrl === options.redisUrl
        ? sessionClient
        : await nodeRedisClient(coordinationUrl, onRedisError)
  const store = new RedisStore({ client: sessionClient, prefix: 'sess:' })
  const sessionMiddleware = session({
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    store,
    name: 'app.sid',
  })
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(express.json())
  const proxy = clawchatProxy({
    gateway: {
      url: `ws://127.0.0.1:${options.gateway.port}`,
      token: options.gateway.token,
      identityPath: join(tmp, 'identity.json'),
    },
    session: sessionMiddleware,
    logger: capturingLogger(logs),
    audit: { write: (line: string) => void audit.push(JSON.parse(line) as Record<string, unknown>) },
    ...(options.coordination === false
      ? {}
      : { coordination: { redis: coordinationClient, instanceId: options.name, ...options.coordination } }),
    ...options.proxy,
    limits: { messagesPerSecond: 500, userMessagesPerSecond: 1000, ...options.proxy?.limits },
  })
  app.use(proxy)
  app.use(sessionMiddleware)
  app.post('/login', (req, res) => {
    req.session.regenerate((error) => {
      if (error) return void res.status(503).json({ error: 'the session store failed' })
      req.session.user = req.body
      req.session.save((saveError) =>
        saveError
          ? res.status(503).json({ error: 'the session store failed' })
          : res.json({ ok: true, instance: options.name }),
      )
    })
  })
  app.post('/logout', (req, res) => {
    const sid = req.sessionID
    req.session.destroy((error) => {
      if (error) return void res.status(503).json({ error: 'the session store failed' })
      if (options.logoutDisconnects === true) proxy.disconnectSession(sid)
      res.json({ ok: true, instance: options.name })
    })
  })
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  proxy.attach(server)
  const port = (server.address() as AddressInfo).port
  return {
    name: options.name,
    proxy,
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/clawchat`,
    logs,
    audit,
    sessionClient,
    coordinationClient,
    async close() {
      await proxy.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      for (const client of new Set<NodeRedisClient | Redis>([sessionClient, coordinationClient])) {
        if (client instanceof Redis) client.disconnect()
        else client.destroy()
      }
      rmSync(tmp, { recursive: true, force: true })
    },
  }
}

/** Logs a user in through POST /login at `baseUrl`; returns the session cookie. */
export async function login(
  baseUrl: string,
  user: { id: string; name?: string; role?: 'user' | 'admin' },
): Promise<string> {
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  })
  if (!res.ok) throw new Error(`login failed: ${res.status}`)
  const cookie = res.headers.get('set-cookie')
  if (!cookie) throw new Error('login set no cookie')
  return cookie.split(';')[0] as string
}

/** POST /logout with the cookie; answers the JSON body. */
export async function logout(baseUrl: string, cookie: string): Promise<{ ok: boolean; instance: string }> {
  const res = await fetch(`${baseUrl}/logout`, { method: 'POST', headers: { cookie } })
  if (!res.ok) throw new Error(`logout failed: ${res.status}`)
  return (await res.json()) as { ok: boolean; instance: string }
}

/** Opens a WebSocket with the cookie; resolves once open (rejects with the status of a refusal). */
export function openSocket(wsUrl: string, cookie: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const ws = new WebSocket(wsUrl, { headers: { cookie, ...headers } })
  const client = new TestClient(ws)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      reject(new Error(`upgrade refused: ${res.statusCode}`))
    })
    ws.once('error', reject)
  })
}

/** Tries an upgrade; answers 101, or the HTTP status of the refusal. */
export function upgradeStatus(wsUrl: string, cookie: string): Promise<number> {
  return openSocket(wsUrl, cookie).then(
    (client) => {
      client.ws.close()
      return 101
    },
    (error: Error) => {
      const status = /upgrade refused: (\d+)/.exec(error.message)
      if (status) return Number(status[1])
      throw error
    },
  )
}
