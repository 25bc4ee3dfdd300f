import type { AgentEvent } from '@clawchat/protocol'

/**
 * One tool call of a run (a command, a file read, a question, …) as the SDK builds it from the run's
 * `agent` events: `tool` (start / update / result: name, args, progress, result), `item` (title,
 * status, error), `command_output` (a command's output so far), lifecycle `waiting-approval` and
 * `approval` (the approval it waits for). Emitted on `chat.on('tool')` and in `stream()` parts.
 *
 * @example
 * chat.on('tool', (call: ToolCall) => renderCard(call.toolCallId, `${call.title ?? call.name}: ${call.status}`))
 */
export interface ToolCall {
  /** The gateway's id of the call; unique within its run. */
  toolCallId: string
  /** The run (the `idempotencyKey` of its `chat.send`). */
  runId: string
  sessionKey: string
  /** The tool: `exec`, `read`, `tool_call`, … (`''` until an event names it). */
  name: string
  /** The gateway's title for people, e.g. `Exec say hi`, `Read from ~/notes.txt`. */
  title?: string
  /** The call's arguments, as the model wrote them (only with the `tool-events` cap, which the SDK asks for). */
  args?: unknown
  /** `running` until the tool ends; then `done`, or `failed` (an error, a denial, an abort). */
  status: 'running' | 'done' | 'failed'
  /** A command's output (or the tool's progress) so far; replaced, not appended, by each update. */
  output?: string
  /** The result's text once the tool ended. */
  result?: string
  /** Why it failed, when it did. */
  error?: string
  /** The approval the call waits (or waited) for. */
  approvalId?: string
}

/** The text parts of a tool result (`{ content: [{ type: 'text', text }] }`), joined; `undefined` when none. */
export function resultText(result: unknown): string | undefined {
  const content = (result as { content?: unknown } | null | undefined)?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return undefined
  const texts = content
    .filter((p): p is { type: 'text'; text: string } => p?.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
  return texts.length ? texts.join('') : undefined
}

/** The status of a call for a gateway status word (`completed`, `failed`, `running`, …). */
export function statusOf(word: unknown): ToolCall['status'] | undefined {
  if (word === 'completed' || word === 'done' || word === 'ok') return 'done'
  if (word === 'failed' || word === 'error' || word === 'denied' || word === 'cancelled') return 'failed'
  if (word === 'running') return 'running'
  return undefined
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Streams of `agent` events that say something about a tool call. */
const TOOL_STREAMS = ['tool', 'item', 'command_output', 'approval', 'lifecycle']

/** How many tool calls the tracker remembers (the oldest are forgotten first). */
const MAX_CALLS = 500

/**
 * Builds {@link ToolCall}s from `agent` events, keyed by `toolCallId` per run. Bounded: it forgets
 * the oldest calls beyond {@link MAX_CALLS}.
 *
 * @example
 * const calls = new ToolCallTracker()
 * chat.on('agent', (e) => { const call = calls.apply(e); if (call) render(call) })
 */
export class ToolCallTracker {
  readonly #calls = new Map<string, ToolCall>()

  /** Applies one `agent` event; returns a copy of the call it changed, or `undefined` (not a tool event, no change). */
  apply(e: AgentEvent): ToolCall | undefined {
    const data = e?.data
    const toolCallId = str(data?.toolCallId)
    if (!toolCallId || !TOOL_STREAMS.includes(e.stream) || typeof e.runId !== 'string') return undefined
    if (e.stream === 'lifecycle' && data.phase !== 'waiting-approval' && data.phase !== 'approval-resolved')
      return undefined
    const key = `${e.runId}\n${toolCallId}`
    const before = this.#calls.get(key)
    const call: ToolCall = before
      ? { ...before }
      : { toolCallId, runId: e.runId, sessionKey: e.sessionKey, name: '', status: 'running' }
    call.name = str(data.name) || call.name
    if (e.stream === 'tool') applyTool(call, data)
    else if (e.stream === 'item') applyItem(call, data)
    else if (e.stream === 'command_output') applyOutput(call, data)
    call.approvalId = str(data.approvalId) ?? call.approvalId
    if (call.approvalId === undefined) delete call.approvalId
    if (before && same(before, call)) return undefined
    this.#calls.delete(key)
    this.#calls.set(key, call)
    if (this.#calls.size > MAX_CALLS) this.#calls.delete(this.#calls.keys().next().value!)
    return { ...call }
  }

  /** The calls of run `runId`, in the order they started. */
  callsOf(runId: string): ToolCall[] {
    return [...this.#calls.values()].filter((c) => c.runId === runId).map((c) => ({ ...c }))
  }
}

/** Ends a call: `done` or `failed`, never back to `running`. */
function finish(call: ToolCall, status: ToolCall['status'] | undefined): void {
  if (status === 'failed' || (status === 'done' && call.status !== 'failed')) call.status = status
}

function applyTool(call: ToolCall, data: Record<string, unknown>): void {
  if (data.phase === 'start' && data.args !== undefined) call.args = data.args
  if (data.phase === 'update') {
    const progress = resultText(data.partialResult)
    if (progress !== undefined) call.output = progress
  }
  if (data.phase === 'result') {
    const text = resultText(data.result)
    if (text !== undefined) call.result = text
    finish(call, data.isError === true ? 'failed' : 'done')
    if (data.isError === true && call.error === undefined && text !== undefined) call.error = text
  }
}

function applyItem(call: ToolCall, data: Record<string, unknown>): void {
  if (typeof data.title === 'string') call.title = data.title
  if (typeof data.error === 'string') call.error = data.error
  if (data.phase === 'end') finish(call, statusOf(data.status))
}

function applyOutput(call: ToolCall, data: Record<string, unknown>): void {
  if (typeof data.output === 'string') call.output = data.output
  if (data.phase === 'end') finish(call, statusOf(data.status))
}

/** Same fields, same values (`args` by reference: it is set once). */
function same(a: ToolCall, b: ToolCall): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ToolCall>
  for (const k of keys) if (a[k] !== b[k]) return false
  return true
}
