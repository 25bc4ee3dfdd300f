/**
 * What one browser socket is sent: every frame redacted of the token, events numbered with `seq`
 * per connection, a turn's frames batched into one write, and the outbound high-water mark — a
 * browser that does not read fast enough is a slow consumer, closed (by the caller) and never waited for.
 * A lean connection's compact deltas (issue 19) wait here until the end of the turn, so that
 * consecutive deltas of one run become one frame; any other frame sends the waiting one first.
 */
import type { Duplex } from 'node:stream'
import { encodeLeanDelta, type ErrorShape } from '@clawchat/protocol'
import type { Redactor } from '../common/errors.js'
import type { MetricsRecorder } from '../metrics/recorder.js'

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
  /** The proxy's figures: frames out by kind (`res`, `event`) and their bytes. */
  metrics?: MetricsRecorder | undefined
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

/** A compact delta waiting for the end of the turn (deltas of its run queued meanwhile join it). */
interface PendingDelta {
  run: number
  text: string
  replace: boolean
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
  /** True while a {@link flush} is scheduled on `process.nextTick`. */
  private flushing = false
  /** The outbound queue as it was when the current turn's batch began. */
  private turnBacklog = 0
  /** The compact delta of this turn not sent yet. */
  private pending: PendingDelta | null = null

  constructor(private readonly options: OutboxOptions) {}

  /** Sends an event, numbering its `seq`. */
  event(event: string, payload: unknown): void {
    this.settle()
    this.seq += 1
    this.write(JSON.stringify({ type: 'event', event, payload, seq: this.seq }), 'event')
  }

  /**
   * Sends an event whose payload is already JSON, redacted (made once for every connection it goes
   * to), numbering its `seq`: the same bytes as {@link event} with the parsed payload.
   *
   * @example
   * outbox.eventJson('chat', routed.json(redact)) // {"type":"event","event":"chat","payload":{…},"seq":7}
   */
  eventJson(event: string, payloadJson: string): void {
    this.settle()
    this.seq += 1
    this.writeRedacted(
      `{"type":"event","event":${JSON.stringify(event)},"payload":${payloadJson},"seq":${this.seq}}`,
      'event',
    )
  }

  /**
   * Queues a compact delta of run number `run` (lean wire, `[seq, run, text]`): sent at the end of
   * the turn, or before the next other frame; consecutive deltas of the same run meanwhile join it
   * (one frame, one `seq`; `replace` drops the text waiting and makes the frame a replace).
   *
   * @example
   * outbox.leanDelta(1, 'Hel', false)
   * outbox.leanDelta(1, 'lo', false) // at the end of the turn: [8,1,"Hello"]
   */
  leanDelta(run: number, text: string, replace: boolean): void {
    const waiting = this.pending
    if (waiting && waiting.run === run) {
      if (replace) {
        waiting.text = text
        waiting.replace = true
      } else waiting.text += text
      return
    }
    if (waiting) this.settle()
    this.pending = { run, text, replace }
    this.scheduleFlush()
  }

  /**
   * The `seq` of the last event sent, once a waiting compact delta is sent (what an answer built
   * now covers: it goes out after every event numbered so far).
   */
  settledSeq(): number {
    this.settle()
    return this.seq
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
    this.settle()
    this.write(JSON.stringify(frame), (frame as { type?: unknown }).type === 'res' ? 'res' : 'event')
  }

  /** Sends the waiting compact delta, numbering its `seq`. */
  private settle(): void {
    const waiting = this.pending
    if (!waiting) return
    this.pending = null
    this.seq += 1
    this.write(encodeLeanDelta(this.seq, waiting.run, waiting.text, waiting.replace), 'event')
  }

  /** Writes one frame's JSON, redacted. */
  private write(json: string, kind: 'res' | 'event'): void {
    const { socket } = this.options
    if (socket.readyState !== socket.OPEN) return
    this.writeRedacted(this.options.redact(json), kind)
  }

  /** Writes one frame's JSON, already redacted; nothing once the socket is not open. */
  private writeRedacted(json: string, kind: 'res' | 'event'): void {
    const { socket } = this.options
    if (socket.readyState !== socket.OPEN) return
    const bytes = Buffer.from(json)
    // A frame always goes onto an empty queue; past the high-water mark the browser is not reading
    // fast enough, and waiting for it would cost memory (and, upstream, everybody): close it.
    const buffered = this.backlog()
    if (buffered > 0 && buffered + bytes.length > this.options.highWaterMark) {
      this.options.onSlowConsumer(buffered)
      return
    }
    socket.send(bytes, { binary: false })
    this.options.metrics?.browserFrame('out', kind, bytes.length)
  }

  /** Ends this turn's batch: the waiting compact delta is sent, the corked frames are written (one `writev`). */
  readonly flush = (): void => {
    this.settle() // while `flushing`, the cork it may take schedules no other flush
    this.flushing = false
    if (!this.corked) return
    this.corked = false
    this.options.raw?.uncork()
  }

  /** Schedules the end of this turn's batch (once). */
  private scheduleFlush(): void {
    if (this.flushing) return
    this.flushing = true
    process.nextTick(this.flush)
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
      this.scheduleFlush()
    }
    return this.turnBacklog > 0 ? socket.bufferedAmount : 0
  }
}
