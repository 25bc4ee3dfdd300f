/**
 * `clawchat.runs` (the lean wire, issue 19): the caller's runs in progress with their text so far
 * and the `seq` that text covers — answered by the proxy itself, never sent upstream (it works
 * while the gateway is down), to every authenticated user whatever `policy.methods` says.
 */
import type { ClawChatRunsResult } from '@clawchat/protocol'
import { unavailable } from '../../common/errors.js'
import type { PlanResult, Params, PlanContext } from '../request-plan.js'
import { invalidParams } from '../request-plan.js'

/**
 * Plans a `clawchat.runs`: its params must be `{}` (or left out); the answer is made at once by
 * `ctx.liveRuns`, the caller's connection's view of the live runs.
 *
 * @example
 * planClawChatRuns({}, ctx) // plan.answer() → { runs: [{ runId, sessionKey, text }], seq: 42 }
 */
export function planClawChatRuns(params: Params, ctx: PlanContext): PlanResult {
  const extra = Object.keys(params)[0]
  if (extra !== undefined) {
    return invalidParams(
      'clawchat.runs',
      `it takes no params (send {} or leave params out), got '${extra.slice(0, 64)}'`,
    )
  }
  const runs = ctx.liveRuns
  if (!runs) {
    return { ok: false, error: unavailable('clawchat.runs is answered by a browser connection of the proxy only.') }
  }
  const answer = (): ClawChatRunsResult => runs()
  return { ok: true, plan: { method: 'clawchat.runs', answer, run: () => Promise.resolve(answer()) } }
}
