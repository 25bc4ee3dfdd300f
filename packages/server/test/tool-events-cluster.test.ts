/**
 * Issue 18 item 2 with several instances (Redis coordination, a real redis-server as in
 * cluster.test.ts): the gateway sends a run's live `tool` events only to the link that sent its
 * `chat.send` — one instance's. That instance forwards them over the `tool-events` channel; the
 * others deliver them to the owner's connections that asked for `tool-events`, once, and to nobody
 * else. What goes through Redis is what the owner sees: no server paths, no token.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { KNOWN_CAPS, SDK_CAPS } from '@clawchat/protocol'
import { startMockGateway, type MockAgent, type MockGateway } from '@clawchat/mock-gateway'
import { testAgent, waitFor, type TestClient } from './helpers/harness.js'
import { login, nodeRedisClient, openSocket, startClusterApp, type ClusterApp } from './helpers/cluster-app.js'
import { startRedisServer, type RedisServer } from './helpers/redis-server.js'

const token = `tok-${randomUUID()}`
const secret = `secret-${randomUUID()}`
let redis: RedisServer
let gateway: MockGateway
const apps: ClusterApp[] = []
const sockets: TestClient[] = []

/** Prints the token on `leak`; otherwise the suite's agent (markers make tool calls). */
const agent: MockAgent = (message, context) => {
  if (message !== 'leak') return testAgent(message, context)
  return [{ tool: 'exec', args: { command: `echo ${token}` } }, ' ', 'done']
}

beforeAll(async () => {
  redis = await startRedisServer()
  gateway = await startMockGateway({ token, port: 0, host: '127.0.0.1', agent, chunkDelayMs: 5, phaseDelayMs: 1 })
})

afterAll(async () => {
  await gateway?.close()
  await redis?.close()
})

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate()
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function instance(name: string): Promise<ClusterApp> {
  const app = await startClusterApp({ name, redisUrl: redis.url, gateway: { port: gateway.port, token }, secret })
  apps.push(app)
  await waitFor(() => app.proxy.stats().gateway === 'up', 15_000, `${name}'s gateway link`)
  return app
}

/** A tab of the user of `cookie` on `app`, connected with `caps`. */
async function tab(app: ClusterApp, cookie: string, caps: readonly string[]): Promise<TestClient> {
  const client = await openSocket(app.wsUrl, cookie)
  sockets.push(client)
  await client.waitForEvent('connect.challenge')
  expect((await client.connect({ caps: [...caps] })).ok).toBe(true)
  return client
}

const toolEvents = (client: TestClient, runId: string) =>
  client.events('agent').filter((f) => f.payload.runId === runId && f.payload.stream === 'tool')

async function send(client: TestClient, message: string, idempotencyKey: string): Promise<void> {
  const ack = await client.request('chat.send', { sessionKey: 'main', message, idempotencyKey }, 20_000)
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
}

const EXEC = (text: string) => `run [[TOOL:exec]] [[ARGS:{"command":"echo ${text}","title":"t"}]]`

describe('live tool events with two instances', () => {
  it("reach the owner's tabs on the other instance once, those that asked only, and nobody else", async () => {
    const a = await instance('A')
    const b = await instance('B')
    const alice = await login(a.baseUrl, { id: 'alice' })
    const bob = await login(b.baseUrl, { id: 'bob' })
    const onA = await tab(a, alice, SDK_CAPS)
    const onB = await tab(b, alice, SDK_CAPS)
    const plainOnB = await tab(b, alice, [])
    const bobOnB = await tab(b, bob, KNOWN_CAPS)
    const channel = await nodeRedisClient(redis.url)
    const published: string[] = []
    const listener = channel.duplicate()
    await listener.connect()
    await listener.subscribe('clawchat:clawchat:tool-events', (message) => void published.push(message))
    try {
      await send(onA, EXEC('one'), 'run-1')
      await waitFor(() => toolEvents(onB, 'run-1').length === 3, 15_000, "run-1's tool events on B")
      // A second run: whatever of run-1 was still on its way (a copy, an echo) has arrived by its end.
      await send(onA, 'leak', 'run-2')
      await waitFor(() => toolEvents(onB, 'run-2').length === 3, 15_000, "run-2's tool events on B")
      await waitFor(() => toolEvents(onA, 'run-2').length === 3, 15_000, "run-2's tool events on A")

      for (const client of [onA, onB]) {
        const phases = toolEvents(client, 'run-1').map((f) => f.payload.data.phase)
        expect(phases).toEqual(['start', 'update', 'result'])
        expect(toolEvents(client, 'run-1')[2]!.payload.data.result.content).toEqual([{ type: 'text', text: 'one' }])
        expect(toolEvents(client, 'run-1')[0]!.payload).toMatchObject({ runId: 'run-1', sessionKey: 'main' })
      }
      // B's own link brought the item events; its plain tab has those and no tool events.
      expect(plainOnB.events('agent').some((f) => f.payload.runId === 'run-1' && f.payload.stream === 'item')).toBe(
        true,
      )
      expect([...toolEvents(plainOnB, 'run-1'), ...toolEvents(plainOnB, 'run-2')]).toEqual([])
      expect(bobOnB.raw.join('\n')).not.toContain('run-1')
      expect(bobOnB.events('agent')).toEqual([])

      // What went through Redis: six events of alice, as she sees them, from A; no paths, no token.
      expect(published).toHaveLength(6)
      for (const text of published) {
        const message = JSON.parse(text)
        expect(message).toMatchObject({ v: 1, from: 'A', user: 'alice', payload: { stream: 'tool' } })
        for (const leak of [token, '"cwd"', '"pid"', 'agent:main', '/workspace']) expect(text).not.toContain(leak)
      }
      expect(toolEvents(onB, 'run-2')[0]!.payload.data.args).toEqual({ command: 'echo [redacted]' })
    } finally {
      await listener.unsubscribe()
      listener.destroy()
      channel.destroy()
    }
  })
})
