import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import type { RunRef } from './run-event-types.js'

/*
 * Payload builders for one run's `agent` events, field for field (and in the same key order) as the
 * reference records them (see run-event-types.ts); each stream has its own key order. The caller owns
 * the payload `seq`.
 */

/**
 * An `agent` event in the key order `run_status`, `assistant` and the tool streams share:
 * `{runId, stream, data, sessionKey, agentId, seq, ts, isHeartbeat}`.
 */
export function agentStreamEvent(
  run: RunRef,
  stream: string,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return {
    runId: run.runId,
    stream,
    data,
    sessionKey: run.sessionKey,
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

/** `agent` `run_status` (a phase, or `retrying` with its counters). */
export function agentRunStatus(
  run: RunRef,
  seq: number,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  return agentStreamEvent(run, 'run_status', seq, data, now)
}

/** The `message` of `run_status` `retrying`: the delay in whole seconds (at least 1), the attempt of 8. */
function retryingMessage(retryAttempt: number, delayMs: number): string {
  const seconds = Math.max(1, Math.round(delayMs / 1000))
  return `Provider temporarily unavailable. Retrying in ${seconds}s (${retryAttempt}/8).`
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
      message: retryingMessage(retryAttempt, delayMs),
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
  return agentStreamEvent(run, 'assistant', seq, data, now)
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
