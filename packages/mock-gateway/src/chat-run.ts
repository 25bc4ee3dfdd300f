import { randomUUID } from 'node:crypto'
import type { MockAgent, MockAgentReply } from './agent.js'
import { MODEL } from './fixtures/gateway-identity.js'
import type { ResolvedFailure } from './options.js'
import {
  agentAssistant,
  agentLifecycle,
  agentLifecycleTail,
  agentModelReleased,
  agentRetrying,
  agentRunStatus,
  agentUsage,
  chatAborted,
  chatDelta,
  chatFinal,
  chatReplace,
  chatReplyError,
  chatRunError,
  chatStatus,
  endData,
  errorData,
  failedFinishingData,
  fallbackStepData,
  type ModelFailureDetail,
  type RunPhase,
  type RunRef,
} from './run-events.js'
import type { SessionsChangedCause } from './session-rows.js'
import type { SessionRecord, SessionStore, StoredMessage } from './session-store.js'

/** What a run needs from the gateway around it. */
export interface RunHost {
  readonly store: SessionStore
  /** Sends a `chat` event to every operator connection. */
  broadcastChat(payload: Record<string, unknown>): void
  /** Sends an `agent` event to every operator connection. */
  broadcastAgent(payload: Record<string, unknown>): void
  /** Sends `session.message` to the connections subscribed to it. */
  emitSessionMessage(session: SessionRecord, message: StoredMessage): void
  /** Sends `sessions.changed` to `sessions.subscribe` subscribers. */
  emitSessionsChanged(session: SessionRecord, cause: SessionsChangedCause): void
  /** Called once when the run is over, whatever the outcome. */
  runFinished(runId: string): void
  log(line: string): void
}

/** The settings a run is started with (taken at `chat.send`, so runtime changes affect later runs). */
export interface RunSettings {
  agent: MockAgent
  failure: ResolvedFailure
  chunkDelayMs: number
  phaseDelayMs: number
}

/** How a run ended. */
export type RunState = 'running' | 'done' | 'aborted' | 'failed'

const ABORT_TEXT = 'This operation was aborted'
const CUT_ERROR = 'LLM request timed out.'
const CUT_DETAIL: ModelFailureDetail = { failoverReason: 'timeout', providerRuntimeFailureKind: 'timeout' }
const AGENT_ERROR_DETAIL: ModelFailureDetail = { failoverReason: 'unknown', providerRuntimeFailureKind: 'unknown' }

class RunStopped extends Error {}

function countWords(text: string): number {
  const t = text.trim()
  return t === '' ? 0 : t.split(/\s+/).length
}

function toAsyncIterator(reply: MockAgentReply): AsyncIterator<string> | Iterator<string> {
  if (reply && typeof (reply as AsyncIterable<string>)[Symbol.asyncIterator] === 'function') {
    return (reply as AsyncIterable<string>)[Symbol.asyncIterator]()
  }
  if (reply && typeof (reply as Iterable<string>)[Symbol.iterator] === 'function') {
    return (reply as Iterable<string>)[Symbol.iterator]()
  }
  throw new TypeError('the agent must return an iterable or async iterable of text chunks')
}

