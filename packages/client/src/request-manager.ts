import {
  MISCONFIGURED_REASON,
  encodeFrame,
  type ChatHistoryResult,
  type CloseAction,
  type ResponseFrame,
} from '@clawchat/protocol'
import { Alarm, systemClock, type Clock } from './clock.js'
import type { ConnectionState } from './connection-state.js'
import { ClawChatClosedError, ClawChatRequestError } from './errors.js'
import { PersistedSends, type PersistOptions, type RestoredSend } from './persisted-sends.js'
import type { RequestOptions } from './request-options.js'
import { RequestTracker, type Pending } from './request-tracker.js'
import { RunRecovery, type SentParams } from './run-recovery.js'
import { sendRetryDelay } from './send-retry.js'
import { SendQueue } from './send-queue.js'

/** What the request manager needs from its connection. */
export interface RequestHost {
  /** The connection's state now: what may be written depends on it. */
  state(): ConnectionState
  /** Writes a frame to the open socket; false when there is none. */
  send(frame: string): boolean
  /** The user's id, once known (stored with a persisted send). */
  user?(): string | undefined
}

/** How a call is handled: `resend`, a `chat.send` (re-sent after a loss); `recover`, its run is followed. */
export interface CallKind {
  resend: boolean
  recover: boolean
}

/** An ordinary request. */
export const PLAIN: CallKind = { resend: false, recover: false }
/** A `chat.send` made with `send()`/`request()`: re-sent after a loss, its run followed until it ends. */
export const TRACKED_SEND: CallKind = { resend: true, recover: true }
/** A `chat.send` of `stream()`: re-sent after a loss (the stream follows its own run). */
export const STREAM_SEND: CallKind = { resend: true, recover: false }

/** `chat` states that end a run. */
const RUN_ENDS: readonly unknown[] = ['final', 'error', 'aborted']

/**
 * The requests of a connection: ids, timeouts and signals (the {@link RequestTracker}), the bounded
 * queue of what waits for the connection (the {@link SendQueue}), the run recovery of `chat.send`
 * after a reconnect ({@link RunRecovery}) and the retries of refused sends. What may be written
 * follows the connection's state: nothing before it is ready; no `chat.send` while its gateway is
 * away or while recovery looks up the history; everything when it is open.
 *
 * @example
 * const requests = new RequestManager({ state: () => conn.state, send: (f) => socket.send(f) }, options)
 * const result = await requests.call('sessions.list', {}, {}, PLAIN)
 */
export class RequestManager {
  readonly #tracker: RequestTracker
  readonly #queue: SendQueue<Pending>
  readonly #recovery = new RunRecovery<Pending>()
  /** History checks of {@link RunRecovery} under way: `chat.send`s wait in the queue until they end. */
  #verifying = 0
  readonly #retry: Alarm
  /** The persisted send queue (option `persist`). */
  readonly #store: PersistedSends | undefined
  /** The sends restored from the store at start (sent after the first history check). */
  readonly restored: RestoredSend[]

  constructor(
    private readonly host: RequestHost,
    private readonly o: {
      readonly requestTimeoutMs: number
      readonly maxQueuedRequests: number
      readonly persist?: Required<PersistOptions> | undefined
    },
    clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {
    this.#tracker = new RequestTracker(
      {
        aborted: (p) => this.#onAborted(p),
        timedOut: (p) => {
          if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
          else this.#cancel(p)
        },
      },
      clock,
    )
    this.#queue = new SendQueue(o.maxQueuedRequests)
    this.#retry = new Alarm(clock)
    this.#store = o.persist && new PersistedSends(o.persist, () => host.user?.())
    this.restored = this.#store?.restore((p) => this.call('chat.send', p, {}, TRACKED_SEND)) ?? []
  }

