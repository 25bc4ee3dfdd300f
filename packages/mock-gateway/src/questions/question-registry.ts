import { randomBytes } from 'node:crypto'
import type { GatewayConnection } from '../connection/connection.js'
import { Scopes } from '../connection/scopes.js'
import { GatewayRequestError, invalidRequest } from '../gateway/errors.js'
import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'

/** How a question ended, as the waiting `ask_user` learns it. */
export type QuestionOutcome =
  | { status: 'answered'; answers: { answers: Record<string, string[]> } }
  | { status: 'cancelled' }
  | { status: 'no_answer' }

/** One question as `question.requested` / `question.list` show it. */
export interface QuestionRecord {
  id: string
  questions: Array<Record<string, unknown>>
  agentId: string
  sessionKey: string
  runId: string
  createdAtMs: number
  expiresAtMs: number
  status: 'pending'
}

interface Entry {
  record: QuestionRecord
  timer: NodeJS.Timeout
  settle: (outcome: QuestionOutcome) => void
  /** The `question.resolved` payload, once decided (sent by {@link QuestionRegistry.announce}). */
  resolved?: Record<string, unknown>
}

/** How many answered/cancelled ids are remembered for the already-terminal refusal. */
const FINISHED_KEPT = 1000

/** The real gateway waits this long after the tool's `no_answer` before `question.resolved` `expired`. */
export const EXPIRED_EVENT_DELAY_MS = 5000

/** `question.*` without `operator.questions` / `operator.admin` (t3 Q3, verbatim). */
export function questionsForbidden(): GatewayRequestError {
  return new GatewayRequestError({
    code: 'FORBIDDEN',
    message: 'Session-scoped access requires a verified user profile.',
  })
}

/** Whether a connection gets `question.*` events and may call `question.*`. */
export function hasQuestionsScope(conn: GatewayConnection): boolean {
  return conn.scopes.includes(Scopes.ADMIN) || conn.scopes.includes(Scopes.QUESTIONS)
}

/**
 * The gateway's `ask_user` questions (t3): `question.requested` to every connection with
 * `operator.questions` or `operator.admin` (no caps, session or device filter), answered or cancelled
 * by `question.resolve`, `no_answer` to the tool when `timeoutSeconds` pass and `question.resolved`
 * `expired` ~5 s later. `question.resolved` carries only the id (and status/answers).
 */
export class QuestionRegistry {
  private readonly pending = new Map<string, Entry>()
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Answered/cancelled ids, newest last (bounded): answering again is `QUESTION_ALREADY_TERMINAL`, as recorded. */
  private readonly finished = new Map<string, string>()

  constructor(
    private readonly connections: () => GatewayConnection[],
    private readonly timeScale: () => number,
  ) {}

  /** Asks: sends `question.requested`; `settle` learns the outcome. */
  ask(
    p: { sessionKey: string; runId: string; questions: Array<Record<string, unknown>>; timeoutSeconds: number },
    settle: (outcome: QuestionOutcome) => void,
  ): QuestionRecord {
    const createdAtMs = Date.now()
    const record: QuestionRecord = {
      id: `ask_${randomBytes(16).toString('hex')}`,
      questions: p.questions,
      agentId: MAIN_AGENT_ID,
      sessionKey: p.sessionKey,
      runId: p.runId,
      createdAtMs,
      expiresAtMs: createdAtMs + p.timeoutSeconds * 1000,
      status: 'pending',
    }
    const timer = setTimeout(() => this.expire(record.id), p.timeoutSeconds * 1000 * this.timeScale())
    timer.unref()
    this.pending.set(record.id, { record, timer, settle })
    this.send('question.requested', record)
    return record
  }

  /** `question.list`: every pending question (the scope is the only filter). */
  list(conn: GatewayConnection): QuestionRecord[] {
    if (!hasQuestionsScope(conn)) throw questionsForbidden()
    return [...this.pending.values()].filter((e) => e.resolved === undefined).map((e) => e.record)
  }

  /** `question.resolve {id, answers}` or `{id, cancel:true}`: the answer of the method. */
  resolve(conn: GatewayConnection, id: string, answers: Record<string, string[]> | undefined): QuestionOutcome {
    if (!hasQuestionsScope(conn)) throw questionsForbidden()
    const entry = this.pending.get(id)
    // As recorded on 2026.9.6 (e2e/real-gateway/fixtures/tools/tools-facts.json).
    const terminal = entry?.resolved?.status ?? this.finished.get(id)
    if (terminal !== undefined) {
      throw invalidRequest(`question '${id}' is already ${String(terminal)}`, {
        reason: 'QUESTION_ALREADY_TERMINAL',
      })
    }
    if (!entry) throw invalidRequest(`question '${id}' was not found`, { reason: 'QUESTION_NOT_FOUND' })
    clearTimeout(entry.timer)
    const outcome: QuestionOutcome = answers ? { status: 'answered', answers: { answers } } : { status: 'cancelled' }
    entry.resolved = { id, ...outcome }
    entry.settle(outcome)
    return outcome
  }

  /**
   * Sends `question.resolved` of an answered or cancelled question (after the tool's result, as
   * recorded); an expired one is announced by its own timer, ~5 s after the tool's `no_answer`.
   */
  announce(id: string, expiredToo = false): void {
    const entry = this.pending.get(id)
    if (!entry?.resolved || (entry.resolved.status === 'expired' && !expiredToo)) return
    this.pending.delete(id)
    if (entry.resolved.status !== 'expired') this.remember(id, String(entry.resolved.status))
    this.send('question.resolved', entry.resolved)
  }

  private remember(id: string, status: string): void {
    this.finished.set(id, status)
    const oldest = this.finished.keys().next().value
    if (this.finished.size > FINISHED_KEPT && oldest !== undefined) this.finished.delete(oldest)
  }

  /** The run was aborted: the question is cancelled. */
  cancel(id: string): void {
    const entry = this.pending.get(id)
    if (!entry || entry.resolved !== undefined) return
    clearTimeout(entry.timer)
    entry.resolved = { id, status: 'cancelled' }
    this.announce(id)
  }

  /** Stops every timer (restart). */
  clear(): void {
    for (const e of this.pending.values()) clearTimeout(e.timer)
    for (const t of this.timers) clearTimeout(t)
    this.pending.clear()
    this.finished.clear()
    this.timers.clear()
  }

  private expire(id: string): void {
    const entry = this.pending.get(id)
    if (!entry || entry.resolved !== undefined) return
    entry.resolved = { id, status: 'expired' }
    entry.settle({ status: 'no_answer' })
    const later = setTimeout(() => {
      this.timers.delete(later)
      this.announce(id, true)
    }, EXPIRED_EVENT_DELAY_MS * this.timeScale())
    later.unref()
    this.timers.add(later)
  }

  private send(event: string, payload: unknown): void {
    for (const c of this.connections()) if (c.isConnected && hasQuestionsScope(c)) c.sendEvent(event, payload)
  }
}
