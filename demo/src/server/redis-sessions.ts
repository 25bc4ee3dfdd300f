import { RedisStore } from 'connect-redis'
import { createClient } from 'redis'
import { sessionMiddleware, type DemoSessions } from './session-store.js'

/** A connected node-redis client, as the session store and `clawchatProxy`'s coordination share it. */
export type DemoRedisClient = ReturnType<typeof createDemoRedisClient>

/** Sessions in Redis, and the client behind them (also given to `clawchatProxy({ coordination })`). */
export interface RedisSessions extends DemoSessions {
  client: DemoRedisClient
}

function createDemoRedisClient(url: string) {
  return createClient({
    url,
    // While Redis is away, session reads fail at once (GET /clawchat/session answers 503) instead of
    // queueing until it is back.
    disableOfflineQueue: true,
    socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  })
}

/** Hides a password in a redis:// URL for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis://…'
  }
}

/**
 * express-session in Redis (`connect-redis`, keys `sess:<id>`), for several demo instances behind
 * one load balancer: every instance sees every session. Connects before returning; a Redis that
 * cannot be reached within 5 s fails the start with an error naming the URL (without its password).
 */
export async function createRedisSessions(
  url: string,
  secret: string,
  log: (line: string) => void,
  ttlSeconds = 7 * 24 * 3600,
): Promise<RedisSessions> {
  const client = createDemoRedisClient(url)
  let down = false
  client.on('error', (err: Error) => {
    if (down) return
    down = true
    log(`redis: ${err.message} (reconnecting)`)
  })
  client.on('ready', () => {
    if (down) log('redis: connected again')
    down = false
  })
  const shown = redactRedisUrl(url)
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ])
  } catch (err) {
    client.destroy()
    throw new Error(`cannot reach Redis at ${shown}: ${(err as Error).message}`, { cause: err })
  }
  const store = new RedisStore({ client, prefix: 'sess:', ttl: ttlSeconds })
  return {
    middleware: sessionMiddleware(store, secret, ttlSeconds),
    store,
    client,
    close() {
      client.destroy()
    },
  }
}
