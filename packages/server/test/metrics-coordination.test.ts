/**
 * Issue 22, item 2: with option `coordination`, the scrape shows whether Redis is usable and how
 * many instances are live — following a real redis-server that goes away and comes back.
 */
import type { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { ioredisClient } from './helpers/cluster-app.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'
import { sample, scrape } from './helpers/metrics-scrape.js'
import { startRedisServer, type RedisServer } from './helpers/redis-server.js'

let h: Harness | undefined
let redis: RedisServer | undefined
let client: Redis | undefined
afterEach(async () => {
  await h?.close()
  client?.disconnect()
  await redis?.close()
  h = redis = client = undefined
})

describe('coordination in the figures', () => {
  it('shows Redis up, down while it is away, and up again', async () => {
    redis = await startRedisServer()
    client = await ioredisClient(redis.url)
    h = await startHarness({ proxy: { metrics: true, coordination: { redis: client, heartbeatMs: 200 } } })
    await h.waitForLinkUp()
    const url = `${h.baseUrl}/clawchat/metrics`
    const redisUp = async () => sample(await scrape(url), 'clawchat_coordination_redis_up')
    await waitFor(async () => (await redisUp()) === 1, 5000, 'Redis up in the scrape')
    expect(sample(await scrape(url), 'clawchat_coordination_instances')).toBe(1)
    expect(h.proxy.stats().cluster?.redis).toBe('up')

    await redis.stop()
    await waitFor(async () => (await redisUp()) === 0, 10_000, 'Redis down in the scrape')
    expect(h.proxy.stats().cluster?.redis).toBe('down')
    await redis.start()
    await waitFor(async () => (await redisUp()) === 1, 15_000, 'Redis up again in the scrape')
  })

  it('has no coordination gauges without the option', async () => {
    h = await startHarness({ proxy: { metrics: true } })
    expect(await scrape(`${h.baseUrl}/clawchat/metrics`)).not.toContain('coordination')
  })
})