  /** Makes a request: written now when the state allows, else queued (or refused when the queue is full). */
  call(method: string, params: Record<string, unknown>, options: RequestOptions, kind: CallKind): Promise<unknown> {
    const s = this.host.state()
    if (s.phase === 'closed') return Promise.reject(new ClawChatClosedError(s.reason))
    const { pending, promise } = this.#tracker.create(method, params, {
      timeoutMs: options.timeoutMs ?? this.o.requestTimeoutMs,
      signal: options.signal,
      resend: kind.resend,
    })
    if (!this.#tracker.get(pending.id)) return promise // the signal had already fired
    const misconfigured = this.#misconfigured()
    if (kind.resend && misconfigured !== undefined) {
      // Waiting would be forever: a person must fix the gateway first.
      this.#tracker.settle(pending, misconfiguredError(method, misconfigured))
      return promise
    }
    if (kind.recover) this.#recovery.track(params as SentParams, pending)
    if (kind.resend) this.#store?.keep(params as SentParams, promise)
    if (this.#canWrite(pending)) this.#write(pending)
    else if (!this.#queue.push(pending)) this.#tracker.settle(pending, this.#queueFull(method))
    return promise
  }

  /** A response frame (not the handshake's): settles its request, or sends a refused `chat.send` back to wait. */
  onResponse(frame: ResponseFrame): void {
    const p = this.#tracker.get(frame.id)
    if (!p) return // answered after a timeout, abort or cancel
    if (frame.ok) {
      if (p.resend) this.#recovery.acked(p.params.idempotencyKey as string)
      return this.#tracker.settle(p, undefined, frame.payload)
    }
    const error = frame.error ?? {}
    const wait = p.resend ? sendRetryDelay(error, p.retries, this.random) : undefined
    if (wait !== undefined) {
      p.retries++
      this.#tracker.unsent(p)
      this.#queue.requeue(p)
      this.#retry.set(wait, () => this.flush())
      return
    }
    if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
    this.#tracker.settle(p, new ClawChatRequestError(p.method, error))
  }

  /** A `chat` event: a run that ended needs no recovery any more. */
  onChatEvent(payload: unknown): void {
    const e = payload as { state?: unknown; runId?: unknown } | undefined
    if (RUN_ENDS.includes(e?.state)) this.#recovery.ended(e?.runId)
  }

  /**
   * The first connection is ready: sends restored from storage by another user are dropped, the
   * rest are looked up in the history (see {@link recover}) before the queue goes out.
   */
  start(user: string | undefined): void {
    const others = this.#store?.othersOf(user) ?? []
    for (const p of this.#tracker.all().filter((q) => q.resend && others.includes(q.params.idempotencyKey as string))) {
      this.#queue.remove(p)
      this.#recovery.ended(p.params.idempotencyKey)
      const message = 'a message kept in storage by another user was not sent'
      this.#tracker.settle(p, new ClawChatRequestError('chat.send', { code: 'FORBIDDEN', message }))
    }
    if (this.restored.length) this.recover()
    else this.flush()
  }

  /** Writes whatever waits and may go now, in call order. */
  flush(): void {
    for (const p of this.#queue.drain((q) => this.#canWrite(q))) this.#write(p)
  }

  /**
   * Before the queue goes out again (a reconnect, the gateway back up): runs sent with `send()` that
   * never ended are looked up in their session's history first (see {@link RunRecovery}); `chat.send`s
   * wait until that is done.
   */
  recover(): void {
    if (!this.#recovery.size) return this.flush()
    this.#verifying++
    void this.#recovery
      .check({
        history: async (sessionKey) => {
          const history = await this.call('chat.history', { sessionKey, limit: 200 }, {}, PLAIN)
          return (history as ChatHistoryResult).messages ?? []
        },
        answer: (p, result) => {
          this.#queue.remove(p)
          this.#tracker.settle(p, undefined, result)
        },
        resend: (params) => void this.call('chat.send', params, {}, TRACKED_SEND).catch(() => {}),
      })
      .finally(() => {
        this.#verifying--
        this.flush()
      })
  }

  /** Fails the `chat.send`s waiting in the queue: while the gateway is misconfigured they would wait forever. */
  failWaitingSends(): void {
    const reason = this.#misconfigured() ?? ''
    for (const p of this.#queue.drain((q) => q.resend && !q.sent)) {
      this.#recovery.ended(p.params.idempotencyKey)
      this.#tracker.settle(p, misconfiguredError(p.method, reason))
    }
  }

  /**
   * The socket ended with `action`: a `chat.send` in flight goes back to its place in the queue (the
   * one that was too big, after 1009, is rejected instead); any other request in flight is rejected
   * as retryable (it may or may not have run).
   */
  socketLost(action: CloseAction): void {
    const inFlight = this.#tracker.all().filter((p) => p.sent)
    const oversized = action === 'reconnect-drop-oversized' ? largest(inFlight) : undefined
    for (const p of inFlight) {
      this.#tracker.unsent(p)
      if (p === oversized) this.#tooBig(p)
      else if (p.resend) this.#queue.requeue(p)
      else this.#tracker.settle(p, lostError(p.method))
    }
  }

  /** The connection closed for good: every request, queued or in flight, rejects with `error`. */
  closeAll(error: ClawChatClosedError): void {
    this.#retry.clear()
    this.#queue.drain()
    for (const p of this.#tracker.all()) this.#tracker.settle(p, error)
  }

  /** Aborts the run `runId` upstream (`chat.abort`), ignoring the answer. */
  abortRun(sessionKey: string, runId: string): void {
    this.call('chat.abort', { sessionKey, runId }, {}, PLAIN).catch(() => {})
  }

  #misconfigured(): string | undefined {
    const s = this.host.state()
    return s.phase === 'ready' && s.link.gateway.kind === 'misconfigured' ? s.link.gateway.reason : undefined
  }

  #canWrite(p: Pending): boolean {
    const s = this.host.state()
    if (s.phase !== 'ready' || (p.resend && this.#verifying)) return false
    return s.link.gateway.kind === 'up' || !p.resend
  }

  #write(p: Pending): void {
    const s = this.host.state()
    const maxPayload = s.phase === 'ready' ? s.link.maxPayload : 0
    if (maxPayload && new TextEncoder().encode(p.frame).length > maxPayload) return this.#tooBig(p)
    // Marked sent before the write: an answer that comes back within send() (a socket that answers
    // synchronously) finds the request in flight, and may send it back to the queue.
    this.#tracker.sent(p)
    if (this.host.send(p.frame)) return
    this.#tracker.unsent(p)
    this.#queue.requeue(p)
  }

  #tooBig(p: Pending): void {
    const message = `${p.method} is over the server's maxPayload; send less`
    this.#tracker.settle(p, new ClawChatRequestError(p.method, { code: 'PAYLOAD_TOO_LARGE', message }))
  }

  #queueFull(method: string): ClawChatRequestError {
    const message =
      `${this.#queue.limit} requests already wait for the connection; ` +
      'wait for state "open", or raise maxQueuedRequests'
    return new ClawChatRequestError(method, { code: 'QUEUE_FULL', message, retryable: true })
  }

  #cancel(p: Pending): void {
    this.host.send(encodeFrame({ type: 'cancel', id: p.id }))
  }

  #onAborted(p: Pending): void {
    if (p.resend) this.#recovery.ended(p.params.idempotencyKey)
    if (!p.sent) this.#queue.remove(p)
    else if (p.resend) this.abortRun(p.params.sessionKey as string, p.params.idempotencyKey as string)
    else this.#cancel(p)
  }
}

/** The largest request of `list` (the one a 1009 close was about). */
function largest(list: readonly Pending[]): Pending | undefined {
  return list.reduce<Pending | undefined>((a, p) => (!a || p.frame.length > a.frame.length ? p : a), undefined)
}

/** The error of a request in flight when its connection was lost. */
function lostError(method: string): ClawChatRequestError {
  const message = `the connection was lost before ${method} was answered; it may or may not have run, retry it`
  return new ClawChatRequestError(method, { code: 'UNAVAILABLE', message, retryable: true })
}

/** The error of a `chat.send` that cannot wait: the gateway refuses the proxy until a person acts. */
function misconfiguredError(method: string, reason: string): ClawChatRequestError {
  return new ClawChatRequestError(method, {
    code: 'UNAVAILABLE',
    message:
      `${reason} The message was not sent: ` + 'the chat gateway refuses this server until an administrator fixes it.',
    retryable: false,
    details: { reason: MISCONFIGURED_REASON },
  })
}
