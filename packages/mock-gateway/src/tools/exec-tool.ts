import { randomInt } from 'node:crypto'
import type { ApprovalOutcome } from '../approvals/approval-registry.js'
import { headlessDenialText } from '../approvals/approval-request.js'
import { EXEC_DENIED_READ_ONLY } from '../sessions/session-permissions.js'
import { errorResult, fakeExecOutput, stringArg, textResult, WORKSPACE_DIR } from './fake-tools.js'
import { RUN_SILENCED, ToolEvents, untilStopped, type ToolOutcome, type ToolRunContext } from './tool-context.js'
import {
  approvalDeniedData,
  commandOutputData,
  itemData,
  toolResultData,
  toolStartData,
  toolUpdateData,
  type ToolCallInfo,
} from './tool-payloads.js'

const SLUG_WORDS = ['wild', 'warm', 'sharp', 'calm', 'bold'] as const
const SLUG_NOUNS = ['sable', 'atlas', 'dune', 'river', 'ember'] as const

/** The exec's process session name (`details.sessionId`, e.g. `wild-sable`). */
function processSlug(): string {
  return `${SLUG_WORDS[randomInt(SLUG_WORDS.length)]}-${SLUG_NOUNS[randomInt(SLUG_NOUNS.length)]}`
}

/** The item / tool description of an exec: `Exec <title>`, meta = the title (else the command). */
export function execCallInfo(toolCallId: string, args: Record<string, unknown>): ToolCallInfo {
  const label = stringArg(args, 'title') ?? stringArg(args, 'command') ?? ''
  return { toolCallId, name: 'exec', title: `Exec ${label}`.trim(), meta: label, commandBearing: true }
}

/**
 * The fake `exec` (t1 under the default policy, t2 under `tools.exec.mode:"ask"`): waits for an
 * approval first in ask mode (refused at once when no approval client can see it), then "runs" the
 * command with the recorded events. Never runs anything.
 */
export async function runExec(
  ctx: ToolRunContext,
  toolCallId: string,
  args: Record<string, unknown>,
): Promise<ToolOutcome> {
  const call = execCallInfo(toolCallId, args)
  const ev = new ToolEvents(ctx, call)
  const startedAt = Date.now()
  ev.item(itemData(call, 'start', { startedAt }))
  ev.tool(toolStartData(call, args))
  const command = stringArg(args, 'command')
  if (command === undefined) return failExec(ev, startedAt, 'command required')
  if (ctx.execMode === 'deny') return failExec(ev, startedAt, EXEC_DENIED_READ_ONLY)
  if (ctx.execMode === 'ask') {
    const audience = { reviewerDeviceId: ctx.senderDeviceId }
    if (!ctx.host.approvals.hasRoute(audience)) return failExec(ev, startedAt, headlessDenialText())
    const outcome = await waitForApproval(ctx, ev, { command, startedAt }, audience)
    if (outcome.kind === 'denied') return denied(ev, startedAt, command, outcome.approvalId, outcome.reason)
  }
  return ranExec(ctx, ev, startedAt, command)
}

type ApprovalWait = { kind: 'allowed' } | { kind: 'denied'; approvalId: string; reason: string }

/** Opens the approval, says the run waits, and waits for the decision (or the run's abort). */
async function waitForApproval(
  ctx: ToolRunContext,
  ev: ToolEvents,
  { command, startedAt }: { command: string; startedAt: number },
  audience: { reviewerDeviceId: string | undefined },
): Promise<ApprovalWait> {
  let settle: (o: ApprovalOutcome) => void = () => {}
  const decided = new Promise<ApprovalOutcome>((resolve) => (settle = resolve))
  const subject = { command, sessionKey: ctx.ref.sessionKey, runId: ctx.ref.runId, toolCallId: ev.call.toolCallId }
  const record = ctx.host.approvals.open(subject, audience, (outcome) => {
    // Synchronous, so `approval-resolved` precedes the resolve's response (t2 phase 1).
    if (outcome === 'allow-once' || outcome === 'allow-always' || outcome === 'deny') {
      ev.lifecycle('approval-resolved', record.id)
    }
    settle(outcome)
  })
  ev.lifecycle('waiting-approval', record.id)
  ctx.setWaiting(true)
  try {
    const outcome = await untilStopped(decided, ctx.signal)
    if (outcome === 'allow-once' || outcome === 'allow-always') return { kind: 'allowed' }
    const reason = outcome === 'deny' ? 'user-denied' : 'approval-timeout: allowlist-miss'
    return { kind: 'denied', approvalId: record.id, reason }
  } catch (err) {
    if (ctx.signal.reason === RUN_SILENCED) throw err
    abortedExec(ev, startedAt)
    // The gateway closes the approval's scope a little after the run's abort events (t2 phase 4).
    setTimeout(() => ctx.host.approvals.close(record.id), 20).unref()
    throw err
  } finally {
    ctx.setWaiting(false)
  }
}

