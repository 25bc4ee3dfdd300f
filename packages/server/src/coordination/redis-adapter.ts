/**
 * The one place that knows the two Redis clients `coordination.redis` accepts — node-redis (v4 and
 * later, `createClient()`) and ioredis (`new Redis()`) — recognised by duck typing, so that neither
 * is a dependency of `@clawchat/server`. Everything else in `coordination/` sees only
 * {@link RedisAdapter}: raw commands with a timeout, Lua scripts by SHA, readiness, and a second
 * connection for pub/sub made with the client's own `duplicate()`.
 */
import { createHash } from 'node:crypto'

/** Which client library a value is. */
export type RedisKind = 'node-redis' | 'ioredis'

/** An event listener: passed to the client, never called here (so it may take any arguments). */
type Listener = (...args: never[]) => void

/** The part of a node-redis (v4+) client the adapter uses. */
interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>
  duplicate(): NodeRedisLike
  connect(): Promise<unknown>
  readonly isReady: boolean
  readonly isOpen: boolean
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<unknown>
  on(event: string, listener: Listener): unknown
  off?(event: string, listener: Listener): unknown
  removeListener?(event: string, listener: Listener): unknown
  destroy?(): void
  disconnect?(): Promise<void>
}

/** The part of an ioredis client the adapter uses. */
interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): IORedisLike
  connect(): Promise<void>
  readonly status: string
  subscribe(...channels: string[]): Promise<unknown>
  psubscribe(...patterns: string[]): Promise<unknown>
  on(event: string, listener: Listener): unknown
  once(event: string, listener: Listener): unknown
  removeListener(event: string, listener: Listener): unknown
  disconnect(): void
}

/**
 * Which client `value` is: `'node-redis'`, `'ioredis'`, or why it is neither (a sentence for the
 * option error).
 *
 * @example
 * detectRedisClient(createClient({ url }))   // { kind: 'node-redis' }
 * detectRedisClient(new Redis(url))          // { kind: 'ioredis' }
 * detectRedisClient({})                      // { problem: 'an object without ...' }
 */
export function detectRedisClient(value: unknown): { kind: RedisKind } | { problem: string } {
  if (typeof value !== 'object' || value === null)
    return { problem: value === null ? 'null' : typeof value === 'function' ? 'a function' : `a ${typeof value}` }
  const v = value as Record<string, unknown>
  if ('masters' in v && 'slots' in v)
    return {
      problem:
        'a node-redis cluster client (createCluster() is not supported: pass a client of one Redis server' +
        ' or Sentinel primary)',
    }
  if (typeof v.duplicate === 'function' && typeof v.on === 'function') {
    if (typeof v.call === 'function' && typeof v.status === 'string' && typeof v.psubscribe === 'function')
      return { kind: 'ioredis' }
    if (typeof v.sendCommand === 'function' && typeof v.isReady === 'boolean' && typeof v.pSubscribe === 'function')
      return { kind: 'node-redis' }
  }
  return {
    problem:
      "an object that has neither node-redis's sendCommand/isReady/pSubscribe nor ioredis's call/status/psubscribe",
  }
}

/** A Lua script, sent by SHA once Redis has it. */
export interface LuaScript {
  readonly source: string
  readonly sha: string
}

/** Makes a {@link LuaScript} from its source. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** The pub/sub connection (a `duplicate()` of the app's client). */
export interface RedisSubscriber {
  /** Subscribes to a channel; `listener(message, channel)`. Kept across reconnects by the client. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<void>
  /** Subscribes to a pattern; `listener(message, channel)`. */
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<void>
  /** Called each time the connection is (again) ready. */
  onReady(listener: () => void): void
  isReady(): boolean
  close(): Promise<void>
}

