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

/** What a run's end says about its tools: the names that succeeded, and whether one had side effects. */
export interface RunToolSummary {
  /** `terminalReceipt.successfulToolNames`. */
  names: string[]
  /** A tool other than `read` ran (exec, ask_user…): the run cannot be replayed (transcripts-tools). */
  replayInvalid: boolean
}

/**
 * `finishing` of a reply that streamed to its end; after a tool with side effects it also says
 * `replayInvalid:true` (transcripts-tools/t1 exec; a `read` leaves it out).
 */
export function finishingData(now: number, tools?: RunToolSummary): Record<string, unknown> {
  const replay = tools?.replayInvalid ? { replayInvalid: true } : {}
  return { phase: 'finishing', stopReason: 'stop', aborted: false, livenessState: 'working', ...replay, endedAt: now }
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

/**
 * The `data` of the successful `lifecycle` `end`; after a tool with side effects `replayInvalid:true`
 * moves up, and `successfulToolNames` lists the tools that succeeded (transcripts-tools/t1).
 */
export function endData(
  run: RunRef,
  text: string,
  startedAt: number,
  now: number,
  tools?: RunToolSummary,
): Record<string, unknown> {
  const invalid = tools?.replayInvalid === true
  return {
    stopReason: 'stop',
    aborted: false,
    livenessState: 'working',
    ...(invalid ? { replayInvalid: true } : {}),
    phase: 'end',
    endedAt: now,
    startedAt,
    ...(invalid ? {} : { replayInvalid: false }),
    terminalReply: { disposition: 'visible', text },
    terminalReceipt: {
      runId: run.runId,
      sessionId: run.sessionId,
      turnId: run.runId,
      requested: { provider: MODEL.provider, model: MODEL.id },
      effective: { provider: MODEL.provider, model: MODEL.id, responseModel: MODEL.id },
      successfulToolNames: tools?.names ?? [],
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
