/**
 * Whose questions are whose: `question.resolved` carries only the question's id, so the proxy
 * remembers id → owner from `question.requested` (and from upstream `question.list`). Bounded (the
 * oldest go first past `max`) and expiring (an entry is dropped a while after its question expired:
 * the gateway's `expired` event comes a few seconds after the expiry).
 */
import type { KeyParser } from '../key-cache.js'
import { browserRunId } from '../sanitize.js'
import { isRecord, type Json } from '../../common/records.js'

/** How many questions the registry keeps at most. */
export const QUESTIONS_MAX = 2000
/** How long after its expiry (or its answer) a question's owner is still remembered, ms. */
export const QUESTION_KEEP_MS = 5 * 60_000

/** Whose question it is. */
export interface QuestionOwner {
  userId: string
  /** The browser's session key. */
  sessionKey: string
  /** The browser's run id. */
  runId?: string
}

interface QuestionEntry {
  owner: QuestionOwner
  /** When to forget it. */
  forgetAt: number
}

/** The owner of a `question.requested` payload (from its session key and run id, which must agree), or `null`. */
export function questionOwner(namespace: string, keys: KeyParser, payload: Json): QuestionOwner | null {
  const key = keys.sessionKey(payload.sessionKey)
  const run = keys.runId(payload.runId)
  if (key && run && (key.userId !== run.userId || key.sessionKey !== run.sessionKey)) return null
  const owner = key ?? run
  if (!owner) return null
  const out: QuestionOwner = { userId: owner.userId, sessionKey: owner.sessionKey }
  const runId = browserRunId({ namespace, userId: owner.userId, keys }, payload.runId)
  if (runId !== undefined) out.runId = runId
  return out
}

/**
 * The owners of the questions of one proxy.
 *
 * @example
 * const questions = new QuestionRegistry('clawchat', keys)
 * questions.remember(payload)   // question.requested
 * questions.owner(id)           // on question.resolved
 */
export class QuestionRegistry {
  private readonly entries = new Map<string, QuestionEntry>()

  constructor(
    private readonly namespace: string,
    private readonly keys: KeyParser,
    private readonly now: () => number = Date.now,
    private readonly max: number = QUESTIONS_MAX,
  ) {}

  /** Remembers the owner of a `question.requested` payload (or a `question.list` row); answers it, or `null`. */
  remember(payload: unknown): QuestionOwner | null {
    if (!isRecord(payload) || typeof payload.id !== 'string' || payload.id.length === 0) return null
    const owner = questionOwner(this.namespace, this.keys, payload)
    if (!owner) return null
    const nowMs = this.now()
    const expires = typeof payload.expiresAtMs === 'number' ? payload.expiresAtMs : nowMs + 60 * 60_000
    this.entries.delete(payload.id)
    this.entries.set(payload.id, { owner, forgetAt: Math.max(expires, nowMs) + QUESTION_KEEP_MS })
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next()
      if (oldest.done) break
      this.entries.delete(oldest.value)
    }
    return owner
  }

  /** The owner of question `id`, while remembered. */
  owner(id: unknown): QuestionOwner | undefined {
    if (typeof id !== 'string') return undefined
    const entry = this.entries.get(id)
    if (!entry) return undefined
    if (entry.forgetAt <= this.now()) {
      this.entries.delete(id)
      return undefined
    }
    return entry.owner
  }

  /** The question was resolved: remember its owner only a short while longer (a late second answer). */
  resolved(id: string): void {
    const entry = this.entries.get(id)
    if (entry) entry.forgetAt = Math.min(entry.forgetAt, this.now() + QUESTION_KEEP_MS)
  }

  get size(): number {
    return this.entries.size
  }
}
