/**
 * One text stream of one run, advanced one event at a time — pure state, no events: what the
 * browsers were sent of it so far, the tail held back because it could still become a secret, and
 * the delta (and whole text) to send for the next step. Used by `stream-redactor.ts`.
 */
import { scan, type Secrets } from './secret-scan.js'

/** One text stream of one run (`chat` or `agent`), as far as the browsers were sent it. */
export interface TextStream {
  /** Raw characters of the current segment seen so far (sent or held). */
  rawLen: number
  /** Raw tail not sent yet: a proper prefix of a secret. */
  held: string
  /** True once a secret was replaced in the current segment. */
  redacted: boolean
  /** The segment's text as sent, while it differs from the raw text (a tail held or a secret replaced). */
  sent: string | null
  /** The agent stream's current item. */
  itemId?: unknown
}

/** One step of a stream: the new delta, the whole text so far, whether it starts over. */
export interface Step {
  delta: string | undefined
  full: string | undefined
  /** The text starts over (`replace: true`): a held tail is dropped with the old text. */
  reset: boolean
  /** A new agent item: the text starts over, but joined deltas go on (a held tail goes first). */
  newItem: boolean
}

/**
 * What to send for a step: `null` when the event passes unchanged; `text` is the whole text so far
 * (`undefined`: leave the event's own; `null`: not known safely, drop it).
 */
export type Sent = { delta: string; text: string | undefined | null } | null

/** Most streams remembered at once (runs that never ended, e.g. the gateway restarted): oldest dropped. */
export const MAX_STREAMS = 4096

/** Remembers a new stream, forgetting the oldest one past {@link MAX_STREAMS}. */
function remember(streams: Map<string, TextStream>, runId: string, stream: TextStream): void {
  if (streams.size >= MAX_STREAMS) {
    const oldest = streams.keys().next().value
    if (oldest !== undefined) streams.delete(oldest)
  }
  streams.set(runId, stream)
}

/** A stream first seen at `step`: from its middle (the proxy started late), what came before is not ours to hold. */
function openStream(step: Step): TextStream {
  const seen =
    step.full !== undefined && step.delta !== undefined && !step.reset
      ? Math.max(0, step.full.length - step.delta.length)
      : 0
  return { rawLen: seen, held: '', redacted: false, sent: null }
}

/** The raw characters this step adds, and a held tail that goes on into a new item's joined deltas. */
function rawDelta(stream: TextStream, step: Step): { delta: string; carried: string } {
  if (step.reset || step.newItem) {
    const carried = step.newItem ? stream.held : ''
    stream.rawLen = 0
    stream.held = ''
    stream.redacted = false
    stream.sent = ''
    return { delta: step.full ?? step.delta ?? '', carried }
  }
  if (step.delta === undefined) {
    const delta = step.full !== undefined && step.full.length > stream.rawLen ? step.full.slice(stream.rawLen) : ''
    return { delta, carried: '' }
  }
  if (step.full !== undefined && step.full.length > stream.rawLen + step.delta.length) {
    // Deltas were merged or skipped: the whole text is the truth.
    return { delta: step.full.slice(stream.rawLen), carried: '' }
  }
  return { delta: step.delta, carried: '' }
}

/**
 * Advances the stream of `runId` (remembered in `streams`, created when `known` is undefined) by
 * one step; answers what to send.
 *
 * @example
 * const sent = advanceStream(secrets, chats, runId, chats.get(runId), { delta, full, reset: false, newItem: false })
 * if (sent !== null) payload = { ...payload, deltaText: sent.delta }
 */
export function advanceStream(
  secrets: Secrets,
  streams: Map<string, TextStream>,
  runId: string,
  known: TextStream | undefined,
  step: Step,
): Sent {
  let stream = known
  if (!stream) {
    stream = openStream(step)
    remember(streams, runId, stream)
  }
  const { delta, carried } = rawDelta(stream, step)
  if (carried === '' && stream.held === '' && !stream.redacted && secrets.isClean(delta)) {
    // The fast path: everything sent so far is the raw text, and so is this step's.
    stream.rawLen += delta.length
    stream.sent = null
    return step.delta === delta ? null : { delta, text: undefined }
  }
  // The text as sent before this step: kept while it differs from the raw text, else the raw text
  // minus the held tail (unknown when a secret was replaced in a step that carried no text).
  const base = stream.sent ?? (stream.redacted ? undefined : step.full?.slice(0, stream.rawLen - stream.held.length))
  const scanned = scan(secrets, carried + stream.held + delta, carried.length, false)
  const text = base === undefined ? undefined : base + scanned.after
  stream.rawLen += delta.length
  stream.held = scanned.held
  stream.redacted ||= scanned.redacted
  stream.sent = stream.redacted || stream.held !== '' ? (text ?? null) : null
  return { delta: scanned.before + scanned.after, text: text ?? (stream.redacted ? null : undefined) }
}
