/**
 * What comes in from one browser socket, up to the point a frame is handled: reading it with the
 * wire codec of `@clawchat/protocol` (JSON, an object, a known `type`, no unknown fields, a usable
 * `id` and `method` — whatever a browser sends, the answer is a request, a cancel, or an
 * `INVALID_REQUEST` that says what was wrong and the id to answer it under) and admitting it (text
 * frames only, the connection's and the user's rate limits, decided strictly in arrival order).
 */
import type { RawData } from 'ws'
import { CloseCodes, parseClientFrame, type ClientFrameRead, type ErrorShape } from '@clawchat/protocol'
import type { Audit } from '../audit/audit.js'
import { takeBoth, type RateMeter, type RateVerdict, type UserBudget } from '../limits/limits.js'
import { invalidRequest, rateLimited } from '../common/errors.js'
import type { MetricsRecorder } from '../metrics/recorder.js'

export { MAX_METHOD, MAX_REQUEST_ID } from '@clawchat/protocol'

/** One frame, read. `shownId` is the id an answer goes out under (`invalid` when there is none). */
export type InboundFrame =
  { kind: 'invalid'; shownId: string; error: ErrorShape } | Exclude<ClientFrameRead, { kind: 'invalid' }>

/**
 * Reads one text frame with the wire codec of `@clawchat/protocol` (`parseClientFrame`); what is
 * wrong with it becomes the `INVALID_REQUEST` it is answered with.
 *
 * @example
 * parseInbound('{"method":"chat.send","params":{"message":"Hi"}}')
 * // { kind: 'request', shownId: 'invalid', id: undefined, method: 'chat.send', params: { message: 'Hi' } }
 * parseInbound('nope') // { kind: 'invalid', shownId: 'invalid', error: { code: 'INVALID_REQUEST', ... } }
 */
export function parseInbound(text: string): InboundFrame {
  const read = parseClientFrame(text)
  if (read.kind !== 'invalid') return read
  return { kind: 'invalid', shownId: read.shownId, error: invalidRequest(read.message) }
}

/** The size of a raw message. */
function rawBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

/** A frame past the parser and the rate limits, with the id it is answered under. */
export type AdmittedFrame =
  { kind: 'cancel'; id: string } | { kind: 'request'; id: string; method: string; params: unknown; bytes: number }

/** What the inbox hands admitted frames to, and answers and closes through. */
export interface InboxHost {
  readonly userId: string
  readonly connId: string
  /** True once the connection is closed: frames that arrive or still wait are dropped. */
  readonly isClosed: boolean
  /** Handles an admitted frame (in arrival order). */
  admit(frame: AdmittedFrame): void
  /** Answers a frame the inbox refused (invalid, or over a rate limit). */
  answerError(id: string, error: ErrorShape): void
  close(code: number, why: string): void
  /** A bug while handling a frame: it must cost this connection, never the process. */
  failed(error: unknown): void
}

/** The meters and the audit trail the inbox admits frames with. */
export interface InboxOptions {
  connectionMeter: RateMeter
  /**
   * The user's message budget, shared by all their connections: a local meter, or (with
   * `coordination`) one that also asks Redis, asynchronously.
   */
  userMeter: UserBudget
  audit: Audit
  /** The proxy's figures: frames in by kind, rate-limited requests. */
  metrics?: MetricsRecorder | undefined
}

/** A frame read, with its id, and its user's verdict (`undefined` until the budget answered). */
interface Reading {
  frame: InboundFrame
  id: string
  bytes: number
  verdict: RateVerdict | undefined
}

/** How many frames a connection received, and how many were invalid or rate-limited (its close audit line). */
export interface InboxCounts {
  frames: number
  invalidFrames: number
  rateLimited: number
}

/**
 * Admission of one socket's frames.
 *
 * @example
 * const inbox = new Inbox(host, { connectionMeter, userMeter, audit })
 * ws.on('message', (data, isBinary) => inbox.receive(data, isBinary))
 */
export class Inbox {
  readonly counts: InboxCounts = { frames: 0, invalidFrames: 0, rateLimited: 0 }
  private nextAutoId = 0
  /** True from a refused frame until the next admitted one: one `rate.limited` audit line per episode. */
  private limitedEpisode = false
  /**
   * Frames that passed the connection's meter while an earlier one waits for its user's budget
   * (asked of Redis): they are decided strictly in arrival order, so a `cancel` never overtakes its
   * request and `connect` always comes first.
   */
  private readonly waiting: Reading[] = []

