/**
 * One gateway event as its owner's connections receive it, prepared once per fan-out: the browser
 * payload, its JSON (redacted of the token) made at most once whatever the number of connections,
 * and what a lean connection needs (issue 19): the run's step for a `chat` delta, the run that a
 * `final`/`error`/`aborted` ends and the lean `final`'s JSON, whether an `agent` event is a text
 * twin (stream `assistant`). Each connection then picks its shape (`connection/lean-encoder.ts`).
 */
import { textCheck } from '@clawchat/protocol'
import type { Json } from '../common/records.js'
import { soleTextPart, type LiveRun, type LiveStep } from './live-runs.js'

/** What lean connections need to know of a routed event. */
export type LeanRole =
  /** A `chat` delta of a live run. */
  | { kind: 'delta'; step: LiveStep }
  /** A `chat` `final`, `error` or `aborted`: the run it ends (as the store had it). */
  | { kind: 'end'; run: LiveRun }
  /** An `agent` event of stream `assistant` (the text twin of the `chat` deltas). */
  | { kind: 'assistant' }

/** Serialises a payload after redacting it (the proxy's one redactor of browser frames). */
export type PayloadRedactor = (json: string) => string

/**
 * A routed event, shared by the connections it goes to.
 *
 * @example
 * const routed = new RoutedEvent('chat', browserPayload, { kind: 'delta', step })
 * for (const conn of receivers) conn.sendRouted(routed) // JSON made once, by the first that needs it
 */
export class RoutedEvent {
  private redactor: PayloadRedactor | undefined
  private cached: string | undefined
  private leanRedactor: PayloadRedactor | undefined
  private leanFinal: string | null | undefined

  /**
   * @param event the event name.
   * @param payload the payload as the owner sees it (sanitised); not changed afterwards.
   * @param lean what lean connections need; none: every connection gets the payload as it is.
   */
  constructor(
    readonly event: string,
    readonly payload: Json,
    readonly lean?: LeanRole,
  ) {}

  /** The payload's JSON redacted by `redact`, made once (again only for another redactor). */
  json(redact: PayloadRedactor): string {
    if (this.cached === undefined || this.redactor !== redact) {
      this.cached = redact(JSON.stringify(this.payload))
      this.redactor = redact
    }
    return this.cached
  }

  /**
   * The JSON of the lean `final`, or `undefined` when this event is not a `final` that qualifies:
   * its message is exactly one text part equal to the text the run's deltas carried. The lean
   * final is the payload with `message.content` left out and `textCheck` added.
   */
  leanFinalJson(redact: PayloadRedactor): string | undefined {
    if (this.leanFinal === undefined || this.leanRedactor !== redact) {
      this.leanRedactor = redact
      this.leanFinal = this.makeLeanFinal(redact)
    }
    return this.leanFinal ?? undefined
  }

  private makeLeanFinal(redact: PayloadRedactor): string | null {
    const { lean, payload } = this
    if (lean?.kind !== 'end' || payload.state !== 'final') return null
    const message = payload.message as Json | undefined
    const text = soleTextPart(message)
    if (text === undefined) return null
    // The deltas were redacted in the stream; the final's text is redacted with its frame.
    if (text !== lean.run.text && redact(JSON.stringify(text)) !== JSON.stringify(lean.run.text)) return null
    const rest: Json = {}
    for (const [field, value] of Object.entries(message as Json)) if (field !== 'content') rest[field] = value
    return redact(JSON.stringify({ ...payload, message: rest, textCheck: textCheck(lean.run.text) }))
  }
}
