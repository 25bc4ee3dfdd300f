/**
 * Live `tool` events between instances. The gateway sends a run's `tool` stream only to the
 * connection that sent its `chat.send` — one instance's link — while every other event of the run
 * reaches every instance's link. So the instance that receives a `tool` event delivers it to its own
 * connections of the owner and publishes it, as the owner sees it (sanitised and redacted of the
 * token), on the `tool-events` channel; every other instance delivers it to its connections of that
 * user that asked for `tool-events`. The sender skips its own messages: nobody gets one twice.
 *
 * Live events are not kept: pub/sub forgets what an instance missed while Redis was away, and a
 * user who opens the chat later reads the calls from `chat.history`. Nothing is published while
 * Redis is down, and an event over {@link MAX_TOOL_EVENT_BYTES} is not forwarded (its owner's other
 * instances see the call's `item` events and, after it, its history rows).
 */
import type { ProxyLog } from '../common/log.js'
import { isRecord, type Json } from '../common/records.js'
import type { RedisHealth } from './health.js'
import type { RedisAdapter, RedisSubscriber } from './redis-adapter.js'

/** The largest forwarded event, bytes of JSON (a tool's whole result can be large; live views are best effort). */
export const MAX_TOOL_EVENT_BYTES = 1 << 20
/** Longest user id accepted from the channel. */
const MAX_USER_ID = 1024

/** Options of {@link ToolEventBus}. */
export interface ToolEventBusOptions {
  redis: RedisAdapter
  health: RedisHealth
  subscriber: RedisSubscriber
  channel: string
  instanceId: string
  log: ProxyLog
  /** The proxy's redaction of the gateway token: nothing with the token goes to Redis. */
  redact(text: string): string
  /** Another instance received a `tool` event of `userId`'s run: deliver it to the user's connections here. */
  onEvent(userId: string, payload: Json): void
}

/** A message on the channel: who sent it, whose event it is, the event as that user sees it. */
interface ToolEventMessage {
  v: 1
  from: string
  user: string
  payload: Json
}

function parse(text: string): ToolEventMessage | null {
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    return null
  }
  if (!isRecord(m) || m.v !== 1 || typeof m.from !== 'string' || !isRecord(m.payload)) return null
  if (typeof m.user !== 'string' || m.user.length === 0 || m.user.length > MAX_USER_ID) return null
  return { v: 1, from: m.from, user: m.user, payload: m.payload }
}

/**
 * The `tool-events` channel of one instance.
 *
 * @example
 * const tools = new ToolEventBus({ redis, health, subscriber, channel: keys.toolEvents, instanceId, log, redact,
 *   onEvent: (userId, payload) => router.deliverToolEvent(userId, payload) })
 * tools.start()
 * tools.publish('alice', browserPayload)
 */
export class ToolEventBus {
  private warnedSize = false

  constructor(private readonly opts: ToolEventBusOptions) {}

  /** Subscribes to the channel. */
  start(): void {
    this.opts.subscriber
      .subscribe(this.opts.channel, (text) => this.receive(text))
      .catch((error: unknown) => {
        this.opts.log.warn(
          `clawchat: coordination: could not subscribe to the tool-events channel (${String(error)}); live tool` +
            ' calls show only on the instance whose link sent the run',
        )
      })
  }

  /** Sends a `tool` event of `userId`'s run (as that user sees it) to the other instances. */
  publish(userId: string, payload: Json): void {
    if (!this.opts.health.isUp) return
    const message: ToolEventMessage = { v: 1, from: this.opts.instanceId, user: userId, payload }
    const text = this.opts.redact(JSON.stringify(message))
    if (Buffer.byteLength(text) > MAX_TOOL_EVENT_BYTES) {
      if (!this.warnedSize) {
        this.warnedSize = true
        this.opts.log.warn(
          `clawchat: coordination: a tool event over ${MAX_TOOL_EVENT_BYTES} bytes was not forwarded to the other` +
            ' instances (its call shows there in chat.history)',
        )
      }
      return
    }
    this.opts.redis.command(['PUBLISH', this.opts.channel, text]).then(
      () => this.opts.health.succeeded(),
      (error: unknown) => this.opts.health.failed(error),
    )
  }

  private receive(text: string): void {
    const message = parse(text)
    if (!message || message.from === this.opts.instanceId) return
    try {
      this.opts.onEvent(message.user, message.payload)
    } catch (error) {
      this.opts.log.error(`clawchat: coordination: delivering a tool event from another instance failed: ${error}`)
    }
  }
}
