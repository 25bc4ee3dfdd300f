import { randomUUID } from 'node:crypto'
import { MODEL } from '../fixtures/gateway-identity.js'
import type { SessionRecord, StoredMessage } from './session-store.js'

/*
 * The history rows of a run with tools (TOOLS-AND-APPROVALS "chat.history for a run with tools", t1):
 * the assistant's `toolCall` row (`stopReason:"toolUse"`), a `toolResult` row per call, and the
 * `activity` summary `chat.history` returns beside them.
 */

/** One call of an assistant turn. */
export interface StoredToolCall {
  id: string
  name: string
  arguments: Record<string, unknown>
}

/** What `activity` says about one call. */
interface CallActivity {
  name: string
  commandBearing: boolean
  /** Unset while the call runs (`"… — outcome unknown"`). */
  status?: 'completed' | 'failed'
}

const activityBySession = new WeakMap<SessionRecord, Map<string, CallActivity>>()
let responseCounter = 0

function calls(session: SessionRecord): Map<string, CallActivity> {
  let map = activityBySession.get(session)
  if (!map) {
    map = new Map()
    activityBySession.set(session, map)
  }
  return map
}

function meta(session: SessionRecord, runId: string, now: number): Record<string, unknown> {
  return {
    runId,
    id: randomUUID(),
    recordTimestampMs: now,
    transcriptPosition: { source: session.transcriptSource, rawSeq: ++session.rawSeq },
    seq: ++session.messageSeq,
  }
}

/** Appends the assistant row that calls tools (one model turn, one or more calls). */
export function appendToolCallMessage(
  session: SessionRecord,
  p: { runId: string; calls: StoredToolCall[]; text: string; inputTokens: number },
  now = Date.now(),
): StoredMessage {
  responseCounter += 1
  const content = [
    ...(p.text === '' ? [] : [{ type: 'text', text: p.text }]),
    ...p.calls.map((c) => ({ type: 'toolCall', id: c.id, name: c.name, arguments: c.arguments })),
  ]
  const output = 5 * p.calls.length
  const message: StoredMessage = {
    role: 'assistant',
    content,
    api: MODEL.api,
    provider: MODEL.provider,
    model: MODEL.id,
    usage: {
      input: p.inputTokens,
      output,
      totalTokens: p.inputTokens + output,
      cacheRead: 0,
      cacheWrite: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: 'toolUse',
    timestamp: now,
    responseId: `chatcmpl-${MODEL.provider}-tools-${responseCounter}`,
    __openclaw: meta(session, p.runId, now),
  }
  for (const c of p.calls) calls(session).set(c.id, { name: c.name, commandBearing: c.name === 'exec' })
  session.messages.push(message)
  session.updatedAt = now
  return message
}

/** Appends a `toolResult` row and marks the call done in `activity`. */
export function appendToolResultMessage(
  session: SessionRecord,
  p: { runId: string; toolCallId: string; toolName: string; text: string; isError: boolean },
  now = Date.now(),
): StoredMessage {
  const message: StoredMessage = {
    role: 'toolResult',
    toolCallId: p.toolCallId,
    toolName: p.toolName,
    content: [{ type: 'text', text: p.text }],
    isError: p.isError,
    timestamp: now,
    __openclaw: meta(session, p.runId, now),
  }
  const call = calls(session).get(p.toolCallId)
  if (call) call.status = p.isError ? 'failed' : 'completed'
  session.messages.push(message)
  session.updatedAt = now
  return message
}

/** A tool's generic title in `activity`: `Exec`, `Read`, `Tool Call`, … */
function genericTitle(name: string): string {
  return name
    .split(/[_\s-]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(' ')
}

function activityItem(toolCallId: string, call: CallActivity): Record<string, unknown> {
  const base = { itemId: `tool:${toolCallId}`, toolCallId, name: call.name, kind: 'tool', phase: 'end' }
  const title = genericTitle(call.name)
  if (call.status === undefined) {
    return {
      ...base,
      title: `${title} — outcome unknown`,
      summary: 'Outcome unknown',
      commandBearing: call.commandBearing,
    }
  }
  return { ...base, title, status: call.status, commandBearing: call.commandBearing }
}

/** `chat.history`'s `activity` for these messages: one entry per toolCall / toolResult row. */
export function historyActivity(session: SessionRecord, messages: StoredMessage[]): Array<Record<string, unknown>> {
  const known = calls(session)
  const out: Array<Record<string, unknown>> = []
  for (const m of messages) {
    const ids =
      m.role === 'toolResult'
        ? [String(m.toolCallId)]
        : m.role === 'assistant' && Array.isArray(m.content)
          ? (m.content as Array<Record<string, unknown>>).filter((c) => c.type === 'toolCall').map((c) => String(c.id))
          : []
    const items = ids.flatMap((id) => {
      const call = known.get(id)
      return call ? [activityItem(id, call)] : []
    })
    const messageId = (m.__openclaw as Record<string, unknown> | undefined)?.id
    if (items.length > 0) out.push({ messageId, items })
  }
  return out
}
