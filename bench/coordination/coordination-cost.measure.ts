/**
 * What coordination adds, measured on this machine (README "Scaling out" quotes the output):
 *
 *   npx -y pnpm@12.4.2 --filter @clawchat/bench measure:coordination
 *
 * Two app instances (connect-redis sessions, one mock gateway, a real redis-server on a free
 * loopback port) are measured three ways — without coordination, with it on node-redis, with it on
 * ioredis:
 * - per message: the round trip of a frame the proxy answers itself right after the rate limits
 *   (a method the policy refuses), so the difference between the modes is the cluster-wide
 *   message check (one Lua script);
 * - per upgrade: from the WebSocket handshake to `open`, so the difference is the cluster-wide
 *   connection check (one Lua script), plus the release when the socket closes;
 * - logout propagation: a real POST /logout on one instance until the socket another instance
 *   holds is closed, by keyspace notification (the store's DEL) and by `disconnectSession` (pub/sub);
 * - at scale: 1000 sockets of 100 users opened through a round-robin balancer in front of both
 *   instances, one request each, and the cluster-wide count both instances report.
 * It prints the numbers and asserts only that everything was answered — no speed assertions.
 *
 * It lives in the bench (it starts the mock gateway) but reuses the server's test helpers by
 * relative path (harness, cluster-app, redis-server, round-robin), and, like the server's tests,
 * imports the workspace packages from their sources: no build needed; redis-server must be installed.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { testAgent, waitFor, type TestClient } from '../../packages/server/test/helpers/harness.js'
import {
  login,
  logout,
  openSocket,
  startClusterApp,
  type ClusterApp,
  type ClusterAppOptions,
} from '../../packages/server/test/helpers/cluster-app.js'
import { startRedisServer, type RedisServer } from '../../packages/server/test/helpers/redis-server.js'
import { startRoundRobin } from '../../packages/server/test/helpers/round-robin.js'

const MESSAGES = 3000
const UPGRADES = 400
const ROUNDS = 2
const token = `tok-${randomUUID()}`
const secret = `secret-${randomUUID()}`
let redis: RedisServer
let gateway: MockGateway

beforeAll(async () => {
  redis = await startRedisServer()
  gateway = await startMockGateway({
    token,
    port: 0,
    host: '127.0.0.1',
    agent: testAgent,
    chunkDelayMs: 1,
    phaseDelayMs: 1,
  })
})

afterAll(async () => {
  await gateway?.close()
  await redis?.close()
})

type Mode = { name: string; options: Partial<ClusterAppOptions> }
const MODES: Mode[] = [
  { name: 'one process (no coordination)', options: { coordination: false } },
  { name: 'coordination, node-redis', options: {} },
  { name: 'coordination, ioredis', options: { coordinationClient: 'ioredis' } },
]
const limits = { connectionsPerUser: 2000, messagesPerSecond: 100_000, userMessagesPerSecond: 100_000 }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

function summary(samples: number[]): { p50: number; p90: number; p99: number } {
  const sorted = [...samples].sort((x, y) => x - y)
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) }
}

const ms = (n: number) => `${n.toFixed(3)} ms`

async function pair(mode: Mode, extra: Partial<ClusterAppOptions> = {}): Promise<[ClusterApp, ClusterApp]> {
  const apps: ClusterApp[] = []
  for (const name of ['A', 'B']) {
    const app = await startClusterApp({
      name,
      redisUrl: redis.url,
      gateway: { port: gateway.port, token },
      secret,
      ...mode.options,
      proxy: { limits, sessionCheckIntervalMs: 0 },
      ...extra,
    })
    apps.push(app)
    await waitFor(() => app.proxy.stats().gateway === 'up', 15_000, `${name}'s link`)
  }
  return apps as [ClusterApp, ClusterApp]
}

/** Round trips of frames the proxy answers itself, one at a time. */
async function messageRoundTrips(client: TestClient, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i += 1) {
    const started = performance.now()
    const answer = await client.request('config.set', {})
    out.push(performance.now() - started)
    expect(answer.error?.code).toBe('FORBIDDEN')
  }
  return out
}

/** Handshake-to-open times of sockets opened and closed one at a time. */
async function upgradeTimes(wsUrl: string, cookie: string, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i += 1) {
    const started = performance.now()
    const client = await openSocket(wsUrl, cookie)
    out.push(performance.now() - started)
    await client.close()
  }
  return out
}