/** The events of a command that ran: output, result, item and command ends (t1 exec). */
async function ranExec(ctx: ToolRunContext, ev: ToolEvents, startedAt: number, command: string): Promise<ToolOutcome> {
  const { call } = ev
  const output = fakeExecOutput(command)
  const text = output.replace(/\n+$/, '')
  const runAt = Date.now()
  const details = {
    status: 'running',
    sessionId: processSlug(),
    pid: randomInt(2000, 60000),
    startedAt: runAt,
    cwd: WORKSPACE_DIR,
    tail: output,
  }
  ev.tool(toolUpdateData(call, textResult(output, details)))
  ev.item(itemData(call, 'update'))
  ev.commandOutput(commandOutputData(call, 'delta', text, 'running'))
  await ctx.pause(1)
  const durationMs = Date.now() - runAt
  const result = textResult(text, {
    status: 'completed',
    exitCode: 0,
    exitSignal: null,
    exitReason: 'exit',
    durationMs,
    aggregated: text,
    noOutputTimedOut: false,
    cwd: WORKSPACE_DIR,
  })
  ev.tool(toolResultData(call, result, false))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now() }))
  ev.commandOutput(commandOutputData(call, 'end', text, 'completed', { exitCode: 0, durationMs, cwd: WORKSPACE_DIR }))
  return { name: 'exec', text, isError: false, succeeded: ['exec'] }
}

/** A denied approval (human deny or askFallback): the recorded result and the `approval` event. */
function denied(ev: ToolEvents, startedAt: number, command: string, approvalId: string, reason: string): ToolOutcome {
  const { call } = ev
  const text = `Exec denied (gateway id=${approvalId}, ${reason}): ${command}`
  const details = {
    status: 'failed',
    exitCode: null,
    durationMs: 0,
    aggregated: text,
    timedOut: false,
    cwd: WORKSPACE_DIR,
  }
  ev.tool(toolResultData(call, textResult(text, details), true))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), failed: true, error: text }))
  ev.commandOutput(
    commandOutputData(call, 'end', text, 'failed', { exitCode: null, durationMs: 0, cwd: WORKSPACE_DIR }),
  )
  if (reason === 'user-denied') ev.approval(approvalDeniedData(call, command))
  return { name: 'exec', text, isError: true, succeeded: [] }
}

/** An exec that fails before running (headless denial, bad arguments): the error result (t2 phase 6). */
function failExec(ev: ToolEvents, startedAt: number, message: string): ToolOutcome {
  const { call } = ev
  const result = errorResult('exec', message)
  const text = result.content[0]?.text ?? ''
  ev.tool(toolResultData(call, result, true))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), failed: true, error: message.split('\n')[0] }))
  ev.commandOutput(commandOutputData(call, 'end', text, 'failed'))
  return { name: 'exec', text, isError: true, succeeded: [] }
}

/** The run was aborted while the exec waited (t2 phase 4): result `Aborted`, failed item and output. */
function abortedExec(ev: ToolEvents, startedAt: number): void {
  const { call } = ev
  ev.tool(toolResultData(call, textResult('Aborted', {}), true))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), failed: true, error: 'Aborted' }))
  ev.commandOutput(commandOutputData(call, 'end', 'Aborted', 'failed'))
}
