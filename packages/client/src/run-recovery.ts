import type { ChatMessage } from '@clawchat/protocol'
import { findReply } from './history-match.js'

/** The `chat.send` params a tracked run was sent with (sent again as they are). */
export interface SentParams {
  sessionKey: string
  message: string
  idempotencyKey: string
  [key: string]: unknown
}

interface Run<P> {
  params: SentParams
  /** Its request while it waits for the server's answer; `undefined` once acknowledged. */
  pending: P | undefined
}

/** What {@link RunRecovery.check} needs from the client. */
export interface RecoveryHost<P> {
  /** The session's latest messages (rejects when the history is not available). */
  history(sessionKey: string): Promise<readonly ChatMessage[]>
  /** The run is stored: answer its waiting request without sending it again. */
  answer(pending: P, result: { runId: string; status: 'ok' | 'in_flight' }): void
  /** The run was acknowledged but its message is not stored: send it again, with its own key. */
  resend(params: SentParams): void
}

/** Runs tracked at most (the oldest are forgotten first). */
const MAX_RUNS = 1000

/**
 * The `chat.send`s made with `send()`/`request()`, from the call until their run ends (a terminal
 * `chat` event, or a refusal). After a reconnect or `clawchat.gateway up` {@link check} looks in
 * each session's history before anything goes again: a message that is stored is never sent twice
 * (its waiting request is answered `in_flight`/`ok`), an acknowledged one that is not stored (lost
 * by a gateway restart) is sent again with the same key. The gateway's own dedupe cache lives in
 * its memory, so it cannot be what "exactly once" rests on across a restart.
 *
 * @example
 * recovery.track(params, pending)          // at chat.send
 * recovery.acked(runId)                    // its answer came
 * recovery.ended(runId)                    // final / error / aborted
 * await recovery.check(host)               // after a reconnect, before the queue goes out
 */
export class RunRecovery<P> {
  readonly #runs = new Map<string, Run<P>>()

  get size(): number {
    return this.#runs.size
  }

  track(params: SentParams, pending: P): void {
    const id = params.idempotencyKey
    this.#runs.delete(id)
    this.#runs.set(id, { params, pending })
    if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value!)
  }

  acked(runId: string): void {
    const run = this.#runs.get(runId)
    if (run) run.pending = undefined
  }

  ended(runId: unknown): void {
    this.#runs.delete(runId as string)
  }

  /** Compares every tracked run with its session's history (one request per session). */
  async check(host: RecoveryHost<P>): Promise<void> {
    const bySession = new Map<string, Run<P>[]>()
    for (const run of this.#runs.values()) {
      const key = run.params.sessionKey
      bySession.set(key, [...(bySession.get(key) ?? []), run])
    }
    await Promise.all(
      [...bySession].map(async ([key, runs]) => {
        const messages = await host.history(key).catch(() => undefined)
        if (!messages) return // not available now: the next reconnect or `up` checks again
        for (const run of runs) {
          const id = run.params.idempotencyKey
          if (this.#runs.get(id) !== run) continue
          const found = findReply(messages, run.params.message, id)
          if (found.user) {
            this.#runs.delete(id)
            if (run.pending) host.answer(run.pending, { runId: id, status: found.reply ? 'ok' : 'in_flight' })
          } else if (!run.pending) host.resend(run.params)
        }
      }),
    )
  }
}