  constructor(
    private readonly host: InboxHost,
    private readonly options: InboxOptions,
  ) {}

  /** Takes one message of the socket. */
  receive(data: RawData, isBinary: boolean): void {
    // Frames that arrive after the proxy closed the socket: the close code already said it all.
    if (this.host.isClosed) return
    try {
      this.read(data, isBinary)
    } catch (error) {
      this.host.failed(error)
    }
  }

  /** Forgets the frames still waiting for their user's budget (the connection closed). */
  clear(): void {
    this.waiting.length = 0
  }

  private read(data: RawData, isBinary: boolean): void {
    this.counts.frames += 1
    if (isBinary) {
      this.options.metrics?.browserFrame('in', 'invalid', rawBytes(data))
      this.counts.invalidFrames += 1
      this.host.close(CloseCodes.POLICY_VIOLATION, 'binary frames are not supported: send JSON text frames')
      return
    }
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
    const frame = parseInbound(buffer.toString('utf8'))
    this.options.metrics?.browserFrame('in', frame.kind === 'request' ? 'req' : frame.kind, buffer.length)
    const reading: Reading = { frame, id: this.answerId(frame), bytes: buffer.length, verdict: undefined }

    const verdict = takeBoth(this.options.connectionMeter, this.options.userMeter)
    if (verdict !== null && !(verdict instanceof Promise) && verdict.scope === 'connection') {
      // Over this connection's own limit: answered at once, whatever waits before it.
      this.refuse(reading, verdict)
      return
    }
    if (!(verdict instanceof Promise) && this.waiting.length === 0) {
      this.decide(reading, verdict)
      return
    }
    this.waiting.push(reading)
    if (!(verdict instanceof Promise)) {
      reading.verdict = verdict
      return
    }
    verdict
      .catch(() => null)
      .then((settled) => {
        reading.verdict = settled
        this.decideWaiting()
      })
  }

  /** The id a frame is answered under: a request without one gets `clawchat-<n>`. */
  private answerId(frame: InboundFrame): string {
    if (frame.kind !== 'request') return frame.shownId
    if (frame.id !== undefined) return frame.id
    this.nextAutoId += 1
    return `clawchat-${this.nextAutoId}`
  }

  /** Decides the waiting frames whose turn has come (in arrival order). */
  private decideWaiting(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.verdict !== undefined) {
      const next = this.waiting.shift()!
      if (this.host.isClosed) continue
      try {
        this.decide(next, next.verdict ?? null)
      } catch (error) {
        this.host.failed(error)
      }
    }
  }

  private refuse({ frame, id }: Reading, limited: NonNullable<RateVerdict>): void {
    this.counts.rateLimited += 1
    this.options.metrics?.rateLimited(limited.scope)
    if (!this.limitedEpisode) {
      this.limitedEpisode = true
      this.options.audit.record({
        event: 'rate.limited',
        userId: this.host.userId,
        connId: this.host.connId,
        scope: limited.scope,
        retryAfterMs: limited.retryAfterMs,
      })
    }
    const which = limited.scope === 'user' ? 'for your account (all your connections together)' : 'on this connection'
    if (frame.kind !== 'cancel')
      this.host.answerError(
        id,
        rateLimited(`Too many messages ${which}; retry in ${limited.retryAfterMs} ms.`, limited.retryAfterMs),
      )
  }

  /** Handles a frame once the rate limits have spoken. */
  private decide(reading: Reading, limited: RateVerdict): void {
    if (limited) {
      this.refuse(reading, limited)
      return
    }
    this.limitedEpisode = false
    const { frame, id, bytes } = reading
    switch (frame.kind) {
      case 'invalid':
        this.counts.invalidFrames += 1
        this.host.answerError(frame.shownId, frame.error)
        return
      case 'cancel':
        this.host.admit({ kind: 'cancel', id: frame.id })
        return
      case 'request':
        this.host.admit({ kind: 'request', id, method: frame.method, params: frame.params, bytes })
    }
  }
}
