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
 * `stream-redactor.ts`), and each live run's text, as sent, is kept in {@link LiveRuns} (the lean
 * wire's run heads, final checks and `clawchat.runs`). Each payload is sanitised once per event and
 * handed to the connections as one {@link RoutedEvent} (its JSON made once, not per connection).
 */
import { TOOL_EVENTS_CAP, wantsEvents, type EventFrame } from '@clawchat/protocol'
import { KeyCache } from './key-cache.js'
import type { RegisteredConnection } from '../connection/registry.js'
import type { StreamRedactor } from './stream-redactor.js'
import { browserRunId, eventOwner, sanitizeAgentEvent, sanitizeChatEvent, type ViewContext } from './sanitize.js'
import { sanitizeSessionsChanged } from './sanitize-session.js'
import { isRecord, type Json } from '../common/records.js'
import { WORK_EVENTS, type WorkEventRouting } from './work-routing.js'
import { endsRun, type LiveRuns } from './live-runs.js'
import { InterruptedRuns, type Adoption } from './interrupted-runs.js'
import { textOf } from './message-text.js'
import { RoutedEvent, type LeanRole } from './routed-event.js'

/** What the router needs of a browser connection. */
export interface RoutableConnection extends RegisteredConnection {
  /** The known `caps` the browser named in `connect` (none without it). */
  readonly caps: readonly string[]
  /** Sends an event to the browser (if it is ready), numbering its `seq`. */
  sendEvent(event: string, payload: unknown): void
  /**
   * Sends a routed event in the connection's shape (lean or OpenClaw's) — the payload's JSON made
   * once for all; without it, {@link sendEvent} with the payload.
   */
  sendRouted?(routed: RoutedEvent): void
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
  /** Runs the gateway's going down interrupted, and the gateway's recovery runs finishing them. */
  private readonly interrupted = new InterruptedRuns()

  /**
   * @param streams redacts secrets from each run's text streams (a token split across deltas);
   *   without it, only each frame's own redaction applies.
   * @param work routes the approval and question events ({@link WORK_EVENTS}); without it they
   *   stop here.
   * @param live keeps each live run's text as sent (the lean wire); without it, lean connections
   *   get every event in OpenClaw's shape.
   */
  constructor(
    private readonly namespace: string,
    private readonly registry: RoutingRegistry,
    private readonly streams?: EventRedaction,
    private readonly work?: WorkEventRouting,
    private readonly live?: LiveRuns,
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
    const adoption = this.recovery(frame.event, owner, payload)
    // Before the connections are looked up: a run's stream goes on whether or not its owner is online.
    let payloads = this.streams ? this.streams.redact(frame.event, payload) : [payload]
    if (adoption?.startsOver && frame.event === 'chat' && payload.state === 'delta') {
      adoption.startsOver = false
      payloads = payloads.map(startingOver)
    }
    const ctx = { namespace: this.namespace, userId: owner.userId, keys: this.keys }
    const chatRole =
      frame.event === 'chat'
        ? this.liveRun(ctx, owner.sessionKey, payload.runId, payloads[0], adoption?.runId)
        : undefined
    const isTool = frame.event === 'agent' && payload.stream === 'tool'
    const conns = this.registry.forUser(owner.userId)
    const receivers = isTool ? conns.filter(wantsToolEvents) : conns
    if (receivers.length === 0 && !(isTool && this.forwarding)) return 0
    for (const each of payloads) {
      const browserPayload = sanitise(ctx, owner.sessionKey, each)
      if (adoption) browserPayload.runId = adoption.runId
      const role = chatRole ?? (frame.event === 'agent' && each.stream === 'assistant' ? ASSISTANT : undefined)
      deliver(receivers, new RoutedEvent(frame.event, browserPayload, role))
      if (isTool && each.stream === 'tool') this.forwarding?.forward(owner.userId, browserPayload)
    }
    return receivers.length
  }

  /**
   * The link went down: the runs still live are interrupted, and a run the gateway starts by itself
   * on one of their sessions once it is back finishes them ({@link InterruptedRuns}).
   *
   * @example
   * link.on('down', () => router.linkDown())
   */
  linkDown(): void {
    if (this.live) this.interrupted.linkDown(this.live.all())
  }

  /**
   * For a `chat` or `agent` event of a run the proxy did not make, on a session where a run was
   * interrupted: the adoption that routes it as that run. A run the proxy made streaming on the
   * session ends the wait.
   */
  private recovery(event: string, owner: { userId: string; sessionKey: string }, payload: Json): Adoption | undefined {
    if ((event !== 'chat' && event !== 'agent') || typeof payload.runId !== 'string') return undefined
    if (this.keys.runId(payload.runId) !== null) {
      if (event === 'chat') this.interrupted.ownRunStreams(owner.userId, owner.sessionKey)
      return undefined
    }
    const adoption = this.interrupted.adopt(payload.runId, owner.userId, owner.sessionKey)
    if (adoption?.startsOver) this.live?.end(adoption.interruptedKey)
    if (adoption && event === 'chat' && endsRun(payload)) this.interrupted.ended(payload.runId)
    return adoption
  }

  /**
   * Keeps the text of the run of a `chat` event (`payload`: after stream redaction): a delta
   * advances it, a `final`/`error`/`aborted` forgets it. Answers what lean connections need.
   * `adopted`: the browser run id of the interrupted run a gateway run finishes.
   */
  private liveRun(
    ctx: ViewContext,
    sessionKey: string,
    key: unknown,
    payload: Json | undefined,
    adopted: string | undefined,
  ): LeanRole | undefined {
    if (!this.live || typeof key !== 'string' || payload === undefined) return undefined
    if (payload.state === 'delta') {
      const runId = adopted ?? browserRunId(ctx, key)
      if (runId === undefined) return undefined
      return { kind: 'delta', step: this.live.delta(key, { userId: ctx.userId, runId, sessionKey }, payload) }
    }
    if (!endsRun(payload)) return undefined
    const run = this.live.end(key)
    return run ? { kind: 'end', run } : undefined
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
    deliver(receivers, new RoutedEvent('agent', payload))
    return receivers.length
  }
}

/**
 * The first `chat` delta of a gateway run finishing an interrupted one: its text starts over
 * (`replace`, the whole text so far as `deltaText`), replacing what the interrupted run had streamed.
 */
function startingOver(payload: Json): Json {
  const deltaText = textOf(payload.message) ?? (typeof payload.deltaText === 'string' ? payload.deltaText : '')
  return { ...payload, deltaText, replace: true }
}

/** The role of an `agent` event of stream `assistant`. */
const ASSISTANT: LeanRole = { kind: 'assistant' }

/** Hands one routed event to each receiver. */
function deliver(receivers: readonly RoutableConnection[], routed: RoutedEvent): void {
  for (const conn of receivers) {
    if (conn.sendRouted) conn.sendRouted(routed)
    else conn.sendEvent(routed.event, routed.payload)
  }
}

/** Does the connection receive the live `tool` stream (cap `tool-events`, as on the gateway)? */
function wantsToolEvents(conn: RoutableConnection): boolean {
  return wantsEvents(conn.caps, TOOL_EVENTS_CAP)
}
