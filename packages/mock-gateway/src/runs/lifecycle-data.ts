import { MODEL } from '../fixtures/gateway-identity.js'
import { modelObservation, type ModelFailureDetail, type RunRef } from './run-event-types.js'

/*
 * The `data` of one run's `agent` `lifecycle` events, in the recorded key order (see
 * run-event-types.ts for the transcripts).
 */

/** The error text of the `lifecycle` `error` that follows an abort (verbatim). */
const ABORT_TEXT = 'This operation was aborted'

/** `start`: the model call begins. */
export function startData(startedAt: number): Record<string, unknown> {
  return { phase: 'start', startedAt }
}

/** `model` with the provider and model in use. */
export function modelData(): Record<string, unknown> {
  return { phase: 'model', provider: MODEL.provider, model: MODEL.id }
}

/** `finishing` of a reply that streamed to its end. */
export function finishingData(now: number): Record<string, unknown> {
  return { phase: 'finishing', stopReason: 'stop', aborted: false, livenessState: 'working', endedAt: now }
}

/** The cancelled `end` an abort emits at once (before the abort's response). */
export function cancelledEndData(startedAt: number, now: number): Record<string, unknown> {
  return { phase: 'end', status: 'cancelled', aborted: true, stopReason: 'rpc', startedAt, endedAt: now }
}

/** The `error` that closes an aborted run, after the abort's response. */
export function abortErrorData(startedAt: number, now: number): Record<string, unknown> {
  return {
    phase: 'error',
    endedAt: now,
    startedAt,
    error: ABORT_TEXT,
    aborted: true,
    stopReason: 'aborted',
    executionSettled: true,
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
    errorObservation: modelObservation(detail),
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
    errorObservation: modelObservation(detail),
    phase: 'error',
    endedAt: now,
    startedAt,
    error: errorMessage,
    executionSettled: true,
  }
}
