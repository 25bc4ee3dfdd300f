import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import type { RunRef } from '../runs/run-event-types.js'
import { agentStreamEvent } from '../runs/agent-event-payloads.js'
import type { ToolResult } from './fake-tools.js'

/*
 * Payload builders for the `agent` events of a tool call, field for field and in the recorded key
 * order (transcripts-tools/t1-tool-events, t2-exec-approvals, t3-ask-user). The caller owns the seq.
 */

/** What an item / tool event says about the call. */
export interface ToolCallInfo {
  toolCallId: string
  name: string
  title: string
  meta?: string
  commandBearing: boolean
  parentToolCallId?: string
}

/** `{runId, stream, data, sessionKey, agentId, seq, ts, isHeartbeat}` (item, tool, command_output, approval). */
export function agentToolEvent(
  run: RunRef,
  stream: 'item' | 'tool' | 'command_output' | 'approval',
  seq: number,
  data: Record<string, unknown>,
  now = Date.now(),
): Record<string, unknown> {
  return agentStreamEvent(run, stream, seq, data, now)
}

/** `lifecycle` `waiting-approval` / `approval-resolved`, in their own key order. */
export function agentApprovalLifecycle(
  run: RunRef,
  seq: number,
  phase: 'waiting-approval' | 'approval-resolved',
  approvalId: string,
  toolCallId: string,
  now = Date.now(),
): Record<string, unknown> {
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    sessionId: run.sessionId,
    stream: 'lifecycle',
    data: { phase, approvalId, toolCallId },
    agentId: MAIN_AGENT_ID,
    seq,
    ts: now,
    isHeartbeat: false,
  }
}

function meta(call: ToolCallInfo): Record<string, unknown> {
  return call.meta === undefined ? {} : { meta: call.meta }
}

/** `item` data of `phase` start / update / end. */
export function itemData(
  call: ToolCallInfo,
  phase: 'start' | 'update' | 'end',
  p: { startedAt?: number; endedAt?: number; failed?: boolean; error?: string } = {},
): Record<string, unknown> {
  const status = phase !== 'end' ? 'running' : p.failed ? 'failed' : 'completed'
  return {
    itemId: `tool:${call.toolCallId}`,
    toolCallId: call.toolCallId,
    name: call.name,
    kind: 'tool',
    phase,
    title: call.title,
    status,
    ...meta(call),
    commandBearing: call.commandBearing,
    ...(phase !== 'update' ? { startedAt: p.startedAt } : {}),
    ...(phase === 'end' ? { endedAt: p.endedAt } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
  }
}

function parent(call: ToolCallInfo): Record<string, unknown> {
  return call.parentToolCallId === undefined ? {} : { parentToolCallId: call.parentToolCallId }
}

/** `tool` data of `phase:"start"` with the model's own arguments. */
export function toolStartData(call: ToolCallInfo, args: unknown): Record<string, unknown> {
  return { phase: 'start', name: call.name, toolCallId: call.toolCallId, ...parent(call), args }
}

/** `tool` data of `phase:"update"` (exec's partial output). */
export function toolUpdateData(call: ToolCallInfo, partialResult: ToolResult): Record<string, unknown> {
  return { phase: 'update', name: call.name, toolCallId: call.toolCallId, partialResult }
}

/** `tool` data of `phase:"result"`. */
export function toolResultData(call: ToolCallInfo, result: ToolResult, isError: boolean): Record<string, unknown> {
  return {
    phase: 'result',
    name: call.name,
    toolCallId: call.toolCallId,
    ...parent(call),
    ...meta(call),
    isError,
    commandBearing: call.commandBearing,
    result,
  }
}

/** `command_output` data (exec): `delta` while running, `end` with the outcome. */
export function commandOutputData(
  call: ToolCallInfo,
  phase: 'delta' | 'end',
  output: string,
  status: 'running' | 'completed' | 'failed',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    itemId: `command:${call.toolCallId}`,
    phase,
    title: `command ${call.meta ?? call.title}`,
    toolCallId: call.toolCallId,
    name: call.name,
    output,
    status,
    ...extra,
  }
}

/** `approval` data after a human `deny` (t2 phase 2). */
export function approvalDeniedData(call: ToolCallInfo, command: string): Record<string, unknown> {
  return {
    phase: 'resolved',
    kind: 'exec',
    status: 'denied',
    title: 'Command approval resolved',
    itemId: `command:${call.toolCallId}`,
    toolCallId: call.toolCallId,
    message: command,
  }
}
