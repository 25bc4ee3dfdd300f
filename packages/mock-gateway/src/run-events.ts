import { MAIN_AGENT_ID, MODEL } from './fixtures/gateway-identity.js'

/*
 * Payload builders for one run's `chat` and `agent` events, field for field (and in the same key
 * order) as transcripts/chat-and-agent-frames.txt, step5-chat-fake*.jsonl, transcripts-sessions/
 * q3-abort.txt and transcripts-more/q2-failures-*.txt record them. The caller owns the payload `seq`
 * (per run, shared by chat and agent events: a chat event carries the seq of the agent event it
 * mirrors).
 */

/** The identity of the run the events are about. */
export interface RunRef {
  runId: string
  sessionKey: string
  sessionId: string
}

/** The `chat` status phases, in the order a run goes through them. */
export type RunPhase = 'preparing_workspace' | 'preparing_context' | 'starting_model'

/** Model failure details as `errorObservation` / `errorDetail` carry them. */
export interface ModelFailureDetail {
  failoverReason: string
  providerRuntimeFailureKind: string
}

function observation(detail: ModelFailureDetail): Record<string, unknown> {
  return {
    provider: MODEL.provider,
    model: MODEL.id,
    failoverReason: detail.failoverReason,
    providerRuntimeFailureKind: detail.providerRuntimeFailureKind,
  }
}

function message(text: string, now: number): Record<string, unknown> {
  return { role: 'assistant', content: [{ type: 'text', text }], timestamp: now }
}

/** `chat` `state:"status"`. */
export function chatStatus(run: RunRef, seq: number, phase: RunPhase): Record<string, unknown> {
  return { runId: run.runId, sessionKey: run.sessionKey, agentId: MAIN_AGENT_ID, seq, state: 'status', phase }
}

/** `chat` `state:"delta"`: `deltaText` is the new text, `message` everything so far. */
export function chatDelta(
  run: RunRef,
  seq: number,
  deltaText: string,
  fullText: string,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'delta',
    deltaText,
    message: message(fullText, now),
  }
}

/** `chat` delta with `replace:true` and empty text: "start the text over" before a retried stream. */
export function chatReplace(run: RunRef, seq: number, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'delta',
    deltaText: '',
    replace: true,
    message: message('', now),
  }
}

/** `chat` `state:"final"` with `stopReason` and the whole reply. */
export function chatFinal(run: RunRef, seq: number, text: string, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'final',
    stopReason: 'stop',
    message: message(text, now),
  }
}

/** `chat` `state:"aborted"` (`stopReason:"rpc"`, the partial text). */
export function chatAborted(run: RunRef, seq: number, text: string, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'aborted',
    stopReason: 'rpc',
    message: message(text, now),
  }
}

/** The first `chat` error of a failed run: with `agentId`, the run's seq and `errorDetail`. */
export function chatRunError(
  run: RunRef,
  seq: number,
  errorMessage: string,
  detail: ModelFailureDetail,
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'error',
    errorMessage,
    errorDetail: observation(detail),
  }
}

/** The second `chat` error: no `agentId`, payload `seq:1`, the "⚠️ Agent failed before reply" text. */
export function chatReplyError(run: RunRef, errorMessage: string): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    seq: 1,
    state: 'error',
    errorMessage: `⚠️ Agent failed before reply: ${errorMessage}\nTo view logs, run \`openclaw logs --follow\` in a terminal.`,
  }
}

/** `agent` `run_status` (a phase, or `retrying` with its counters). */
export function agentRunStatus(
  run: RunRef,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    stream: 'run_status',
    data,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `run_status` `retrying`, as before a retried model call. */
export function agentRetrying(
  run: RunRef,
  seq: number,
  retryAttempt: number,
  delayMs: number,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    stream: 'run_status',
    data: {
      phase: 'retrying',
      message: `Provider temporarily unavailable. Retrying in ${Math.max(1, Math.round(delayMs / 1000))}s (${retryAttempt}/8).`,
      retryAttempt,
      maxRetries: 8,
      delayMs,
      attempt: retryAttempt + 1,
      maxAttempts: 9,
      reason: 'timeout',
    },
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `lifecycle` with the session id, for `start`, `model` (with a provider), `finishing`, `end`(cancelled). */
export function agentLifecycle(
  run: RunRef,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    sessionId: run.sessionId,
    agentId: MAIN_AGENT_ID,
    stream: 'lifecycle',
    data,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `lifecycle` `model` with `provider:null` (the model released), in its own key order with `lane`. */
export function agentModelReleased(run: RunRef, seq: number, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    agentId: MAIN_AGENT_ID,
    sessionId: run.sessionId,
    sessionKey: run.sessionKey,
    lane: 'main',
    stream: 'lifecycle',
    data: { phase: 'model', provider: null, model: null },
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `lifecycle` in the trailing key order (`end`, `fallback_step`, `error`). */
export function agentLifecycleTail(
  run: RunRef,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    stream: 'lifecycle',
    data,
    sessionId: run.sessionId,
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `assistant` `{text, delta, itemId}` (or the `replace:true` reset). */
export function agentAssistant(
  run: RunRef,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    stream: 'assistant',
    data,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `usage` `{outputTokens}`. */
export function agentUsage(run: RunRef, seq: number, outputTokens: number, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    stream: 'usage',
    data: { outputTokens },
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** The `data` of the successful `lifecycle` `end`. */
export function endData(run: RunRef, text: string, startedAt: number, now: number): Record<string, unknown> {
  return {
    stopReason: 'stop',
    aborted: false,
    livenessState: 'working',
    phase: 'end',
    endedAt: now,
    startedAt,
    replayInvalid: false,
    terminalReply: { disposition: 'visible', text },
    terminalReceipt: {
      runId: run.runId,
      sessionId: run.sessionId,
      turnId: run.runId,
      requested: { provider: MODEL.provider, model: MODEL.id },
      effective: { provider: MODEL.provider, model: MODEL.id, responseModel: MODEL.id },
      successfulToolNames: [],
      rerouted: false,
      terminalDisposition: 'visible',
    },
    executionSettled: true,
  }
}

/** The `data` of `lifecycle` `finishing` after a failed model call. */
export function failedFinishingData(
  errorMessage: string,
  detail: ModelFailureDetail,
  now: number,
): Record<string, unknown> {
  return {
    phase: 'finishing',
    error: errorMessage,
    errorObservation: observation(detail),
    aborted: false,
    livenessState: 'blocked',
    endedAt: now,
  }
}

/** The `data` of `lifecycle` `fallback_step` when the only model failed (`chain_exhausted`). */
export function fallbackStepData(detail: ModelFailureDetail, failureDetail: string): Record<string, unknown> {
  return {
    phase: 'fallback_step',
    fallbackStepType: 'fallback_step',
    fallbackStepFromModel: `${MODEL.provider}/${MODEL.id}`,
    fallbackStepFromFailureReason: detail.failoverReason,
    fallbackStepFromFailureDetail: failureDetail,
    fallbackStepChainPosition: 1,
    fallbackStepFinalOutcome: 'chain_exhausted',
  }
}

/** The `data` of the terminal `lifecycle` `error` of a failed run. */
export function errorData(
  errorMessage: string,
  detail: ModelFailureDetail,
  startedAt: number,
  now: number,
): Record<string, unknown> {
  return {
    aborted: false,
    livenessState: 'blocked',
    errorObservation: observation(detail),
    phase: 'error',
    endedAt: now,
    startedAt,
    error: errorMessage,
    executionSettled: true,
  }
}
