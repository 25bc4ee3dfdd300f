import { setTimeout as sleep } from 'node:timers/promises'
import type { ModelFailure, RunEmitter } from './run-emitter.js'
import type { RunHost } from './run-host.js'
import { runSettled, runStepCauses, type RunStep } from './run-session.js'
import type { SessionRecord } from '../sessions/session-store.js'
import { RUN_SILENCED } from '../tools/tool-context.js'

/** How a run ended. */
export type RunState = 'running' | 'done' | 'aborted' | 'failed'

const AGENT_ERROR_DETAIL = { failoverReason: 'unknown', providerRuntimeFailureKind: 'unknown' }

/**
 * What every run has: its identity, its stop signal (abort or silence), and its endings other than
 * success: the model-error ending (transcripts-more/q2-failures-ERR400.txt) and the tail of an
 * abort (transcripts-sessions/q3-abort.txt). {@link ChatRun} drives the run itself.
 */
export abstract class RunBase {
  readonly sessionKey: string
  state: RunState = 'running'
  /** Settles when the run has emitted its last event (never rejects). */
  done: Promise<void> = Promise.resolve()
  protected readonly controller = new AbortController()
  /** Rejects once the run is stopped (aborted or silenced); see {@link RunBase.race}. */
  private readonly stopped: Promise<never>
  protected silenced = false
  protected lifecycleStartedAt = Date.now()

  protected constructor(
    protected readonly host: RunHost,
    protected readonly session: SessionRecord,
    protected readonly events: RunEmitter,
    readonly runId: string,
  ) {
    this.sessionKey = session.key
    this.stopped = new Promise<never>((_resolve, reject) => {
      this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true })
    })
    this.stopped.catch(() => {})
  }

  /** Stops the run without emitting anything more (the gateway crashed or is shutting down). */
  silence(): void {
    if (this.state === 'running') {
      this.state = 'aborted'
      this.settle('killed', Date.now())
    }
    this.silenced = true
    this.controller.abort(RUN_SILENCED)
  }

  protected get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Waits `ms`, or rejects as soon as the run is stopped. */
  protected pause(ms: number): Promise<void> {
    return sleep(Math.max(0, ms), undefined, { signal: this.signal })
  }

  /** Resolves with `promise`, or rejects as soon as the run is stopped (a stop that came first wins). */
  protected race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([this.stopped, promise])
  }

  protected settle(status: 'done' | 'killed' | 'failed', now: number): void {
    runSettled(this.session, this.runId, status, now)
    this.host.runFinished(this.runId)
  }

  /** After the run threw: the abort tail if it was aborted, nothing if silenced, else a failure. */
  protected async stoppedOrFailed(err: unknown): Promise<void> {
    if (this.silenced) return
    if (this.state === 'aborted') {
      await this.emitAbortTail()
      return
    }
    if (this.state !== 'running') return
    const message = err instanceof Error && err.message ? err.message : 'agent failed'
    await this.fail({ message, detail: AGENT_ERROR_DETAIL, failureDetail: message })
  }

  /** The model-error ending (transcripts-more/q2-failures-ERR400.txt). */
  protected async fail(failure: ModelFailure): Promise<void> {
    if (this.state !== 'running') return
    const now = Date.now()
    this.events.failed(failure, this.lifecycleStartedAt, now)
    this.state = 'failed'
    this.session.systemSent = true
    this.settle('failed', now)
    // The second error event arrives 15–30 ms after the first on the real gateway.
    await sleep(20)
    if (this.silenced) return
    this.events.replyError(failure.message)
    this.emitRunSessionsChanged(['agent.run.started', 'start', 'end', 'agent.input.settled'])
  }

  /** What follows an abort after its response: the released model and the `error` lifecycle. */
  private async emitAbortTail(): Promise<void> {
    await sleep(5)
    if (this.silenced) return
    this.events.abortTail(this.lifecycleStartedAt, Date.now())
    this.emitRunSessionsChanged(['end', 'agent.input.settled'])
  }

  protected emitRunSessionsChanged(steps: RunStep[]): void {
    for (const cause of runStepCauses(steps, this.runId)) this.host.emitSessionsChanged(this.session, cause)
  }
}
