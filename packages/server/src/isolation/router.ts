/**
 * Event fan-out: each gateway event goes to the connections of the user who owns its session —
 * and to nobody else. The gateway broadcasts every session's `chat` and `agent` events (and, after
 * the link's one `sessions.subscribe`, every `sessions.changed`) to every operator connection; the
 * router finds the owner from the event's session key (or run id), sanitises the payload for that
 * owner, and hands it to their connections, which number `seq` themselves. The `agent` stream
 * `tool` (a run's live tool calls, which the gateway sends only to the link that sent the run's
 * `chat.send`) goes only to the owner's connections that named cap `tool-events`, and, with
 * several instances, to the other instances through {@link ToolEventForwarding}. Approval and
 * question events go to {@link WorkEventRouting}. Everything else the gateway broadcasts
 * (presence, health, ticks, …) stops here. Each run's text streams (its reply, its commands'
 * output) are redacted of secrets here too, once per event before the fan-out (see
 * `stream-redactor.ts`).
 */
import { TOOL_EVENTS_CAP, wantsEvents, type EventFrame } from '@clawchat/protocol'
import { KeyCache } from './key-cache.js'
import type { RegisteredConnection } from '../connection/registry.js'
import type { StreamRedactor } from './stream-redactor.js'
import {
  eventOwner,
  sanitizeAgentEvent,
  sanitizeChatEvent,
  sanitizeSessionsChanged,
  type ViewContext,
} from './sanitize.js'
import { isRecord, type Json } from '../common/records.js'
import { WORK_EVENTS, type WorkEventRouting } from './work-routing.js'

/** What the router needs of a browser connection. */
export interface RoutableConnection extends RegisteredConnection {
  /** The known `caps` the browser named in `connect` (none without it). */
  readonly caps: readonly string[]
  /** Sends an event to the browser (if it is ready), numbering its `seq`. */
  sendEvent(event: string, payload: unknown): void
}

/** What the router needs of the registry: a user's open connections. */
export interface RoutingRegistry {
  forUser(userId: string): RoutableConnection[]
}

/** What the router needs of the stream redactor: one gateway event in, the payloads to deliver out. */
export type EventRedaction = Pick<StreamRedactor, 'redact'>

/**
 * Where the live `tool` events delivered here also go: the other instances of a cluster (the
 * gateway sends them to one link only, the one that sent the run's `chat.send`).
 */
export interface ToolEventForwarding {
  /** `payload` is the `agent` event as `userId` sees it: sanitised and redacted. */
  forward(userId: string, payload: Json): void
}

/** The events that reach browsers, each with its sanitiser. */
const SANITISERS: Record<
  string,
  (ctx: ViewContext, sessionKey: string, payload: Record<string, unknown>) => Record<string, unknown>
> = {
  chat: sanitizeChatEvent,
  agent: sanitizeAgentEvent,
  'sessions.changed': sanitizeSessionsChanged,
}

/** Routes gateway events to their owners' connections. */
export class EventRouter {
  /** The events' session keys and run ids taken apart, remembered (a run streams the same ones). */
  private readonly keys: KeyCache
  private forwarding: ToolEventForwarding | undefined

  /**
   * @param streams redacts secrets from each run's text streams (a token split across deltas);
   *   without it, only each frame's own redaction applies.
   * @param work routes the approval and question events ({@link WORK_EVENTS}); without it they
   *   stop here.
   */
  constructor(
    private readonly namespace: string,
    private readonly registry: RoutingRegistry,
    private readonly streams?: EventRedaction,
    private readonly work?: WorkEventRouting,
  ) {
    this.keys = new KeyCache(namespace)
  }

  /**
   * Sends the live `tool` events delivered here to the other instances too (`undefined`: no more).
   *
   * @example
   * router.forwardToolEvents({ forward: (userId, payload) => coordination.publishToolEvent(userId, payload) })
   */
  forwardToolEvents(forwarding: ToolEventForwarding | undefined): void {
    this.forwarding = forwarding
  }

  /**
   * Delivers one gateway event; answers how many connections received it.
   *
   * @example
   * link.on('event', (frame) => router.route(frame))
   */
  route(frame: EventFrame): number {
    if (typeof frame?.event !== 'string') return 0
    if (WORK_EVENTS.has(frame.event)) return this.work ? this.work.route(frame) : 0
    // Own properties only: an event named "constructor" or "__proto__" is not a sanitiser's.
    if (!Object.hasOwn(SANITISERS, frame.event)) return 0
    const sanitise = SANITISERS[frame.event]
    if (!sanitise || !isRecord(frame.payload)) return 0
    const payload = frame.payload
    let owner = eventOwner(this.namespace, payload, this.keys)
    if (!owner && frame.event === 'sessions.changed' && payload.sessionKey === undefined && isRecord(payload.session)) {
      owner = eventOwner(this.namespace, { sessionKey: payload.session.key }, this.keys)
    }
    if (!owner) return 0
    // Before the connections are looked up: a run's stream goes on whether or not its owner is online.
    const payloads = this.streams ? this.streams.redact(frame.event, payload) : [payload]
    const isTool = frame.event === 'agent' && payload.stream === 'tool'
    const conns = this.registry.forUser(owner.userId)
    const receivers = isTool ? conns.filter(wantsToolEvents) : conns
    if (receivers.length === 0 && !(isTool && this.forwarding)) return 0
    const ctx = { namespace: this.namespace, userId: owner.userId, keys: this.keys }
    for (const each of payloads) {
      const browserPayload = sanitise(ctx, owner.sessionKey, each)
      for (const conn of receivers) conn.sendEvent(frame.event, browserPayload)
      if (isTool && each.stream === 'tool') this.forwarding?.forward(owner.userId, browserPayload)
    }
    return receivers.length
  }

  /**
   * Delivers a live `tool` event another instance received (already as `userId` sees it) to the
   * user's connections here that named `tool-events`; answers how many received it.
   *
   * @example
   * coordination hook: toolEvent: (userId, payload) => router.deliverToolEvent(userId, payload)
   */
  deliverToolEvent(userId: string, payload: unknown): number {
    if (!isRecord(payload) || payload.stream !== 'tool') return 0
    const receivers = this.registry.forUser(userId).filter(wantsToolEvents)
    for (const conn of receivers) conn.sendEvent('agent', payload)
    return receivers.length
  }
}

/** Does the connection receive the live `tool` stream (cap `tool-events`, as on the gateway)? */
function wantsToolEvents(conn: RoutableConnection): boolean {
  return wantsEvents(conn.caps, TOOL_EVENTS_CAP)
}
