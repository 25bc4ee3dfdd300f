/**
 * Event fan-out: each gateway event goes to the connections of the user who owns its session —
 * and to nobody else. The gateway broadcasts every session's `chat` and `agent` events (and, after
 * the link's one `sessions.subscribe`, every `sessions.changed`) to every operator connection; the
 * router finds the owner from the event's session key (or run id), sanitises the payload for that
 * owner, and hands it to their connections, which number `seq` themselves. Everything else the
 * gateway broadcasts (presence, health, ticks, approvals, …) stops here. Each run's text stream is
 * redacted of secrets here too, once per event before the fan-out (see `stream-redactor.ts`).
 */
import type { EventFrame } from '@clawchat/protocol'
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
import { isRecord } from '../common/records.js'

/** What the router needs of a browser connection. */
export interface RoutableConnection extends RegisteredConnection {
  /** Sends an event to the browser (if it is ready), numbering its `seq`. */
  sendEvent(event: string, payload: unknown): void
}

/** What the router needs of the registry: a user's open connections. */
export interface RoutingRegistry {
  forUser(userId: string): RoutableConnection[]
}

/** What the router needs of the stream redactor: one gateway event in, the payloads to deliver out. */
export type EventRedaction = Pick<StreamRedactor, 'redact'>

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

  /**
   * @param streams redacts secrets from each run's text stream (a token split across deltas);
   *   without it, only each frame's own redaction applies.
   */
  constructor(
    private readonly namespace: string,
    private readonly registry: RoutingRegistry,
    private readonly streams?: EventRedaction,
  ) {
    this.keys = new KeyCache(namespace)
  }

  /**
   * Delivers one gateway event; answers how many connections received it.
   *
   * @example
   * link.on('event', (frame) => router.route(frame))
   */
  route(frame: EventFrame): number {
    // Own properties only: an event named "constructor" or "__proto__" is not a sanitiser's.
    if (typeof frame?.event !== 'string' || !Object.hasOwn(SANITISERS, frame.event)) return 0
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
    const conns = this.registry.forUser(owner.userId)
    if (conns.length === 0) return 0
    const ctx = { namespace: this.namespace, userId: owner.userId, keys: this.keys }
    for (const each of payloads) {
      const browserPayload = sanitise(ctx, owner.sessionKey, each)
      for (const conn of conns) conn.sendEvent(frame.event, browserPayload)
    }
    return conns.length
  }
}
