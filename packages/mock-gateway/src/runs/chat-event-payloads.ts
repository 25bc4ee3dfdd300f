import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import { modelObservation, type ModelFailureDetail, type RunPhase, type RunRef } from './run-event-types.js'

/*
 * Payload builders for one run's `chat` events, field for field (and in the same key order) as the
 * reference records them (see run-event-types.ts). The caller owns the payload `seq` (per run, shared
 * by chat and agent events: a chat event carries the seq of the agent event it mirrors).
 */

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

/** `chat` `state:"aborted"` (`stopReason:"rpc"`, the partial text; no `message` before any text, t2 phase 4). */
export function chatAborted(run: RunRef, seq: number, text: string, now: number): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    state: 'aborted',
    stopReason: 'rpc',
    ...(text === '' ? {} : { message: message(text, now) }),
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
    errorDetail: modelObservation(detail),
  }
}

/** What the second `chat` error adds after the model's error message (verbatim). */
const REPLY_ERROR_HINT = '\nTo view logs, run `openclaw logs --follow` in a terminal.'

/** The second `chat` error: no `agentId`, payload `seq:1`, the "⚠️ Agent failed before reply" text. */
export function chatReplyError(run: RunRef, errorMessage: string): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    seq: 1,
    state: 'error',
    errorMessage: `⚠️ Agent failed before reply: ${errorMessage}${REPLY_ERROR_HINT}`,
  }
}
