import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { countWords, replyIterator } from './agent-reply.js'
import { RunEmitter, type ModelFailure } from './run-emitter.js'
import type { RunHost, RunSettings } from './run-host.js'
import { modelStarted, replyCompleted, runAccepted, runSettled, runStepCauses, type RunStep } from './run-session.js'
import type { SessionRecord, StoredMessage } from '../sessions/session-store.js'

/** How a run ended. */
export type RunState = 'running' | 'done' | 'aborted' | 'failed'

/** What a cut model stream reports before it is retried. */
const CUT: Omit<ModelFailure, 'failureDetail'> = {
  message: 'LLM request timed out.',
  detail: { failoverReason: 'timeout', providerRuntimeFailureKind: 'timeout' },
}
const AGENT_ERROR_DETAIL = { failoverReason: 'unknown', providerRuntimeFailureKind: 'unknown' }

/**
 * One `chat.send` run: emits the real gateway's event sequence to every operator connection
 * (transcripts/chat-and-agent-frames.txt): `chat` status ×3 with their `agent` `run_status`,
 * `lifecycle` start/model, per chunk `agent` `assistant` + `chat` `delta`, `usage`, `lifecycle`
 * finishing/model/end and `chat` `final` — the payload `seq` per run and shared by both streams.
 * Also the abort (`state:"aborted"`, `stopReason:"rpc"`), model-error and cut-stream variants.
 * The events themselves are {@link RunEmitter}'s; this class drives the run and its session.
 */
export class ChatRun {
  readonly runId: string
  readonly sessionKey: string
  readonly ownerId: string
  readonly connectionId: string
  state: RunState = 'running'
  /** Settles when the run has emitted its last event (never rejects). */
  done: Promise<void> = Promise.resolve()

  private readonly controller = new AbortController()
  /** Rejects once the run is stopped (aborted or silenced); see {@link ChatRun.race}. */
  private readonly stopped: Promise<never>
  private readonly events: RunEmitter
  private readonly acceptedAt = Date.now()
  private lifecycleStartedAt = Date.now()
  private reply = ''
  private itemId = `${randomUUID()}:1`
  private silenced = false

