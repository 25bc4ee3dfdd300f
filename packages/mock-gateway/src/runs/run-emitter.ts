import {
  agentAssistant,
  agentLifecycle,
  agentLifecycleTail,
  agentModelReleased,
  agentRetrying,
  agentRunStatus,
  agentUsage,
} from './agent-event-payloads.js'
import {
  chatAborted,
  chatDelta,
  chatFinal,
  chatReplace,
  chatReplyError,
  chatRunError,
  chatStatus,
} from './chat-event-payloads.js'
import {
  abortErrorData,
  cancelledEndData,
  endData,
  errorData,
  failedFinishingData,
  fallbackStepData,
  finishingData,
  modelData,
  startData,
  type RunToolSummary,
} from './lifecycle-data.js'
import type { ModelFailureDetail, RunPhase, RunRef } from './run-event-types.js'

/** Why a model call failed, as the failure events report it. */
export interface ModelFailure {
  message: string
  detail: ModelFailureDetail
  /** `fallbackStepFromFailureDetail`: the provider's own words. */
  failureDetail: string
}

/** Where a run's events go: every operator connection allowed to read. */
export interface RunBroadcast {
  /** Sends a `chat` event to every operator connection. */
  broadcastChat(payload: Record<string, unknown>): void
  /** Sends an `agent` event to every operator connection. */
  broadcastAgent(payload: Record<string, unknown>): void
}

/**
 * Emits the `chat` and `agent` events of one run in the recorded groups and orders, numbering them
 * with the run's payload `seq` (per run, shared by both streams: a `chat` event carries the seq of the
 * `agent` event it mirrors). It keeps no other state: the run says what happened and when.
 */
export class RunEmitter {
  private seq = 0

  constructor(
    private readonly to: RunBroadcast,
    private readonly ref: RunRef,
  ) {}

  /** The next payload `seq` of the run. */
  next(): number {
    this.seq += 1
    return this.seq
  }

  /** `chat` status with its `agent` `run_status`. */
  phase(phase: RunPhase): void {
    const seq = this.next()
    const now = Date.now()
    this.to.broadcastChat(chatStatus(this.ref, seq, phase))
    this.to.broadcastAgent(agentRunStatus(this.ref, seq, { phase }, now))
  }

  /** `lifecycle` `start`, the `starting_model` status, then `lifecycle` `model`. */
  modelStart(startedAt: number): void {
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), startData(startedAt), startedAt))
    this.phase('starting_model')
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), modelData(), Date.now()))
  }

  /** One chunk: `agent` `assistant` and `chat` `delta` (same seq). */
  chunk(chunk: string, reply: string, itemId: string): void {
    const seq = this.next()
    const now = Date.now()
    this.to.broadcastAgent(agentAssistant(this.ref, seq, { text: reply, delta: chunk, itemId }, now))
    this.to.broadcastChat(chatDelta(this.ref, seq, chunk, reply, now))
  }

  /** A cut model stream: the failed `finishing`, then `starting_model` with `run_status` `retrying`. */
  streamCut(errorMessage: string, detail: ModelFailureDetail, attempt: number, retryDelayMs: number): void {
    const now = Date.now()
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), failedFinishingData(errorMessage, detail, now), now))
    const seq = this.next()
    this.to.broadcastChat(chatStatus(this.ref, seq, 'starting_model'))
    this.to.broadcastAgent(agentRetrying(this.ref, seq, attempt, retryDelayMs, now))
  }

  /** "Start the text over": the `replace:true` assistant reset and `chat` delta (same seq). */
  replaceText(itemId: string): void {
    const seq = this.next()
    const now = Date.now()
    this.to.broadcastAgent(agentAssistant(this.ref, seq, { itemId, text: '', delta: '', replace: true }, now))
    this.to.broadcastChat(chatReplace(this.ref, seq, now))
  }

  /** `lifecycle` `model` of the next model call (after a tool turn). */
  modelTurn(): void {
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), modelData(), Date.now()))
  }

  /** `agent` `usage`. */
  usage(outputTokens: number, now: number): void {
    this.to.broadcastAgent(agentUsage(this.ref, this.next(), outputTokens, now))
  }

  /**
   * The end of a reply: `finishing` (at `finishedAt`), the released model, then `end` with `chat`
   * `final`. Returns the time of the last two.
   */
  finished(reply: string, startedAt: number, finishedAt: number, tools?: RunToolSummary): number {
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), finishingData(finishedAt, tools), finishedAt))
    this.to.broadcastAgent(agentModelReleased(this.ref, this.next(), finishedAt))
    const now = Date.now()
    const seq = this.next()
    this.to.broadcastAgent(agentLifecycleTail(this.ref, seq, endData(this.ref, reply, startedAt, now, tools), now))
    this.to.broadcastChat(chatFinal(this.ref, seq, reply, now))
    return now
  }

  /**
   * An abort while a tool waited (t2 phase 4): `chat` `aborted` and the cancelled `end` (same seq),
   * without the `model` event of an abort mid-stream.
   */
  abortedWhileWaiting(partialText: string, acceptedAt: number, now: number): void {
    const seq = this.next()
    this.to.broadcastChat(chatAborted(this.ref, seq, partialText, now))
    this.to.broadcastAgent(agentLifecycle(this.ref, seq, cancelledEndData(acceptedAt, now), now))
  }

  /** A failed model call: `finishing`, released model, `fallback_step`, `error`, then the first `chat` error. */
  failed(error: ModelFailure, startedAt: number, now: number): void {
    const { message, detail } = error
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), failedFinishingData(message, detail, now), now))
    this.to.broadcastAgent(agentModelReleased(this.ref, this.next(), now))
    const fallback = fallbackStepData(detail, error.failureDetail)
    this.to.broadcastAgent(agentLifecycleTail(this.ref, this.next(), fallback, now))
    const seq = this.next()
    this.to.broadcastAgent(agentLifecycleTail(this.ref, seq, errorData(message, detail, startedAt, now), now))
    this.to.broadcastChat(chatRunError(this.ref, seq, message, detail))
  }

  /** The second `chat` error of a failed run (payload `seq:1`, outside the run's numbering). */
  replyError(errorMessage: string): void {
    this.to.broadcastChat(chatReplyError(this.ref, errorMessage))
  }

  /** An abort: `chat` `aborted` with the partial text and the cancelled `end` (same seq), then `model`. */
  aborted(partialText: string, acceptedAt: number, now: number): void {
    const seq = this.next()
    this.to.broadcastChat(chatAborted(this.ref, seq, partialText, now))
    this.to.broadcastAgent(agentLifecycle(this.ref, seq, cancelledEndData(acceptedAt, now), now))
    this.to.broadcastAgent(agentLifecycle(this.ref, this.next(), modelData(), now))
  }

  /** What follows an abort after its response: the released model and the `error` lifecycle. */
  abortTail(startedAt: number, now: number): void {
    this.to.broadcastAgent(agentModelReleased(this.ref, this.next(), now))
    this.to.broadcastAgent(agentLifecycleTail(this.ref, this.next(), abortErrorData(startedAt, now), now))
  }
}
