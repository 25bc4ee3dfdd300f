import { messageText } from '@clawchat/client'
import type { ToolCallView } from './tool-card.js'

/** The fields of a `chat.history` row this page reads. */
export interface HistoryRow {
  role: string
  content: unknown
  toolCallId?: string
  isError?: boolean
}

/** `chat.history`'s `activity`: per message, its tool calls with the gateway's titles. */
export type HistoryActivity = ReadonlyArray<{ items?: ReadonlyArray<{ toolCallId?: string; title?: string }> }>

/**
 * The tool calls of an assistant row (its `toolCall` content parts), as cards show them before
 * their result: running, with the gateway's title from `activity` when it has one.
 *
 * @example
 * const call = { type: 'toolCall', id: 'c1', name: 'exec', arguments: { command: 'date' } }
 * toolCallsOf({ role: 'assistant', content: [call] })
 * // [{ toolCallId: 'c1', name: 'exec', args: { command: 'date' }, status: 'running' }]
 */
export function toolCallsOf(row: HistoryRow, titles: ReadonlyMap<string, string> = new Map()): ToolCallView[] {
  if (row.role !== 'assistant' || !Array.isArray(row.content)) return []
  const calls: ToolCallView[] = []
  for (const part of row.content as unknown[]) {
    const p = part as { type?: unknown; id?: unknown; name?: unknown; arguments?: unknown }
    if (p?.type !== 'toolCall' || typeof p.id !== 'string' || typeof p.name !== 'string') continue
    const title = titles.get(p.id)
    calls.push({
      toolCallId: p.id,
      name: p.name,
      ...(p.arguments !== undefined ? { args: p.arguments } : {}),
      ...(title ? { title } : {}),
      status: 'running',
    })
  }
  return calls
}

/** A `toolResult` row as the change it makes to its call's card: done or failed, with the result's text. */
export function toolResultOf(row: HistoryRow): { toolCallId: string; change: Partial<ToolCallView> } | undefined {
  if (row.role !== 'toolResult' || typeof row.toolCallId !== 'string') return undefined
  return {
    toolCallId: row.toolCallId,
    change: { status: row.isError ? 'failed' : 'done', result: messageText(row.content) },
  }
}

/** toolCallId → the gateway's title of the call, from `chat.history`'s `activity`. */
export function activityTitles(activity: HistoryActivity | undefined): Map<string, string> {
  const titles = new Map<string, string>()
  for (const entry of activity ?? [])
    for (const item of entry.items ?? [])
      if (item.toolCallId && item.title && !/outcome unknown/i.test(item.title)) titles.set(item.toolCallId, item.title)
  return titles
}
