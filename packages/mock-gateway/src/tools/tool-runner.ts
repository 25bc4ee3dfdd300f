import type { MockToolCall } from '../agent.js'
import { runToolCall } from './ask-user-tool.js'
import { runExec } from './exec-tool.js'
import { errorResult, readResult, stringArg } from './fake-tools.js'
import { ToolEvents, type ToolOutcome, type ToolRunContext } from './tool-context.js'
import { itemData, toolResultData, toolStartData, type ToolCallInfo } from './tool-payloads.js'

/** The fake `read` (t1): `Read from <path>`, a fixed text. */
function runRead(ctx: ToolRunContext, toolCallId: string, args: Record<string, unknown>): ToolOutcome {
  const path = stringArg(args, 'path')
  const call: ToolCallInfo = {
    toolCallId,
    name: 'read',
    title: path === undefined ? 'Read' : `Read from ${path}`,
    ...(path === undefined ? {} : { meta: `from ${path}` }),
    commandBearing: false,
  }
  const ev = new ToolEvents(ctx, call)
  const startedAt = Date.now()
  ev.item(itemData(call, 'start', { startedAt }))
  ev.tool(toolStartData(call, args))
  const failed = path === undefined
  const result = failed ? errorResult('read', 'path required') : readResult()
  ev.tool(toolResultData(call, result, failed))
  ev.item(
    itemData(call, 'end', { startedAt, endedAt: Date.now(), ...(failed ? { failed, error: 'path required' } : {}) }),
  )
  return { name: 'read', text: result.content[0]?.text ?? '', isError: failed, succeeded: failed ? [] : ['read'] }
}

/** A tool the mock does not have: the gateway's error result. */
function runUnknown(ctx: ToolRunContext, toolCallId: string, name: string, args: Record<string, unknown>): ToolOutcome {
  const call: ToolCallInfo = { toolCallId, name, title: name, commandBearing: false }
  const ev = new ToolEvents(ctx, call)
  const startedAt = Date.now()
  const error = `Tool ${name} not found`
  ev.item(itemData(call, 'start', { startedAt }))
  ev.tool(toolStartData(call, args))
  const result = errorResult(name, error)
  ev.tool(toolResultData(call, result, true))
  ev.item(itemData(call, 'end', { startedAt, endedAt: Date.now(), failed: true, error }))
  return { name, text: result.content[0]?.text ?? '', isError: true, succeeded: [] }
}

/**
 * Runs one fake tool call with its events (never a real command or file): `read`, `exec` (with
 * approvals in ask mode), `tool_call` (`ask_user` questions), anything else fails.
 */
export function runTool(
  ctx: ToolRunContext,
  toolCallId: string,
  call: MockToolCall,
): Promise<ToolOutcome> | ToolOutcome {
  const args = call.args ?? {}
  switch (call.tool) {
    case 'read':
      return runRead(ctx, toolCallId, args)
    case 'exec':
      return runExec(ctx, toolCallId, args)
    case 'tool_call':
      return runToolCall(ctx, toolCallId, args)
    default:
      return runUnknown(ctx, toolCallId, call.tool, args)
  }
}

/** Whether a reply part is a tool call (`{ tool, args? }`) rather than a text chunk. */
export function isToolCall(part: unknown): part is MockToolCall {
  return typeof part === 'object' && part !== null && typeof (part as MockToolCall).tool === 'string'
}
