import type { SessionsChangedCause } from '../sessions/session-event-payloads.js'
import type { SessionRecord, SessionRunStatus } from '../sessions/session-store.js'

/*
 * What a run does to its session record, step by step, so that rows, `sessions.changed` and
 * `session.message` show the run as the real gateway's rows do (SESSIONS-AND-BROADCAST Q1).
 */

/** A run was accepted: the session is running it (no start or end time yet). */
export function runAccepted(s: SessionRecord, runId: string): void {
  s.status = 'running'
  s.startedAt = undefined
  s.endedAt = undefined
  s.activeRunIds.push(runId)
}

/** The run reached the model: the first start time stays, the model is active. */
export function modelStarted(s: SessionRecord, startedAt: number): void {
  s.startedAt ??= startedAt
  s.contextBudgetUpdatedAt = startedAt
  s.modelActive = true
}

/** The run is over (done, aborted or failed): its id moves from the active ones to `lastRunId`. */
export function runSettled(
  s: SessionRecord,
  runId: string,
  status: Exclude<SessionRunStatus, 'running'>,
  now: number,
): void {
  s.status = status
  s.modelActive = false
  s.endedAt = now
  s.lastRunId = runId
  s.activeRunIds = s.activeRunIds.filter((id) => id !== runId)
  s.placementUpdatedAt = now
  s.updatedAt = now
}

/** A reply streamed to its end: the session's token figures and flags after it. */
export function replyCompleted(s: SessionRecord, inputTokens: number, outputTokens: number): void {
  s.inputTokens = inputTokens
  s.outputTokens = outputTokens
  s.totalTokens = inputTokens
  s.systemSent = true
  s.abortedLastRun = false
}

/** A step of a run that `sessions.changed` reports: a `reason`, or a lifecycle `phase`. */
export type RunStep = 'agent.run.started' | 'agent.input.settled' | 'start' | 'model' | 'end'

/** The `sessions.changed` causes of these run steps, in order. */
export function runStepCauses(steps: readonly RunStep[], runId: string): SessionsChangedCause[] {
  return steps.map((step) =>
    step === 'agent.run.started' || step === 'agent.input.settled' ? { reason: step } : { phase: step, runId },
  )
}
