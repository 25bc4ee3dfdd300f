import type { ChatHistoryResult, ChatMessage } from '@clawchat/protocol'
import { resultText, statusOf, type ToolCall } from './tool-calls.js'

/** A `toolCall` content part of an assistant message. */
interface ToolCallPart {
  type: 'toolCall'
  id: string
  name?: string
  arguments?: unknown
}

const isToolCallPart = (p: unknown): p is ToolCallPart =>
  (p as ToolCallPart | null)?.type === 'toolCall' && typeof (p as ToolCallPart).id === 'string'

/**
 * The tool calls of a `chat.history` answer, in the order the model made them: one per `toolCall`
 * content part of an assistant message, completed by its `toolResult` row (result text, `done` or
 * `failed`) and the answer's `activity` (title, status). A call with no result yet is `running` (it
 * may be waiting for an approval). `runId` is the row's (your own runs' messages carry it through
 * the proxy; `''` when unknown). Pure: call it on every history page you render, e.g. to show tool
 * cards again after a reload.
 *
 * @example
 * const history = await chat.history()
 * const calls = toolCallsFromHistory(history)
 * for (const call of calls) renderCard(call.toolCallId, call.title ?? call.name, call.status, call.result)
 */
export function toolCallsFromHistory(result: ChatHistoryResult): ToolCall[] {
  const calls = new Map<string, ToolCall>()
  const sessionKey = result?.sessionKey ?? ''
  for (const m of result?.messages ?? []) {
    if (m.role === 'toolResult') applyResult(calls, m, sessionKey)
    else if (Array.isArray(m.content))
      for (const part of m.content) {
        if (!isToolCallPart(part) || calls.has(part.id)) continue
        const call: ToolCall = {
          toolCallId: part.id,
          runId: m.runId ?? '',
          sessionKey,
          name: part.name ?? '',
          status: 'running',
        }
        if (part.arguments !== undefined) call.args = part.arguments
        calls.set(part.id, call)
      }
  }
  for (const group of result?.activity ?? [])
    for (const item of group?.items ?? []) {
      const call = item?.toolCallId ? calls.get(item.toolCallId) : undefined
      if (!call) continue
      if (item.title && call.title === undefined) call.title = item.title
      if (!call.name && item.name) call.name = item.name
      const status = statusOf(item.status)
      if (call.status === 'running' && status && status !== 'running') call.status = status
    }
  return [...calls.values()]
}

/** A `toolResult` row: the result of its call (a row without its call, e.g. on an older page, makes one). */
function applyResult(calls: Map<string, ToolCall>, m: ChatMessage, sessionKey: string): void {
  const id = m.toolCallId
  if (!id) return
  let call = calls.get(id)
  if (!call) {
    call = { toolCallId: id, runId: m.runId ?? '', sessionKey, name: m.toolName ?? '', status: 'running' }
    calls.set(id, call)
  }
  if (!call.name && m.toolName) call.name = m.toolName
  const text = resultText(m)
  if (text !== undefined) call.result = text
  call.status = m.isError === true ? 'failed' : 'done'
  if (m.isError === true && text !== undefined) call.error = text
  const approval = /gateway id=([\w-]+)/.exec(text ?? '')
  if (approval) call.approvalId = approval[1]
}
