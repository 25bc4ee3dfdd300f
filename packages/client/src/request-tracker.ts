import { encodeFrame } from '@clawchat/protocol'
import { systemClock, type Clock } from './clock.js'
import { ClawChatAbortError, ClawChatTimeoutError } from './errors.js'

/** One request the SDK owes an answer for, queued or in flight. */
export interface Pending {
  /** The frame id (unique for the life of the client; a re-sent `chat.send` keeps its id). */
  readonly id: string
  /** Call order. */
  readonly seq: number
  readonly method: string
  readonly params: Record<string, unknown>
  /** The serialised request frame. */
  readonly frame: string
  readonly timeoutMs: number
  /** A `chat.send`: re-sent with its own idempotencyKey after a lost connection, never rejected for it. */
  readonly resend: boolean
  /** Written to the current socket and not yet answered. */
  sent: boolean
  /** How often `UNAVAILABLE` sent it back to the queue. */
  retries: number
}

/** What the tracker asks of its owner. */
export interface TrackerHooks {
  /** The signal fired: take `p` out of the queue, or tell the server (cancel frame, `chat.abort`). */
  aborted(p: Pending): void
  /** No answer in time (the request is already rejected): tell the server it may drop it. */
  timedOut(p: Pending): void
}

interface Entry extends Pending {
  timer?: unknown
  done(error: unknown, value?: unknown): void
}

/** Longest delay `setTimeout` honours; longer timeouts mean "no timeout". */
const MAX_TIMER = 2_147_483_647

/**
 * Bookkeeping of requests: unique ids, per-request timeouts (started when a request is written,
 * stopped when it goes back to the queue), `AbortSignal`s, and settling each promise exactly once.
 *
 * @example
 * const { pending, promise } = tracker.create('chat.history', { sessionKey: 'main' }, { timeoutMs: 30_000 })
 * socket.send(pending.frame); tracker.sent(pending)
 * // later, for the response frame:
 * tracker.settle(tracker.get(frame.id)!, undefined, frame.payload)
 */
export class RequestTracker {
  readonly #map = new Map<string, Entry>()
  #counter = 0

  constructor(
    private readonly hooks: TrackerHooks,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Creates a request and its promise. An already aborted signal rejects at once. */
  create(
    method: string,
    params: Record<string, unknown>,
    opts: { timeoutMs: number; signal?: AbortSignal | undefined; resend?: boolean },
  ): { pending: Pending; promise: Promise<unknown> } {
    const seq = ++this.#counter
    const id = String(seq)
    const { signal } = opts
    let entry!: Entry
    const promise = new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        if (!this.#map.has(id)) return
        this.hooks.aborted(entry)
        this.settle(entry, new ClawChatAbortError(method, signal?.reason))
      }
      entry = {
        id,
        seq,
        method,
        params,
        frame: encodeFrame({ type: 'req', id, method, params }),
        timeoutMs: opts.timeoutMs,
        resend: opts.resend === true,
        sent: false,
        retries: 0,
        done: (error, value) => {
          signal?.removeEventListener('abort', onAbort)
          if (error === undefined) resolve(value)
          else reject(error)
        },
      }
      if (signal?.aborted) return entry.done(new ClawChatAbortError(method, signal.reason))
      this.#map.set(id, entry)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    return { pending: entry, promise }
  }

  /** The unsettled request with this id. */
  get(id: unknown): Pending | undefined {
    return typeof id === 'string' ? this.#map.get(id) : undefined
  }

  /** Every unsettled request, in call order. */
  all(): Pending[] {
    return [...this.#map.values()]
  }

  /** `p` was written to the socket: its timeout starts. */
  sent(p: Pending): void {
    const e = p as Entry
    e.sent = true
    this.#stopTimer(e)
    if (e.timeoutMs <= MAX_TIMER) {
      e.timer = this.clock.setTimeout(() => {
        this.settle(e, new ClawChatTimeoutError(e.method, e.timeoutMs))
        this.hooks.timedOut(e)
      }, e.timeoutMs)
    }
  }

  /** `p` went back to the queue: its timeout stops until it is written again. */
  unsent(p: Pending): void {
    const e = p as Entry
    e.sent = false
    this.#stopTimer(e)
  }

  /** Settles `p` once: with `error` when given, else with `value`. Later calls do nothing. */
  settle(p: Pending, error?: unknown, value?: unknown): void {
    const e = p as Entry
    if (this.#map.get(e.id) !== e) return
    this.#map.delete(e.id)
    this.#stopTimer(e)
    e.done(error, value)
  }

  #stopTimer(e: Entry): void {
    if (e.timer !== undefined) this.clock.clearTimeout(e.timer)
    e.timer = undefined
  }
}
