/**
 * Issue 10: the `coordination` option is checked when `clawchatProxy()` runs (an error naming the
 * option, never the token), its Redis client is recognised by duck typing — real node-redis and
 * ioredis clients, created but never connected — and the small pure parts behave: the keyspace
 * flags merge, the async user budget keeps "a refused message uses up nothing".
 */
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { detectRedisClient } from '../src/coordination/redis-adapter.js'
import { keyspaceFlags } from '../src/coordination/session-watch.js'
import { RateMeter, takeBoth } from '../src/limits/limits.js'
import { resolveOptions } from '../src/gate/options.js'

const session = (_req: unknown, _res: unknown, next: () => void) => next()
const TOKEN = 'tok-7d1e-SECRET'
const base = { gateway: { url: 'ws://127.0.0.1:18789', token: TOKEN }, session }

function error(options: unknown): string {
  try {
    resolveOptions(options)
  } catch (e) {
    const message = (e as Error).message
    expect(message).not.toContain(TOKEN)
    return message
  }
  throw new Error('expected resolveOptions to throw')
}

describe('the coordination option', () => {
  // Clients that never connect: lazyConnect for ioredis; node-redis connects only on connect().
  const nodeRedis = createClient({ url: 'redis://127.0.0.1:1' })
  const ioredis = new Redis('redis://127.0.0.1:1', { lazyConnect: true })

  it('recognises node-redis and ioredis clients by their shape', () => {
    expect(detectRedisClient(nodeRedis)).toEqual({ kind: 'node-redis' })
    expect(detectRedisClient(ioredis)).toEqual({ kind: 'ioredis' })
    expect(detectRedisClient({ get() {}, set() {} })).toHaveProperty('problem')
    expect(detectRedisClient('redis://localhost')).toEqual({ problem: 'a string' })
  })

  it('fills the defaults, with the namespace in the key prefix', () => {
    expect(resolveOptions(base).coordination).toBeUndefined()
    const c = resolveOptions({ ...base, namespace: 'shop', coordination: { redis: nodeRedis } }).coordination!
    expect(c).toMatchObject({
      kind: 'node-redis',
      prefix: 'clawchat:shop:',
      sessionKeyPrefix: 'sess:',
      heartbeatMs: 2000,
      instanceTtlMs: 10_000,
      commandTimeoutMs: 500,
    })
    expect(c.instanceId).toMatch(/^[A-Za-z0-9._:-]+:\d+:[0-9a-f]{6}$/)
    const d = resolveOptions({
      ...base,
      coordination: { redis: ioredis, prefix: 'app1:', sessionKeyPrefix: false, instanceId: 'web-1', heartbeatMs: 500 },
    }).coordination!
    expect(d).toMatchObject({
      kind: 'ioredis',
      prefix: 'app1:',
      sessionKeyPrefix: false,
      instanceId: 'web-1',
      heartbeatMs: 500,
      instanceTtlMs: 2500,
    })
  })

  it.each([
    [{ redis: {} }, 'clawchatProxy: option "coordination.redis" must be a node-redis or ioredis client'],
    [
      { redis: 'redis://127.0.0.1:6379' },
      'option "coordination.redis" must be a node-redis or ioredis client (createClient() from "redis" v4+, or new Redis() from "ioredis"), got a string',
    ],
    [{}, 'option "coordination.redis" must be a node-redis or ioredis client'],
    [
      { redis: createClient(), prefx: 'x' },
      'unknown option "coordination.prefx"; known: redis, prefix, sessionKeyPrefix, instanceId, heartbeatMs, commandTimeoutMs',
    ],
    [{ redis: createClient(), prefix: '' }, 'option "coordination.prefix" must be 1 to 100 characters without spaces'],
    [
      { redis: createClient(), sessionKeyPrefix: true },
      'option "coordination.sessionKeyPrefix" must be the session store\'s key prefix (connect-redis: "sess:") or false, got true',
    ],
    [{ redis: createClient(), instanceId: 'web 1' }, 'option "coordination.instanceId" must be 1 to 100 characters'],
    [
      { redis: createClient(), heartbeatMs: 50 },
      'option "coordination.heartbeatMs" must be an integer number of ms from 100 to 60000, got 50',
    ],
    [
      { redis: createClient(), commandTimeoutMs: 1.5 },
      'option "coordination.commandTimeoutMs" must be an integer number of ms from 10 to 10000, got 1.5',
    ],
  ])('refuses %j', (coordination, message) => {
    expect(error({ ...base, coordination })).toContain(message)
  })

  it('refuses a value that is not an object', () => {
    expect(error({ ...base, coordination: true })).toBe(
      'clawchatProxy: option "coordination" must be an object like { redis }, got true',
    )
  })
})

describe('keyspace notification flags', () => {
  it('adds what the session watch needs to what is set, and nothing when it is there', () => {
    expect(keyspaceFlags('')).toBe('Kgxe')
    expect(keyspaceFlags('Ex')).toBe('ExKge')
    expect(keyspaceFlags('KA')).toBeNull()
    expect(keyspaceFlags('Kgxe')).toBeNull()
    expect(keyspaceFlags('AE')).toBe('AEK')
  })
})

describe('an asynchronous user budget', () => {
  it('answers later, and refunds the connection when the user is refused', async () => {
    const now = 0
    const connection = new RateMeter(2, () => now)
    let clusterWait = 0
    const user = { take: () => Promise.resolve(clusterWait) }
    expect(await takeBoth(connection, user)).toBeNull()
    clusterWait = 300
    expect(await takeBoth(connection, user)).toEqual({ scope: 'user', retryAfterMs: 300 })
    // The refused message used nothing of the connection's: one token is still there.
    clusterWait = 0
    expect(await takeBoth(connection, user)).toBeNull()
    // Over the connection's own limit: answered at once, without asking the user's budget.
    const verdict = takeBoth(connection, user)
    expect(verdict).toEqual({ scope: 'connection', retryAfterMs: 500 })
  })
})
