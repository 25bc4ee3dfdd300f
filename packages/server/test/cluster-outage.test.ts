/**
 * Issue 10: Redis goes away (the redis-server process this file started is stopped) and comes back
 * on the same port. Nothing crashes (vitest fails a file on any unhandled error), each instance
 * logs one warning and falls back to per-instance limits, `GET /clawchat/session` answers 503 —
 * not 401 — while the session store is down, every chat.send acknowledged meanwhile reaches the
 * gateway exactly once, and when Redis is back the instances write their counts back and the
 * cluster-wide limits and logouts hold again.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { testAgent, waitFor, type TestClient } from './helpers/harness.js'
import {
  login,
  logout,
  nodeRedisClient,
  openSocket,
  startClusterApp,
  upgradeStatus,
  type ClusterApp,
  type ClusterAppOptions,
} from './helpers/cluster-app.js'
import { startRedisServer, type RedisServer } from './helpers/redis-server.js'

const token = `tok-${randomUUID()}`
const secret = `secret-${randomUUID()}`
let gateway: MockGateway
const servers: RedisServer[] = []
const apps: ClusterApp[] = []
const sockets: TestClient[] = []

beforeAll(async () => {
  gateway = await startMockGateway({
    token,
    port: 0,
    host: '127.0.0.1',
    agent: testAgent,
    chunkDelayMs: 5,
    phaseDelayMs: 1,
  })
})

afterAll(async () => {
  await gateway?.close()
})

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate()
  await Promise.all(apps.splice(0).map((app) => app.close()))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function redisServer(): Promise<RedisServer> {
  const server = await startRedisServer()
  servers.push(server)
  return server
}

async function instance(name: string, options: Partial<ClusterAppOptions> & { redisUrl: string }): Promise<ClusterApp> {
  const app = await startClusterApp({ name, gateway: { port: gateway.port, token }, secret, ...options })
  apps.push(app)
  await waitFor(() => app.proxy.stats().gateway === 'up', 15_000, `${name}'s gateway link`)
  return app
}

async function open(wsUrl: string, cookie: string): Promise<TestClient> {
  const client = await openSocket(wsUrl, cookie)
  sockets.push(client)
  await client.waitForEvent('connect.challenge')
  expect((await client.connect()).ok).toBe(true)
  return client
}

const warned = (app: ClusterApp) => app.logs.some((l) => l.startsWith('warn') && l.includes('Redis is unreachable'))
const recovered = (app: ClusterApp) => app.logs.some((l) => l.startsWith('info') && l.includes('Redis is back'))

async function sessionStatus(app: ClusterApp, cookie: string): Promise<number> {
  const res = await fetch(`${app.baseUrl}/clawchat/session`, { headers: { cookie } })
  await res.arrayBuffer()
  return res.status
}

/** Sends `n` chat.sends with fresh idempotency keys; answers the keys of those acknowledged. */
async function sendChats(client: TestClient, prefix: string, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}-${i}-${randomUUID().slice(0, 8)}`)
  const answers = await Promise.all(
    keys.map((idempotencyKey) => client.request('chat.send', { message: `hello ${idempotencyKey}`, idempotencyKey })),
  )
  return keys.filter((_, i) => answers[i]!.ok === true)
}

/** How many chat.sends the gateway received carrying each browser idempotency key. */
function gatewayCounts(keys: readonly string[]): number[] {
  const sent = gateway.requests
    .filter((r) => r.method === 'chat.send')
    .map((r) => String((r.params as { idempotencyKey?: unknown }).idempotencyKey))
  return keys.map((key) => sent.filter((upstream) => upstream.endsWith(`:${key}`)).length)
}

describe('Redis goes away and comes back', () => {
  it('sessions and coordination on one Redis: 503 not 401, sockets and chats carry on, acknowledged sends reach the gateway once, logouts propagate again after', async () => {
    const redis = await redisServer()
    const options = { redisUrl: redis.url, proxy: { limits: { connectionsPerUser: 3 }, sessionCheckIntervalMs: 1000 } }
    const a = await instance('A', options)
    const b = await instance('B', options)
    const alice = await login(a.baseUrl, { id: 'alice' })
    const onA = await open(a.wsUrl, alice)
    const onB = await open(b.wsUrl, alice)
    await waitFor(() => b.logs.some((l) => l.includes('keyspace notifications are on')), 5000, 'keyspace notifications')

    // A Redis with persistence (or a replica taking over) keeps the sessions across the outage.
    const admin = await nodeRedisClient(redis.url)
    await admin.sendCommand(['SAVE'])
    admin.destroy()
    const logsAtStop = [a.logs.length, b.logs.length]
    await redis.stop()

    await waitFor(() => warned(a) && warned(b), 5000, 'both instances to warn')
    expect(await sessionStatus(a, alice)).toBe(503)
    expect(await sessionStatus(b, alice)).toBe(503)
    expect(await upgradeStatus(a.wsUrl, alice)).toBe(503)

    // The sockets stay open and chat on; the gateway gets every acknowledged send once.
    const acked = [...(await sendChats(onA, 'outage-a', 5)), ...(await sendChats(onB, 'outage-b', 5))]
    expect(acked).toHaveLength(10)
    await waitFor(() => gatewayCounts(acked).every((n) => n >= 1), 5000, 'the sends to reach the gateway')

    // Two session-check rounds fail meanwhile (each logs once): they close nothing.
    const failedRounds = (app: ClusterApp, from: number) =>
      app.logs.slice(from).filter((l) => l.includes('could not read the session store')).length
    await waitFor(
      () => failedRounds(a, logsAtStop[0]!) >= 2 && failedRounds(b, logsAtStop[1]!) >= 2,
      10_000,
      'two failed session-check rounds on each instance',
    )
    expect(onA.closed).toBeNull()
    expect(onB.closed).toBeNull()

    await redis.start()
    await waitFor(() => recovered(a) && recovered(b), 10_000, 'both instances to see Redis back')
    expect(warned(a) && a.logs.filter((l) => l.includes('Redis is unreachable')).length).toBe(1)
    expect(await sessionStatus(a, alice)).toBe(200)
    expect(gatewayCounts(acked)).toEqual(acked.map(() => 1))

    // The limits and the logout hold across instances again (keyspace notifications re-enabled).
    const third = await open(a.wsUrl, alice)
    expect(await upgradeStatus(b.wsUrl, alice)).toBe(429)
    await waitFor(
      () => b.logs.filter((l) => l.includes('keyspace notifications are on')).length >= 2,
      5000,
      'keyspace notifications again',
    )
    // Both instances' pub/sub connections are back too (each holds one pattern subscription).
    const probe = await nodeRedisClient(redis.url)
    const patternSubscribers = async () =>
      String(await probe.sendCommand(['CLIENT', 'LIST']))
        .split('\n')
        .filter((l) => / psub=1 /.test(l)).length
    await waitFor(async () => (await patternSubscribers()) >= 2 || undefined, 5000, 'the subscriptions to be back')
    probe.destroy()
    const started = Date.now()
    await logout(a.baseUrl, alice)
    expect((await onB.closedPromise).code).toBe(4401)
    const ms = Date.now() - started
    console.log(`[cluster-outage] after the outage, logout on A closed B's socket in ${ms} ms`)
    expect(ms).toBeLessThanOrEqual(1500)
    expect((await third.closedPromise).code).toBe(4401)
    expect((await onA.closedPromise).code).toBe(4401)
  })

  it('coordination on its own Redis: per-instance limits while it is away, counts written back and cluster-wide limits again when it returns', async () => {
    const sessions = await redisServer()
    const coordination = await redisServer()
    const options = {
      redisUrl: sessions.url,
      coordinationClient: 'ioredis' as const,
      proxy: { limits: { connectionsPerUser: 2, userMessagesPerSecond: 10, messagesPerSecond: 100 } },
      coordination: { heartbeatMs: 250 },
    }
    const a2 = await instance('A', { ...options, coordinationRedisUrl: coordination.url })
    const b2 = await instance('B', { ...options, coordinationRedisUrl: coordination.url })
    const alice = await login(a2.baseUrl, { id: 'alice' })
    const a1 = await open(a2.wsUrl, alice)
    const b1 = await open(b2.wsUrl, alice)
    expect(await upgradeStatus(a2.wsUrl, alice)).toBe(429)
    const bobOnB = await open(b2.wsUrl, await login(b2.baseUrl, { id: 'bob' }))

    await coordination.stop()
    await waitFor(() => warned(a2) && warned(b2), 5000, 'both instances to warn')
    // Per instance: each may now hold two of alice's sockets, and no more.
    const aSecond = await open(a2.wsUrl, alice)
    expect(await upgradeStatus(a2.wsUrl, alice)).toBe(429)
    const bSecond = await open(b2.wsUrl, alice)
    expect([a2.proxy.stats().connections, b2.proxy.stats().connections]).toEqual([2, 3]) // B also holds bob's
    expect(a2.proxy.stats().cluster?.redis).toBe('down')
    // Messages: each instance's own budget of 10 (full again a second after the connects).
    await new Promise((r) => setTimeout(r, 1100))
    const onA = await Promise.all(Array.from({ length: 10 }, () => a1.request('chat.history', {})))
    const onB = await Promise.all(Array.from({ length: 5 }, () => b1.request('chat.history', {})))
    expect([...onA, ...onB].every((f) => f.ok)).toBe(true)
    // A disconnect that cannot reach B now is kept, and sent when Redis is back.
    expect(a2.proxy.disconnectUser('bob', 'account disabled')).toBe(0)
    expect(a2.logs.some((l) => l.includes('a disconnect could not reach the other instances'))).toBe(true)
    // B still relays for bob (a close decided before this answer would have come first).
    expect((await bobOnB.request('chat.history', {})).ok).toBe(true)
    expect(bobOnB.closed).toBeNull()

    // Redis comes back empty (no persistence): the instances write their counts back.
    await coordination.start()
    await waitFor(() => recovered(a2) && recovered(b2), 10_000, 'both instances to see Redis back')
    expect(await bobOnB.closedPromise).toEqual({ code: 4401, reason: 'account disabled' })
    await waitFor(
      () => (a2.proxy.stats().cluster?.connections === 4 ? true : undefined),
      5000,
      'the counts to be written back',
    )
    expect(await upgradeStatus(a2.wsUrl, alice)).toBe(429)
    await aSecond.close()
    await bSecond.close()
    await a1.close()
    const again = await waitFor(() => openSocket(b2.wsUrl, alice).catch(() => undefined), 5000, 'a place for alice')
    sockets.push(again)
    expect(await upgradeStatus(a2.wsUrl, alice)).toBe(429)

    // And the message budget is the cluster's again.
    await new Promise((r) => setTimeout(r, 1100))
    let refused: Array<Record<string, any>> = []
    for (let round = 0; round < 3 && refused.length === 0; round += 1) {
      const started = Date.now()
      await Promise.all(Array.from({ length: 10 }, () => b1.request('chat.history', {})))
      const answers = await Promise.all(Array.from({ length: 3 }, () => again.request('chat.history', {})))
      if (Date.now() - started <= 800) refused = answers
      else await new Promise((r) => setTimeout(r, 1100))
    }
    expect(refused.map((f) => f.error?.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED'])
  })
})
