/**
 * What of the agent's tool work a browser may see — pure functions over the whitelists of
 * `@clawchat/protocol`: the `data` of the `tool`, `item`, `command_output` and `approval` agent
 * streams, and the tool rows and `activity` of `chat.history`. The model's own output (a call's
 * `args`, a tool's text result, a command's output) is the user's and passes as it is; every other
 * string has gateway identifiers rewritten; server paths, process ids, gateway session ids and
 * client ids (`cwd`, `pid`, `sessionId`, `resolvedPath`, `participants`) are never copied.
 */
import { ACTIVITY_ITEM_FIELDS, AGENT_DATA_FIELDS, TOOL_RESULT_DETAIL_FIELDS } from '@clawchat/protocol'
import { isRecord, type Json } from '../common/records.js'

/** Rewrites gateway identifiers in a text for the viewer (`rewriteIdentifiers` bound to a view). */
export type Rewrite = (text: string) => string

/** How deep a call's `args` are copied; deeper values are dropped (a model's args are shallow). */
export const MAX_ARGS_DEPTH = 32
/** Activity items kept per history message (the gateway lists one per tool call of the message). */
export const MAX_ACTIVITY_ITEMS = 64
/** Characters of an activity item's string fields (titles quote the call's args). */
export const MAX_ACTIVITY_TEXT = 1024

/** Streams whose text fields other than these are the proxy's to rewrite; these are the agent's own output. */
const OWN_OUTPUT: Readonly<Record<string, ReadonlySet<string>>> = {
  assistant: new Set(['text', 'delta']),
  command_output: new Set(['output']),
}

/**
 * The whitelisted primitive fields of one agent stream's `data`: strings rewritten (except the
 * agent's own output), numbers, booleans and `null` kept, anything else dropped.
 *
 * @example
 * primitiveData('item', { title: 'Exec x', cwd: '/srv', startedAt: 1 }, rewrite) // { title: 'Exec x', startedAt: 1 }
 */
export function primitiveData(stream: string, data: Json, rewrite: Rewrite): Json {
  const fields = Object.hasOwn(AGENT_DATA_FIELDS, stream) ? (AGENT_DATA_FIELDS[stream] ?? []) : []
  const own = OWN_OUTPUT[stream]
  const out: Json = {}
  for (const field of fields) {
    const value = data[field]
    if (typeof value === 'string') out[field] = own?.has(field) ? value : rewrite(value)
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[field] = value
  }
  return out
}

/**
 * A deep copy of a JSON value (a tool call's `args`): plain objects, arrays, strings, finite
 * numbers, booleans and `null`; anything else (and keys like `__proto__`) dropped.
 *
 * @example
 * jsonCopy({ command: 'echo hi', env: { A: '1' } }) // an equal object that shares nothing with its source
 */
export function jsonCopy(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (depth >= MAX_ARGS_DEPTH) return undefined
  if (Array.isArray(value)) return value.map((item) => jsonCopy(item, depth + 1) ?? null)
  if (!isRecord(value)) return undefined
  const out: Json = {}
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    const copied = jsonCopy(item, depth + 1)
    if (copied !== undefined) out[key] = copied
  }
  return out
}

/** The text parts of a content array, as `{ type: 'text', text }` only. */
export function textParts(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  if (!Array.isArray(content)) return []
  const out: Json[] = []
  for (const part of content)
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string')
      out.push({ type: 'text', text: part.text })
  return out
}

/**
 * A tool's `result` / `partialResult` reduced to `{ content: text parts, details: only
 * TOOL_RESULT_DETAIL_FIELDS }` (no `cwd`, `pid`, `sessionId`, `aggregated`, `tail`).
 */
export function toolResult(result: unknown): Json | undefined {
  if (!isRecord(result)) return undefined
  const out: Json = { content: textParts(result.content) }
  if (isRecord(result.details)) {
    const details: Json = {}
    for (const field of TOOL_RESULT_DETAIL_FIELDS) {
      const value = result.details[field]
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
        details[field] = value
    }
    if (Object.keys(details).length > 0) out.details = details
  }
  return out
}

/**
 * The `data` of a `tool` agent event as its owner sees it: the primitives of
 * `AGENT_DATA_FIELDS.tool`, the call's `args` (a deep copy), and `result` / `partialResult` reduced.
 *
 * @example
 * toolData({ phase: 'update', name: 'exec', toolCallId: 'c1', partialResult: {
 *   content: [{ type: 'text', text: 'hi' }], details: { cwd: '/srv', pid: 7, status: 'running' } } }, r)
 * // { phase: 'update', name: 'exec', toolCallId: 'c1',
 * //   partialResult: { content: [{ type: 'text', text: 'hi' }], details: { status: 'running' } } }
 */
