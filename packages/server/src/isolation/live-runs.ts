/**
 * The text of each run in progress, as the browsers were sent it (issue 19, the lean wire): one
 * store per proxy, fed by the router once per gateway `chat` event after stream redaction (so the
 * text is exactly the join of the `deltaText`s a browser got, with `replace` starting it over),
 * forgotten at the run's `final`/`error`/`aborted`. A lean connection's run head carries the text
 * so far from here, a lean `final` is checked against it, and `clawchat.runs` answers from it.
 * Bounded: at most {@link MAX_LIVE_RUNS} runs (runs that never end, e.g. the gateway restarted),
 * the oldest forgotten first.
 */
import type { LeanRunText } from '@clawchat/protocol'
import { isRecord, type Json } from '../common/records.js'
import { textOf } from './message-text.js'

/** Most runs remembered at once (like `text-stream.ts` `MAX_STREAMS`): the oldest is dropped. */
export const MAX_LIVE_RUNS = 4096

/** One run in progress. A new object when the store meets a run again after forgetting it. */
export interface LiveRun {
  /** The upstream run id (the store's key). */
  readonly key: string
  readonly userId: string
  /** The browser's run id. */
  readonly runId: string
  /** The browser's session key. */
  readonly sessionKey: string
  /** The whole text so far, as sent. */
  text: string
}

/** What one `chat` delta did to its run: the text it adds (or starts over with). */
export interface LiveStep {
  run: LiveRun
  /** The new text; with `replace`, the whole text. */
  deltaText: string
  /** The text started over with `deltaText`. */
  replace: boolean
  /** The store had not seen the run before this delta (its text came from this delta's `message`). */
  fresh: boolean
}

/** Whose run a delta is, in the browser's names. */
export interface RunOwner {
  userId: string
  runId: string
  sessionKey: string
}

/**
 * The live runs of one proxy.
 *
 * @example
 * const live = new LiveRuns()
 * const step = live.delta(upstreamRunId, { userId, runId, sessionKey }, redactedPayload)
 * live.ofUser(userId) // [{ runId, sessionKey, text }]
 * live.end(upstreamRunId) // at final / error / aborted
 */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>()
  private readonly byUser = new Map<string, Set<LiveRun>>()

  /** How many runs are remembered. */
  get size(): number {
    return this.runs.size
  }

  /**
   * Advances the run `key` by one `chat` delta (its payload after stream redaction): `deltaText`
   * is appended (`replace: true`: the text starts over with it). A delta without `deltaText` adds
   * what its `message` has beyond the text so far (or starts over with it); a run first seen in
   * the middle takes its `message` (the whole text so far) as its text.
   */
  delta(key: string, owner: RunOwner, payload: Json): LiveStep {
    const deltaText = typeof payload.deltaText === 'string' ? payload.deltaText : undefined
    const full = textOf(payload.message)
    const replace = payload.replace === true
    const known = this.runs.get(key)
    if (!known || known.userId !== owner.userId) {
      const text = (replace ? (deltaText ?? full) : (full ?? deltaText)) ?? ''
      const run = this.remember({ key, userId: owner.userId, runId: owner.runId, sessionKey: owner.sessionKey, text })
      return { run, deltaText: text, replace, fresh: true }
    }
    if (replace) {
      known.text = deltaText ?? full ?? ''
      return { run: known, deltaText: known.text, replace: true, fresh: false }
    }
    const before = known.text.length
    // `message` and the joined deltas agree (the stream redactor keeps them so); when a delta was
    // skipped or merged upstream, the whole text is the truth.
    if (deltaText !== undefined && (full === undefined || full.length === before + deltaText.length)) {
      known.text += deltaText
      return { run: known, deltaText, replace: false, fresh: false }
    }
    if (full === undefined) return { run: known, deltaText: '', replace: false, fresh: false }
    if (full.length >= before && full.startsWith(known.text)) {
      known.text = full
      return { run: known, deltaText: full.slice(before), replace: false, fresh: false }
    }
    known.text = full
    return { run: known, deltaText: full, replace: true, fresh: false }
  }

  /** Forgets the run `key` (its `final`, `error` or `aborted`); answers it, if it was remembered. */
  end(key: string): LiveRun | undefined {
    const run = this.runs.get(key)
    if (run) this.forget(run)
    return run
  }

  /** Every run in progress (oldest first). */
  all(): IterableIterator<LiveRun> {
    return this.runs.values()
  }

  /** The user's runs in progress, each with its text so far (oldest first). */
  ofUser(userId: string): LeanRunText[] {
    const runs = this.byUser.get(userId)
    if (!runs) return []
    return [...runs].map((run) => ({ runId: run.runId, sessionKey: run.sessionKey, text: run.text }))
  }

  private remember(run: LiveRun): LiveRun {
    const previous = this.runs.get(run.key)
    if (previous) this.forget(previous)
    if (this.runs.size >= MAX_LIVE_RUNS) {
      const oldest = this.runs.values().next().value
      if (oldest) this.forget(oldest)
    }
    this.runs.set(run.key, run)
    let mine = this.byUser.get(run.userId)
    if (!mine) this.byUser.set(run.userId, (mine = new Set()))
    mine.add(run)
    return run
  }

  private forget(run: LiveRun): void {
    this.runs.delete(run.key)
    const mine = this.byUser.get(run.userId)
    if (!mine) return
    mine.delete(run)
    if (mine.size === 0) this.byUser.delete(run.userId)
  }
}

/** Is `payload` a `chat` event that ends its run? */
export function endsRun(payload: Json): boolean {
  const { state } = payload
  return state === 'final' || state === 'error' || state === 'aborted'
}

/** The one text part of a final's message, when that is all its content is (`{type:'text', text}` exactly). */
export function soleTextPart(message: unknown): string | undefined {
  if (!isRecord(message) || !Array.isArray(message.content) || message.content.length !== 1) return undefined
  const part: unknown = message.content[0]
  if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return undefined
  for (const field in part) if (field !== 'type' && field !== 'text') return undefined
  return part.text
}
