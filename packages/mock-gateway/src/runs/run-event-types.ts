import { MODEL } from '../fixtures/gateway-identity.js'

/*
 * The vocabulary of one run's `chat` and `agent` events (transcripts/chat-and-agent-frames.txt,
 * step5-chat-fake*.jsonl, transcripts-sessions/q3-abort.txt, transcripts-more/q2-failures-*.txt).
 * The builders live in chat-event-payloads.ts, agent-event-payloads.ts and lifecycle-data.ts.
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

/** `errorObservation` / `errorDetail`: the model and why it failed. */
export function modelObservation(detail: ModelFailureDetail): Record<string, unknown> {
  return {
    provider: MODEL.provider,
    model: MODEL.id,
    failoverReason: detail.failoverReason,
    providerRuntimeFailureKind: detail.providerRuntimeFailureKind,
  }
}
