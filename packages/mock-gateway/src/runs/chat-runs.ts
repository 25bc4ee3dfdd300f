import { createHash } from 'node:crypto'

/** How long a finished run's idempotency entry answers `status:"ok"` (the gateway source says 5 min). */
export const DEDUPE_TTL_MS = 5 * 60 * 1000

/**
 * How many idempotency entries are kept: 1000 for the whole gateway, whoever sent them (openclaw
 * 2026.9.6 `DEDUPE_MAX`; its maintenance timer drops the oldest finished ones once a minute). One
 * user's flood pushes everybody else's keys out — the proxy bounds each user (`userChatSendsPer5Min`).
 */
export const DEDUPE_MAX_ENTRIES = 1000

/** The message of a reused `idempotencyKey` with different text (SESSIONS-AND-BROADCAST Q4, verbatim). */
export const CHAT_REQUEST_CONFLICT_MESSAGE =
  'This message ID was already used for different input. ' +
  'Check the conversation history and use a new message ID to send again.'

/** The part of a run the registry needs. */
export interface RegisteredRun {
  readonly runId: string
  readonly sessionKey: string
  readonly ownerId: string
  /** Aborts the run as `chat.abort` does; false if it was no longer running. */
  abort(): boolean
}

interface DedupeEntry {
  runId: string
  textHash: string
  state: 'in_flight' | 'done'
  finishedAt: number
}

/** What `chat.send` should do with an idempotency key. */
export type Admission = { kind: 'new' } | { kind: 'in_flight' | 'ok'; runId: string } | { kind: 'conflict' }

function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * The runs of the gateway: the active ones (for `chat.abort`, shutdown) and the global idempotency
 * cache (SESSIONS-AND-BROADCAST Q4): keyed by `idempotencyKey` only, so the same key and text on
 * another session returns the first session's run, and different text is a conflict.
 */
export class RunRegistry<R extends RegisteredRun = RegisteredRun> {
  private readonly dedupe = new Map<string, DedupeEntry>()
  private readonly active = new Map<string, R>()

  /** Decides a `chat.send` with this key and text: start a run, answer from the cache, or conflict. */
  admit(idempotencyKey: string, text: string, now = Date.now()): Admission {
    this.expire(now)
    const entry = this.dedupe.get(idempotencyKey)
    if (!entry) return { kind: 'new' }
    if (entry.textHash !== hashText(text)) return { kind: 'conflict' }
    return { kind: entry.state === 'in_flight' ? 'in_flight' : 'ok', runId: entry.runId }
  }

  /** Registers a started run under its idempotency key (= its runId). */
  register(run: R, text: string): void {
    this.remember(run.runId, text, 'in_flight')
    this.active.set(run.runId, run)
  }

  /** Records a request answered at once (a text command): later sends with its key answer `ok`. */
  remember(runId: string, text: string, state: DedupeEntry['state'] = 'done', now = Date.now()): void {
    this.dedupe.delete(runId)
    this.dedupe.set(runId, { runId, textHash: hashText(text), state, finishedAt: state === 'done' ? now : 0 })
    // Past the bound the oldest FINISHED keys go, whoever sent them; a running run's key is never
    // dropped (the real gateway prunes the same way, once a minute instead of at every new key).
    let excess = this.dedupe.size - DEDUPE_MAX_ENTRIES
    for (const [key, entry] of this.dedupe) {
      if (excess <= 0) break
      if (entry.state === 'in_flight') continue
      this.dedupe.delete(key)
      excess -= 1
    }
  }

  /** Marks a run finished (done, failed or aborted): later sends with its key answer `ok`. */
  complete(runId: string, now = Date.now()): void {
    this.active.delete(runId)
    const entry = this.dedupe.get(runId)
    if (entry) {
      entry.state = 'done'
      entry.finishedAt = now
    }
  }

  /** The running run with this id. */
  activeRun(runId: string): R | undefined {
    return this.active.get(runId)
  }

  /** The running runs of a canonical session key. */
  activeInSession(sessionKey: string): R[] {
    return [...this.active.values()].filter((r) => r.sessionKey === sessionKey)
  }

  /** Every running run. */
  activeRuns(): R[] {
    return [...this.active.values()]
  }

  /** Forgets everything (a restarted gateway starts with an empty in-memory cache). */
  clear(): void {
    this.active.clear()
    this.dedupe.clear()
  }

  private expire(now: number): void {
    for (const [key, entry] of this.dedupe) {
      if (entry.state === 'done' && now - entry.finishedAt > DEDUPE_TTL_MS) this.dedupe.delete(key)
    }
  }
}