export function toolData(data: Json, rewrite: Rewrite): Json {
  const out = primitiveData('tool', data, rewrite)
  if (data.args !== undefined) {
    const args = jsonCopy(data.args)
    if (args !== undefined) out.args = args
  }
  for (const field of ['result', 'partialResult'] as const) {
    const reduced = toolResult(data[field])
    if (reduced !== undefined) out[field] = reduced
  }
  return out
}

/**
 * A nested `toolResult` part (the real gateway's `openclaw.nested-tool.v1` custom rows, e.g. an
 * `ask_user` inside `tool_call`): `{ type, toolCallId, toolName, isError, content: text parts }` —
 * never its upstream `runId`, `scopeId` or `afterEntryId`.
 */
function nestedResultPart(part: Json): Json {
  const out: Json = { type: 'toolResult' }
  for (const field of ['toolCallId', 'toolName', 'isError'] as const) {
    const value = part[field]
    if (typeof value === 'string' || typeof value === 'boolean') out[field] = value
  }
  out.content = textParts(part.content)
  return out
}

/**
 * A `toolCall` content part of a history message: `{ type, id, name, arguments }` (arguments
 * deep-copied); a nested `toolResult` part through {@link nestedResultPart}; any other part is
 * returned as it is.
 */
function contentPart(part: unknown): unknown {
  if (isRecord(part) && part.type === 'toolResult') return nestedResultPart(part)
  if (!isRecord(part) || part.type !== 'toolCall') return part
  const out: Json = { type: 'toolCall' }
  if (typeof part.id === 'string') out.id = part.id
  if (typeof part.name === 'string') out.name = part.name
  const args = jsonCopy(part.arguments)
  if (args !== undefined) out.arguments = args
  return out
}

/** A `toolCall` or nested `toolResult` content part. */
function isToolPart(part: unknown): boolean {
  return isRecord(part) && (part.type === 'toolCall' || part.type === 'toolResult')
}

/**
 * The tool parts of an already whitelisted history message made safe: a `toolResult` row keeps
 * only its text parts (its `details` were never copied: not whitelisted), an assistant row's
 * `toolCall` parts only `type`, `id`, `name`, `arguments`.
 *
 * @example
 * historyToolParts({ role: 'toolResult', content: [{ type: 'text', text: 'hi' }, { type: 'image', data: '…' }] })
 * // { role: 'toolResult', content: [{ type: 'text', text: 'hi' }] }
 */
export function historyToolParts(message: Json): Json {
  if (message.role === 'toolResult') {
    if (message.content !== undefined) message.content = textParts(message.content)
    return message
  }
  if (Array.isArray(message.content) && message.content.some(isToolPart))
    message.content = message.content.map(contentPart)
  return message
}

/** One activity item: the whitelisted primitive fields, strings rewritten and cut. */
function activityItem(item: unknown, rewrite: Rewrite): Json | undefined {
  if (!isRecord(item)) return undefined
  const out: Json = {}
  for (const field of ACTIVITY_ITEM_FIELDS) {
    const value = item[field]
    if (typeof value === 'string') out[field] = rewrite(value.slice(0, MAX_ACTIVITY_TEXT))
    else if (typeof value === 'number' || typeof value === 'boolean') out[field] = value
  }
  return Object.keys(out).length > 0 ? out : undefined
}

/**
 * A `chat.history` answer's `activity` as its owner sees it: at most one entry per message of
 * the page (`maxEntries`), each with at most {@link MAX_ACTIVITY_ITEMS} whitelisted items. The
 * gateway's `messageId` (its id of a stored message) is kept when it names a message of the page
 * (`pageIds`: the messages' `id`s), else dropped: an item also names its `toolCallId`, which the
 * `toolCall` part and the `toolResult` row carry. `undefined` when nothing is left.
 *
 * @example
 * historyActivity([{ messageId: 'm2', items: [{ toolCallId: 'c1', name: 'exec', status: 'completed' }] }], 10, r,
 *   new Set(['m2']))
 * // [{ messageId: 'm2', items: [{ toolCallId: 'c1', name: 'exec', status: 'completed' }] }]
 */
export function historyActivity(
  activity: unknown,
  maxEntries: number,
  rewrite: Rewrite,
  pageIds: ReadonlySet<unknown> = new Set(),
): Json[] | undefined {
  if (!Array.isArray(activity)) return undefined
  const out: Json[] = []
  for (const entry of activity) {
    if (out.length >= maxEntries) break
    if (!isRecord(entry) || !Array.isArray(entry.items)) continue
    const items: Json[] = []
    for (const item of entry.items.slice(0, MAX_ACTIVITY_ITEMS)) {
      const kept = activityItem(item, rewrite)
      if (kept) items.push(kept)
    }
    if (items.length === 0) continue
    out.push(pageIds.has(entry.messageId) ? { messageId: entry.messageId, items } : { items })
  }
  return out.length > 0 ? out : undefined
}