/** What coordination needs of a Redis client. */
export interface RedisAdapter {
  readonly kind: RedisKind
  /** True when commands go out at once (connected, handshake done). */
  isReady(): boolean
  /** One command; rejects after the adapter's timeout. */
  command(args: readonly string[]): Promise<unknown>
  /** Runs a script by SHA (loading it on `NOSCRIPT`); rejects after the adapter's timeout. */
  script(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>
  /** Calls `listener(reason?)` whenever the client may have changed state (ready, error, end, …). */
  onStateChange(listener: (reason?: string) => void): void
  /** A new connection for pub/sub, made with the client's own `duplicate()`. */
  createSubscriber(onError: (error: unknown) => void): RedisSubscriber
  /** Removes the listeners the adapter put on the app's client (the client itself stays open). */
  detach(): void
}

/** Rejects when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer ${what} within ${ms} ms`)), ms)
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const STATE_EVENTS = ['ready', 'connect', 'end', 'close', 'error', 'reconnecting'] as const

function errorText(error: unknown): string | undefined {
  if (error === undefined) return undefined
  return error instanceof Error ? error.message : String(error)
}

/**
 * Wraps a node-redis or ioredis client (detected with {@link detectRedisClient}).
 *
 * @example
 * const redis = createRedisAdapter(createClient({ url }), 500)
 * await redis.command(['PING'])
 */
export function createRedisAdapter(client: unknown, timeoutMs: number): RedisAdapter {
  const detected = detectRedisClient(client)
  if ('problem' in detected) throw new TypeError(`not a node-redis or ioredis client: ${detected.problem}`)
  const kind = detected.kind
  const node = client as NodeRedisLike
  const io = client as IORedisLike
  const attached: Array<[string, Listener]> = []

  const raw = (args: readonly string[]): Promise<unknown> => {
    if (kind === 'ioredis') return io.call(args[0] as string, ...args.slice(1))
    return node.sendCommand([...args])
  }

  const adapter: RedisAdapter = {
    kind,
    isReady: () => (kind === 'ioredis' ? io.status === 'ready' : node.isReady),
    command: (args) => withTimeout(raw(args), timeoutMs, args[0] as string),
    async script(script, keys, args) {
      const tail = [String(keys.length), ...keys, ...args.map(String)]
      const run = async () => {
        try {
          return await raw(['EVALSHA', script.sha, ...tail])
        } catch (error) {
          if (!/^NOSCRIPT/.test(errorText(error) ?? '')) throw error
          return raw(['EVAL', script.source, ...tail])
        }
      }
      return withTimeout(run(), timeoutMs, 'a script')
    },
    onStateChange(listener) {
      for (const event of STATE_EVENTS) {
        const l: Listener = (arg?: unknown) => listener(event === 'error' ? errorText(arg) : event)
        attached.push([event, l])
        ;(client as { on(e: string, l: Listener): unknown }).on(event, l)
      }
    },
    createSubscriber(onError) {
      return kind === 'ioredis' ? ioredisSubscriber(io, onError) : nodeRedisSubscriber(node, onError)
    },
    detach() {
      for (const [event, l] of attached.splice(0)) removeListener(client, event, l)
    },
  }
  return adapter
}

function removeListener(emitter: unknown, event: string, listener: Listener): void {
  const e = emitter as {
    off?: (e: string, l: Listener) => unknown
    removeListener?: (e: string, l: Listener) => unknown
  }
  if (typeof e.off === 'function') e.off(event, listener)
  else e.removeListener?.(event, listener)
}

function nodeRedisSubscriber(client: NodeRedisLike, onError: (error: unknown) => void): RedisSubscriber {
  const sub = client.duplicate()
  const readyListeners: Array<() => void> = []
  sub.on('error', onError)
  sub.on('ready', () => {
    for (const l of readyListeners) l()
  })
  const connected = sub.connect().catch(onError)
  return {
    async subscribe(channel, listener) {
      await connected
      await sub.subscribe(channel, listener)
    },
    async pSubscribe(pattern, listener) {
      await connected
      await sub.pSubscribe(pattern, listener)
    },
    onReady: (l) => void readyListeners.push(l),
    isReady: () => sub.isReady,
    async close() {
      try {
        if (typeof sub.destroy === 'function') sub.destroy()
        else await sub.disconnect?.()
      } catch {
        // already closed
      }
    },
  }
}

function ioredisSubscriber(client: IORedisLike, onError: (error: unknown) => void): RedisSubscriber {
  const sub = client.duplicate()
  const readyListeners: Array<() => void> = []
  const channels = new Map<string, (message: string, channel: string) => void>()
  const patterns = new Map<string, (message: string, channel: string) => void>()
  sub.on('error', onError)
  sub.on('ready', () => {
    for (const l of readyListeners) l()
  })
  sub.on('message', (channel: string, message: string) => channels.get(channel)?.(message, channel))
  sub.on('pmessage', (pattern: string, channel: string, message: string) => patterns.get(pattern)?.(message, channel))
  if (sub.status === 'wait') sub.connect().catch(onError)
  // The first subscriptions wait for the connection (a client may have enableOfflineQueue: false);
  // ioredis renews them itself after a reconnect.
  const ready =
    sub.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => sub.once('ready', () => resolve()))
  return {
    async subscribe(channel, listener) {
      channels.set(channel, listener)
      await ready
      await sub.subscribe(channel)
    },
    async pSubscribe(pattern, listener) {
      patterns.set(pattern, listener)
      await ready
      await sub.psubscribe(pattern)
    },
    onReady: (l) => void readyListeners.push(l),
    isReady: () => sub.status === 'ready',
    async close() {
      try {
        sub.disconnect()
      } catch {
        // already closed
      }
    },
  }
}