  constructor(
    private readonly host: RunHost,
    private readonly session: SessionRecord,
    private readonly p: {
      runId: string
      message: string
      userMessage: StoredMessage
      ownerId: string
      connectionId: string
      settings: RunSettings
    },
  ) {
    this.runId = p.runId
    this.sessionKey = session.key
    this.ownerId = p.ownerId
    this.connectionId = p.connectionId
    this.events = new RunEmitter(host, { runId: p.runId, sessionKey: session.key, sessionId: session.sessionId })
    this.stopped = new Promise<never>((_resolve, reject) => {
      this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true })
    })
    this.stopped.catch(() => {})
    runAccepted(session, p.runId)
  }

  /** Starts emitting events (call after the `chat.send` ack is on the wire). */
  start(): void {
    this.done = this.execute().catch((err: unknown) => {
      this.host.log(`run ${this.runId}: unexpected error ${(err as Error)?.message ?? String(err)}`)
    })
  }

  /**
   * Aborts like `chat.abort`: synchronously emits `chat` `aborted` with the partial text and the
   * cancelled `lifecycle` `end`, so they precede the abort's response; the trailing lifecycle
   * events follow shortly after (transcripts-sessions/q3-abort.txt). False if not running.
   */
  abort(): boolean {
    if (this.state !== 'running') return false
    this.state = 'aborted'
    const now = Date.now()
    this.events.aborted(this.reply, this.acceptedAt, now)
    if (this.reply !== '') {
      this.host.store.appendAssistantMessage(this.session, {
        text: this.reply,
        runId: this.runId,
        inputTokens: this.inputTokens(),
        outputTokens: countWords(this.reply),
      })
    }
    this.settle('killed', now)
    this.session.abortedLastRun = true
    this.controller.abort()
    return true
  }

  /** Stops the run without emitting anything more (the gateway crashed or is shutting down). */
  silence(): void {
    if (this.state === 'running') {
      this.state = 'aborted'
      this.settle('killed', Date.now())
    }
    this.silenced = true
    this.controller.abort()
  }

  private inputTokens(): number {
    return countWords(this.p.message) + 8
  }

  private settle(status: 'done' | 'killed' | 'failed', now: number): void {
    runSettled(this.session, this.runId, status, now)
    this.host.runFinished(this.runId)
  }

  private get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Waits `ms`, or rejects as soon as the run is stopped. */
  private pause(ms: number): Promise<void> {
    return sleep(Math.max(0, ms), undefined, { signal: this.signal })
  }

  /** Resolves with `promise`, or rejects as soon as the run is stopped (a stop that came first wins). */
  private race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([this.stopped, promise])
  }

  private startModel(): void {
    this.lifecycleStartedAt = Date.now()
    modelStarted(this.session, this.lifecycleStartedAt)
    this.events.modelStart(this.lifecycleStartedAt)
  }

  private emitChunk(chunk: string): void {
    this.reply += chunk
    this.events.chunk(chunk, this.reply, this.itemId)
  }

  private async execute(): Promise<void> {
    const { settings } = this.p
    try {
      await this.pause(settings.phaseDelayMs)
      this.events.phase('preparing_workspace')
      await this.pause(settings.phaseDelayMs)
      this.events.phase('preparing_context')
      const now = Date.now()
      this.session.placementCreatedAt ??= now
      this.session.placementUpdatedAt = now
      this.host.emitSessionMessage(this.session, this.p.userMessage)
      await this.pause(settings.phaseDelayMs)
      this.startModel()
      await this.pause(settings.phaseDelayMs)
      const { failure } = settings
      if (failure.kind === 'model-error') {
        const { errorMessage: message, detail, failureDetail } = failure
        await this.fail({ message, detail, failureDetail })
        return
      }
      await this.stream(settings)
      this.finish()
    } catch (err) {
      await this.stoppedOrFailed(err)
    }
  }

  /** After the run threw: the abort tail if it was aborted, nothing if silenced, else a failure. */
  private async stoppedOrFailed(err: unknown): Promise<void> {
    if (this.silenced) return
    if (this.state === 'aborted') {
      await this.emitAbortTail()
      return
    }
    if (this.state !== 'running') return
    const message = err instanceof Error && err.message ? err.message : 'agent failed'
    await this.fail({ message, detail: AGENT_ERROR_DETAIL, failureDetail: message })
  }

  /** Streams the agent's reply chunk by chunk, cutting and retrying it as the failure mode says. */
  private async stream(settings: RunSettings): Promise<void> {
    const context = { sessionKey: this.sessionKey, runId: this.runId, signal: this.signal }
    const reply = await this.race(Promise.resolve().then(() => settings.agent(this.p.message, context)))
    const iterator = replyIterator(reply)
    const cut = settings.failure.kind === 'cut-stream' ? settings.failure : undefined
    let cutsDone = 0
    let chunksThisAttempt = 0
    let first = true
    try {
      for (;;) {
        const next = await this.race(Promise.resolve(iterator.next()))
        if (next.done) break
        const chunk = String(next.value ?? '')
        if (chunk === '') continue
        if (!first) await this.pause(settings.chunkDelayMs)
        first = false
        this.emitChunk(chunk)
        chunksThisAttempt += 1
        if (cut && cutsDone < cut.cuts && chunksThisAttempt >= cut.cutAfterChunks) {
          cutsDone += 1
          await this.cutAndRetry(cutsDone, settings)
          chunksThisAttempt = 0
        }
      }
      while (cut && cutsDone < cut.cuts && this.reply !== '') {
        cutsDone += 1
        await this.cutAndRetry(cutsDone, settings)
      }
    } finally {
      if (this.signal.aborted) void Promise.resolve(iterator.return?.()).catch(() => {})
    }
  }

  /** A cut model stream retried (transcripts-more/q2-failures-CUT_OK_CUTEND_OK.txt). */
  private async cutAndRetry(attempt: number, settings: RunSettings): Promise<void> {
    const retryDelayMs = Math.max(settings.phaseDelayMs, settings.chunkDelayMs)
    this.events.streamCut(CUT.message, CUT.detail, attempt, retryDelayMs)
    await this.pause(retryDelayMs)
    this.events.replaceText(this.itemId)
    this.events.phase('preparing_context')
    this.startModel()
    const previous = this.reply
    this.reply = ''
    this.itemId = `${randomUUID()}:1`
    await this.pause(settings.phaseDelayMs)
    if (previous !== '') this.emitChunk(previous)
  }

  private finish(): void {
    const now = Date.now()
    const outputTokens = countWords(this.reply)
    this.events.usage(outputTokens, now)
    const assistant = this.host.store.appendAssistantMessage(this.session, {
      text: this.reply,
      runId: this.runId,
      inputTokens: this.inputTokens(),
      outputTokens,
    })
    this.host.emitSessionMessage(this.session, assistant)
    const endedAt = this.events.finished(this.reply, this.lifecycleStartedAt, now)
    this.state = 'done'
    replyCompleted(this.session, this.inputTokens(), outputTokens)
    this.settle('done', endedAt)
    this.emitRunSessionsChanged(['agent.run.started', 'start', 'model', 'model', 'end', 'agent.input.settled'])
  }

  /** The model-error ending (transcripts-more/q2-failures-ERR400.txt). */
  private async fail(failure: ModelFailure): Promise<void> {
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

  private emitRunSessionsChanged(steps: RunStep[]): void {
    for (const cause of runStepCauses(steps, this.runId)) this.host.emitSessionsChanged(this.session, cause)
  }
}