/**
 * One `chat.send` run: emits the real gateway's event sequence to every operator connection
 * (transcripts/chat-and-agent-frames.txt): `chat` status ×3 with their `agent` `run_status`,
 * `lifecycle` start/model, per chunk `agent` `assistant` + `chat` `delta`, `usage`, `lifecycle`
 * finishing/model/end and `chat` `final` — the payload `seq` per run and shared by both streams.
 * Also the abort (`state:"aborted"`, `stopReason:"rpc"`), model-error and cut-stream variants.
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
  private readonly ref: RunRef
  private readonly acceptedAt = Date.now()
  private lifecycleStartedAt = Date.now()
  private seq = 0
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
    this.ref = { runId: p.runId, sessionKey: session.key, sessionId: session.sessionId }
    session.status = 'running'
    session.startedAt = undefined
    session.endedAt = undefined
    session.activeRunIds.push(p.runId)
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
    this.seq += 1
    this.host.broadcastChat(chatAborted(this.ref, this.seq, this.reply, now))
    this.host.broadcastAgent(
      agentLifecycle(
        this.ref,
        this.seq,
        {
          phase: 'end',
          status: 'cancelled',
          aborted: true,
          stopReason: 'rpc',
          startedAt: this.acceptedAt,
          endedAt: now,
        },
        now,
      ),
    )
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycle(this.ref, this.seq, { phase: 'model', provider: MODEL.provider, model: MODEL.id }, now),
    )
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
    const s = this.session
    s.status = status
    s.modelActive = false
    s.endedAt = now
    s.lastRunId = this.runId
    s.activeRunIds = s.activeRunIds.filter((id) => id !== this.runId)
    s.placementUpdatedAt = now
    s.updatedAt = now
    this.host.runFinished(this.runId)
  }

  private get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Waits `ms`, or throws {@link RunStopped} as soon as the run is aborted. */
  private pause(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new RunStopped())
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer)
        reject(new RunStopped())
      }
      const timer = setTimeout(
        () => {
          this.signal.removeEventListener('abort', onAbort)
          resolve()
        },
        Math.max(0, ms),
      )
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Resolves with `promise`, or throws {@link RunStopped} as soon as the run is aborted. */
  private race<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(new RunStopped())
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new RunStopped())
      this.signal.addEventListener('abort', onAbort, { once: true })
      promise.then(
        (v) => {
          this.signal.removeEventListener('abort', onAbort)
          resolve(v)
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      )
    })
  }

  private emitPhase(phase: RunPhase): void {
    this.seq += 1
    const now = Date.now()
    this.host.broadcastChat(chatStatus(this.ref, this.seq, phase))
    this.host.broadcastAgent(agentRunStatus(this.ref, this.seq, { phase }, now))
  }

  private emitModelStart(): void {
    this.lifecycleStartedAt = Date.now()
    this.session.startedAt ??= this.lifecycleStartedAt
    this.session.contextBudgetUpdatedAt = this.lifecycleStartedAt
    this.session.modelActive = true
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycle(
        this.ref,
        this.seq,
        { phase: 'start', startedAt: this.lifecycleStartedAt },
        this.lifecycleStartedAt,
      ),
    )
    this.emitPhase('starting_model')
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycle(this.ref, this.seq, { phase: 'model', provider: MODEL.provider, model: MODEL.id }, Date.now()),
    )
  }

  private emitChunk(chunk: string): void {
    this.reply += chunk
    this.seq += 1
    const now = Date.now()
    this.host.broadcastAgent(
      agentAssistant(this.ref, this.seq, { text: this.reply, delta: chunk, itemId: this.itemId }, now),
    )
    this.host.broadcastChat(chatDelta(this.ref, this.seq, chunk, this.reply, now))
  }

  private async execute(): Promise<void> {
    const { settings } = this.p
    try {
      await this.pause(settings.phaseDelayMs)
      this.emitPhase('preparing_workspace')
      await this.pause(settings.phaseDelayMs)
      this.emitPhase('preparing_context')
      const now = Date.now()
      this.session.placementCreatedAt ??= now
      this.session.placementUpdatedAt = now
      this.host.emitSessionMessage(this.session, this.p.userMessage)
      await this.pause(settings.phaseDelayMs)
      this.emitModelStart()
      await this.pause(settings.phaseDelayMs)
      if (settings.failure.kind === 'model-error') {
        await this.fail(settings.failure.errorMessage, settings.failure.detail, settings.failure.failureDetail)
        return
      }
      await this.stream(settings)
      this.finish()
    } catch (err) {
      if (this.silenced) return
      if (this.state === 'aborted') {
        await this.emitAbortTail()
        return
      }
      if (this.state !== 'running') return
      const message = err instanceof Error && err.message ? err.message : 'agent failed'
      await this.fail(message, AGENT_ERROR_DETAIL, message)
    }
  }

  private async stream(settings: RunSettings): Promise<void> {
    const reply = await this.race(
      Promise.resolve().then(() =>
        settings.agent(this.p.message, { sessionKey: this.sessionKey, runId: this.runId, signal: this.signal }),
      ),
    )
    const iterator = toAsyncIterator(reply)
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
    let now = Date.now()
    this.seq += 1
    this.host.broadcastAgent(agentLifecycle(this.ref, this.seq, failedFinishingData(CUT_ERROR, CUT_DETAIL, now), now))
    this.seq += 1
    this.host.broadcastChat(chatStatus(this.ref, this.seq, 'starting_model'))
    this.host.broadcastAgent(agentRetrying(this.ref, this.seq, attempt, retryDelayMs, now))
    await this.pause(retryDelayMs)
    now = Date.now()
    this.seq += 1
    this.host.broadcastAgent(
      agentAssistant(this.ref, this.seq, { itemId: this.itemId, text: '', delta: '', replace: true }, now),
    )
    this.host.broadcastChat(chatReplace(this.ref, this.seq, now))
    this.emitPhase('preparing_context')
    this.emitModelStart()
    const previous = this.reply
    this.reply = ''
    this.itemId = `${randomUUID()}:1`
    await this.pause(settings.phaseDelayMs)
    if (previous !== '') this.emitChunk(previous)
  }

  private finish(): void {
    let now = Date.now()
    const outputTokens = countWords(this.reply)
    this.seq += 1
    this.host.broadcastAgent(agentUsage(this.ref, this.seq, outputTokens, now))
    const assistant = this.host.store.appendAssistantMessage(this.session, {
      text: this.reply,
      runId: this.runId,
      inputTokens: this.inputTokens(),
      outputTokens,
    })
    this.host.emitSessionMessage(this.session, assistant)
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycle(
        this.ref,
        this.seq,
        { phase: 'finishing', stopReason: 'stop', aborted: false, livenessState: 'working', endedAt: now },
        now,
      ),
    )
    this.seq += 1
    this.host.broadcastAgent(agentModelReleased(this.ref, this.seq, now))
    now = Date.now()
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycleTail(this.ref, this.seq, endData(this.ref, this.reply, this.lifecycleStartedAt, now), now),
    )
    this.host.broadcastChat(chatFinal(this.ref, this.seq, this.reply, now))
    this.state = 'done'
    const s = this.session
    s.inputTokens = this.inputTokens()
    s.outputTokens = outputTokens
    s.totalTokens = this.inputTokens()
    s.systemSent = true
    s.abortedLastRun = false
    this.settle('done', now)
    this.emitRunSessionsChanged(['agent.run.started', 'start', 'model', 'model', 'end', 'agent.input.settled'])
  }

  /** The model-error ending (transcripts-more/q2-failures-ERR400.txt). */
  private async fail(errorMessage: string, detail: ModelFailureDetail, failureDetail: string): Promise<void> {
    if (this.state !== 'running') return
    const now = Date.now()
    this.seq += 1
    this.host.broadcastAgent(agentLifecycle(this.ref, this.seq, failedFinishingData(errorMessage, detail, now), now))
    this.seq += 1
    this.host.broadcastAgent(agentModelReleased(this.ref, this.seq, now))
    this.seq += 1
    this.host.broadcastAgent(agentLifecycleTail(this.ref, this.seq, fallbackStepData(detail, failureDetail), now))
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycleTail(this.ref, this.seq, errorData(errorMessage, detail, this.lifecycleStartedAt, now), now),
    )
    this.host.broadcastChat(chatRunError(this.ref, this.seq, errorMessage, detail))
    this.state = 'failed'
    this.session.systemSent = true
    this.settle('failed', now)
    // The second error event arrives 15–30 ms after the first on the real gateway.
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (this.silenced) return
    this.host.broadcastChat(chatReplyError(this.ref, errorMessage))
    this.emitRunSessionsChanged(['agent.run.started', 'start', 'end', 'agent.input.settled'])
  }

  /** What follows an abort after its response: the released model and the `error` lifecycle. */
  private async emitAbortTail(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5))
    if (this.silenced) return
    const now = Date.now()
    this.seq += 1
    this.host.broadcastAgent(agentModelReleased(this.ref, this.seq, now))
    this.seq += 1
    this.host.broadcastAgent(
      agentLifecycleTail(
        this.ref,
        this.seq,
        {
          phase: 'error',
          endedAt: now,
          startedAt: this.lifecycleStartedAt,
          error: ABORT_TEXT,
          aborted: true,
          stopReason: 'aborted',
          executionSettled: true,
        },
        now,
      ),
    )
    this.emitRunSessionsChanged(['end', 'agent.input.settled'])
  }

  private emitRunSessionsChanged(
    steps: Array<'agent.run.started' | 'agent.input.settled' | 'start' | 'model' | 'end'>,
  ): void {
    for (const step of steps) {
      const cause: SessionsChangedCause =
        step === 'agent.run.started' || step === 'agent.input.settled'
          ? { reason: step }
          : { phase: step, runId: this.runId }
      this.host.emitSessionsChanged(this.session, cause)
    }
  }
}