describe('the cost of coordination', () => {
  it('per message and per upgrade, two instances, loopback Redis', async () => {
    const messages = new Map<string, number[]>()
    const upgrades = new Map<string, number[]>()
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const mode of MODES) {
        const [a, b] = await pair(mode)
        try {
          const cookie = await login(a.baseUrl, { id: `u-${round}-${randomUUID().slice(0, 6)}` })
          const client = await openSocket(a.wsUrl, cookie)
          await client.waitForEvent('connect.challenge')
          await messageRoundTrips(client, 300) // warm-up
          messages.set(mode.name, [...(messages.get(mode.name) ?? []), ...(await messageRoundTrips(client, MESSAGES))])
          await client.close()
          await upgradeTimes(a.wsUrl, cookie, 50) // warm-up
          upgrades.set(mode.name, [
            ...(upgrades.get(mode.name) ?? []),
            ...(await upgradeTimes(a.wsUrl, cookie, UPGRADES)),
          ])
        } finally {
          await a.close()
          await b.close()
        }
      }
    }
    const base = { message: summary(messages.get(MODES[0]!.name)!), upgrade: summary(upgrades.get(MODES[0]!.name)!) }
    const lines = [
      `per message (${MESSAGES * ROUNDS} sequential frames) and per upgrade (${UPGRADES * ROUNDS} sequential sockets), p50 / p90 / p99:`,
    ]
    for (const mode of MODES) {
      const m = summary(messages.get(mode.name)!)
      const u = summary(upgrades.get(mode.name)!)
      lines.push(
        `  ${mode.name.padEnd(30)} message ${ms(m.p50)} / ${ms(m.p90)} / ${ms(m.p99)}   upgrade ${ms(u.p50)} / ${ms(u.p90)} / ${ms(u.p99)}` +
          (mode === MODES[0]
            ? ''
            : `   added: message p50 +${ms(m.p50 - base.message.p50)} p99 +${ms(m.p99 - base.message.p99)}, upgrade p50 +${ms(u.p50 - base.upgrade.p50)} p99 +${ms(u.p99 - base.upgrade.p99)}`),
      )
    }
    console.log(`[measure] ${lines.join('\n')}`)
  })

  it('logout propagation between two instances', async () => {
    const LOGOUTS = 100
    const lines: string[] = []
    for (const [path, disconnects] of [
      ['keyspace notification (the store deletes the session)', false],
      ['disconnectSession in the logout route (pub/sub)', true],
    ] as const) {
      const [a, b] = await pair(MODES[1]!, {
        logoutDisconnects: disconnects,
        coordination: disconnects ? { sessionKeyPrefix: false } : {},
      })
      try {
        await waitFor(
          () => disconnects || a.logs.some((l) => l.includes('keyspace notifications are on')),
          5000,
          'keyspace notifications',
        )
        const samples: number[] = []
        for (let i = 0; i < LOGOUTS; i += 1) {
          const cookie = await login(a.baseUrl, { id: `logout-${i}` })
          const onB = await openSocket(b.wsUrl, cookie)
          await onB.waitForEvent('connect.challenge')
          const started = performance.now()
          await logout(a.baseUrl, cookie)
          const closed = await onB.closedPromise
          samples.push(performance.now() - started)
          expect(closed.code).toBe(4401)
        }
        const s = summary(samples)
        lines.push(
          `  ${path.padEnd(56)} p50 ${ms(s.p50)}, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, max ${ms(Math.max(...samples))}`,
        )
      } finally {
        await a.close()
        await b.close()
      }
    }
    console.log(
      `[measure] POST /logout on A until B's socket is closed (${LOGOUTS} each, the request's own round trip included):\n${lines.join('\n')}`,
    )
  })

  it('1000 sockets of 100 users through a round-robin balancer in front of two instances', async () => {
    const [a, b] = await pair(MODES[1]!)
    const lb = await startRoundRobin([
      { name: 'A', port: a.port },
      { name: 'B', port: b.port },
    ])
    const clients: TestClient[] = []
    try {
      const lbWs = `${lb.url.replace('http', 'ws')}/clawchat`
      const cookies = await Promise.all(Array.from({ length: 100 }, (_, i) => login(lb.url, { id: `user-${i}` })))
      let started = performance.now()
      for (let batch = 0; batch < 20; batch += 1) {
        clients.push(
          ...(await Promise.all(
            Array.from({ length: 50 }, (_, i) => openSocket(lbWs, cookies[(batch * 50 + i) % 100]!)),
          )),
        )
      }
      const openMs = performance.now() - started
      started = performance.now()
      const answers = await Promise.all(clients.map((c) => c.request('sessions.list', {}, 60_000)))
      const requestMs = performance.now() - started
      expect(answers.every((f) => f.ok)).toBe(true)
      const view = await waitFor(
        () => {
          const [sa, sb] = [a.proxy.stats(), b.proxy.stats()]
          return sa.cluster?.connections === 1000 && sb.cluster?.connections === 1000 ? ([sa, sb] as const) : undefined
        },
        10_000,
        'both instances to count 1000',
      )
      console.log(
        `[measure] 1000 sockets (100 users × 10) through the balancer: opened in ${openMs.toFixed(0)} ms (50 at a time), ` +
          `one sessions.list each answered in ${requestMs.toFixed(0)} ms; A holds ${view[0].connections}, B ${view[1].connections}, ` +
          `both report ${view[0].cluster!.connections} cluster-wide; gateway links: ${gateway.connectionCount().authenticated}`,
      )
    } finally {
      for (const c of clients) c.ws.terminate()
      await lb.close()
      await a.close()
      await b.close()
    }
  })
})
