/**
 * What one browser socket is sent: every frame redacted of the token, events numbered with `seq`
 * per connection, a turn's frames batched into one write, and the outbound high-water mark — a
 * browser that does not read fast enough is a slow consumer, closed (by the caller) and never waited for.
 */
import type { Duplex } from 'node:stream'
import type { ErrorShape } from '@clawchat/protocol'
import type { Redactor } from '../common/errors.js'

/** The part of a `ws` socket the outbox writes to. */
export interface OutboxSocket {
  readonly readyState: number
  readonly OPEN: number
  /** Bytes queued on the socket, not yet written to the network. */
  readonly bufferedAmount: number
  send(data: Buffer, options: { binary: false }): void
}

/** What the outbox needs. */
export interface OutboxOptions {
  socket: OutboxSocket
  /**
   * The raw socket under `ws`, corked for one event-loop turn so that a turn's frames leave in one
   * write; none (or one that cannot cork): every frame is its own write.
   */
  raw?: Duplex | undefined
  /** Applied to every frame's JSON before it is sent (removes the gateway token). */
  redact: Redactor
  /** `limits.outboundHighWaterMark`: bytes the socket's queue may hold before the browser is a slow consumer. */
  highWaterMark: number
  /** Called instead of sending, once the queue would pass the high-water mark; `bufferedBytes`: the queue. */
  onSlowConsumer(bufferedBytes: number): void
}

/**
 * The raw socket under a `ws` socket, when it can cork (what `handleUpgrade` was given, or `ws`'s own).
 *
 * @example
 * new Outbox({ socket: ws, raw: corkable(from.socket, ws), redact, highWaterMark, onSlowConsumer })
 */
export function corkable(given: Duplex | undefined, ws: object): Duplex | undefined {
  const raw = given ?? (ws as { _socket?: Duplex })._socket
  return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? raw : undefined
}

/**
 * The frames leaving for one browser.
 *
 * @example
 * const outbox = new Outbox({ socket: ws, redact, highWaterMark: 8 << 20, onSlowConsumer: () => ws.close(1013) })
 * outbox.send({ type: 'event', event: 'connect.challenge', payload }) // no seq
 * outbox.event('tick', { ts: Date.now() }) // seq 1
 * outbox.respond('1', { ok: true })
 */
export class Outbox {
  private seq = 0
  /** True while `raw` is corked for the current turn (an uncork is scheduled on `process.nextTick`). */
  private corked = false
  /** The outbound queue as it was when the current turn's batch began. */
  private turnBacklog = 0

  constructor(private readonly options: OutboxOptions) {}

  /** Sends an event, numbering its `seq`. */
  event(event: string, payload: unknown): void {
    this.seq += 1
    this.send({ type: 'event', event, payload, seq: this.seq })
  }

  /** Answers request `id` with `payload`. */
  respond(id: string, payload: unknown): void {
    this.send({ type: 'res', id, ok: true, payload })
  }

  /** Answers request `id` with `error`. */
  respondError(id: string, error: ErrorShape): void {
    this.send({ type: 'res', id, ok: false, error })
  }

  /** Sends one frame as it is (redacted); nothing once the socket is not open. */
  send(frame: object): void {
    const { socket } = this.options
    if (socket.readyState !== socket.OPEN) return
    const bytes = Buffer.from(this.options.redact(JSON.stringify(frame)))
    // A frame always goes onto an empty queue; past the high-water mark the browser is not reading
    // fast enough, and waiting for it would cost memory (and, upstream, everybody): close it.
    const buffered = this.backlog()
    if (buffered > 0 && buffered + bytes.length > this.options.highWaterMark) {
      this.options.onSlowConsumer(buffered)
      return
    }
    socket.send(bytes, { binary: false })
  }

  /** Ends this turn's batch: the corked frames are written (one `writev`). */
  readonly flush = (): void => {
    if (!this.corked) return
    this.corked = false
    this.options.raw?.uncork()
  }

  /**
   * Batches this turn's writes: the first frame of an event-loop turn corks the raw socket and an
   * uncork is scheduled on `process.nextTick`, so the turn's frames leave in one `writev` (cork is
   * counted: `ws`'s own cork/uncork per frame nest inside). Answers the outbound queue the
   * high-water mark is judged on: `bufferedAmount` when the queue was not empty as the turn began
   * (the browser is behind, and this turn's frames wait too), else 0 — this turn's frames are only
   * held by the cork, as if each had gone out on its own, like they did before batching.
   */
  private backlog(): number {
    const { raw, socket } = this.options
    if (!raw) return socket.bufferedAmount
    if (!this.corked) {
      this.turnBacklog = socket.bufferedAmount
      this.corked = true
      raw.cork()
      process.nextTick(this.flush)
    }
    return this.turnBacklog > 0 ? socket.bufferedAmount : 0
  }
}
