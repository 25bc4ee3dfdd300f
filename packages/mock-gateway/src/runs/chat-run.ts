import { randomUUID } from 'node:crypto'
import { countWords, replyIterator, type ReplyIterator } from './agent-reply.js'
import { RunBase } from './run-base.js'
import { RunEmitter, type ModelFailure } from './run-emitter.js'
import { ToolTurns } from './tool-turns.js'
import { parseToolMarkers } from '../tools/markers.js'
import { isToolCall } from '../tools/tool-runner.js'
import type { RunHost, RunSettings } from './run-host.js'
import { modelStarted, replyCompleted, runAccepted } from './run-session.js'
import type { SessionRecord, StoredMessage } from '../sessions/session-store.js'

export type { RunState } from './run-base.js'

/** What a cut model stream reports before it is retried. */
const CUT: Omit<ModelFailure, 'failureDetail'> = {
  message: 'LLM request timed out.',
  detail: { failoverReason: 'timeout', providerRuntimeFailureKind: 'timeout' },
}

/**
 * One `chat.send` run: emits the real gateway's event sequence to every operator connection
 * (transcripts/chat-and-agent-frames.txt): `chat` status ×3 with their `agent` `run_status`,
 * `lifecycle` start/model, per chunk `agent` `assistant` + `chat` `delta`, `usage`, `lifecycle`
 * finishing/model/end and `chat` `final` — the payload `seq` per run and shared by both streams.
 * Also the abort (`state:"aborted"`, `stopReason:"rpc"`), cut-stream and tool-call variants
 * (transcripts-tools: tool turns, approvals, questions, steered messages; see {@link ToolTurns}).
 * The events themselves are {@link RunEmitter}'s; this class drives the run and its session.
 */
export class ChatRun extends RunBase {
  readonly ownerId: string
  readonly connectionId: string
  /** The run's tool turns; `chat.send` steers messages into it while a tool waits. */
  readonly tools: ToolTurns
  private readonly acceptedAt = Date.now()
  private reply = ''
  private itemId = `${randomUUID()}:1`

  constructor(
    host: RunHost,
    session: SessionRecord,
    private readonly p: {
      runId: string
      message: string
      userMessage: StoredMessage
      ownerId: string
      connectionId: string
      /** The sender's device: approvals go to approval clients of the same device. */
      deviceId?: string
      settings: RunSettings
    },
  ) {
    const ref = { runId: p.runId, sessionKey: session.key, sessionId: session.sessionId }
    super(host, session, new RunEmitter(host, ref), p.runId)
    this.ownerId = p.ownerId
    this.connectionId = p.connectionId
    const toolContext = {
      ref,
      senderConnectionId: p.connectionId,
      senderDeviceId: p.deviceId,
      signal: this.signal,
      execMode: p.settings.execMode,
      pause: (ms: number) => this.pause(ms),
    }
    this.tools = new ToolTurns(host, session, this.events, toolContext, () => this.inputTokens())
    runAccepted(session, p.runId)
  }

  /**
   * What `chat.history.inFlightRun` shows of this run while it runs: its id, the reply text so far
   * and when it was accepted (measured: e2e/real-gateway/manage-facts.test.ts).
   */
  inFlight(): { runId: string; text: string; startedAt: number } {
    return { runId: this.runId, text: this.reply, startedAt: this.acceptedAt }
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
    if (this.tools.isWaiting) this.events.abortedWhileWaiting(this.reply, this.acceptedAt, now)
    else this.events.aborted(this.reply, this.acceptedAt, now)
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
    // Not recorded: messages queued behind the aborted run end like steered ones.
    this.tools.takeSteered()
    return true
  }

  private inputTokens(): number {
    return countWords(this.p.message) + 8
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

  /** Streams the agent's reply chunk by chunk, cutting and retrying it as the failure mode says. */
  private async stream(settings: RunSettings): Promise<void> {
    const markers = parseToolMarkers(this.p.message)
    for (const call of markers.calls) this.tools.add(call)
    let iterator = await this.replyTo(markers.text, settings)
    const cut = settings.failure.kind === 'cut-stream' ? settings.failure : undefined
    let cutsDone = 0
    let chunksThisAttempt = 0
    let first = true
    try {
      for (;;) {
        const next = await this.race(Promise.resolve(iterator.next()))
        if (!next.done && isToolCall(next.value)) {
          this.tools.add(next.value)
          continue
        }
        const chunk = next.done ? '' : String(next.value ?? '')
        if (chunk === '' && !next.done) continue
        const steered = await this.toolTurn()
        if (steered !== undefined) {
          void Promise.resolve(iterator.return?.()).catch(() => {})
          iterator = await this.replyTo(steered, settings)
          continue
        }
        if (next.done) break
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

  /** The agent's reply to a message (the user's, without tool markers, or one steered in). */
  private async replyTo(message: string, settings: RunSettings): Promise<ReplyIterator> {
    const { sessionKey, runId, signal } = this
    const context = { sessionKey, runId, signal, toolResults: this.tools.results }
    return replyIterator(await this.race(Promise.resolve().then(() => settings.agent(message, context))))
  }

  /** Runs the pending tool calls (if any); the next assistant text gets the next turn's item id. */
  private async toolTurn(): Promise<string | undefined> {
    const used = this.tools.used
    const steered = await this.race(this.tools.flush())
    if (this.tools.used && !used) this.itemId = this.itemId.replace(/:\d+$/, ':2')
    return steered
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
    const endedAt = this.events.finished(this.reply, this.lifecycleStartedAt, now, this.tools.summary())
    this.state = 'done'
    replyCompleted(this.session, this.inputTokens(), outputTokens)
    this.settle('done', endedAt)
    this.emitRunSessionsChanged(['agent.run.started', 'start', 'model', 'model', 'end', 'agent.input.settled'])
  }
}
