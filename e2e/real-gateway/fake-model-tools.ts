// Tool calls for the fake model: `[[TOOL:<name>]] [[ARGS:<json>]]` markers in the user's message
// make the model's first answer a set of OpenAI `tool_calls`; once the gateway has run them (a
// `tool` message after the last real user message) the model answers text. As measured in
// TOOLS-AND-APPROVALS.md "How to make the agent call a tool offline" (openclaw 2026.9.6).

/** One tool call a message asks for. */
export interface FakeToolCall {
  /** The tool's name as the model request lists it (`read`, `exec`, `tool_call`, …). */
  name: string
  /** The arguments, as given in `[[ARGS:…]]` (`{}` when a `[[TOOL:…]]` has no `[[ARGS:…]]`). */
  args: Record<string, unknown>
}

/** A tool result the gateway sent back to the model (a `tool` message). */
export interface FakeToolResult {
  toolCallId: string
  /** The result text (text parts joined). */
  content: string
}

const TOOL_OPEN = /\[\[TOOL:([A-Za-z0-9_.-]+)\]\]/g
const ARGS_OPEN = '[[ARGS:'

/** A marker's place in the text: `[start, end)`. */
interface Span {
  start: number
  end: number
}

/**
 * The tool calls of a message, in order, and where their markers are. `[[ARGS:…]]` belongs to the
 * `[[TOOL:…]]` before it (whitespace between them allowed); its JSON may contain `]]`.
 *
 * @example
 * parseToolMarkers('run [[TOOL:exec]] [[ARGS:{"command":"echo hi"}]]').calls
 * // [{ name: 'exec', args: { command: 'echo hi' } }]
 */
export function parseToolMarkers(text: string): { calls: FakeToolCall[]; spans: Span[] } {
  const calls: FakeToolCall[] = []
  const spans: Span[] = []
  TOOL_OPEN.lastIndex = 0
  let m: RegExpExecArray | null
  while ((m = TOOL_OPEN.exec(text)) !== null) {
    const name = m[1]!
    const toolSpan = { start: m.index, end: m.index + m[0].length }
    spans.push(toolSpan)
    let i = toolSpan.end
    while (i < text.length && /\s/.test(text[i]!)) i++
    if (!text.startsWith(ARGS_OPEN, i)) {
      calls.push({ name, args: {} })
      continue
    }
    const jsonStart = i + ARGS_OPEN.length
    const jsonEnd = endOfJsonObject(text, jsonStart)
    if (jsonEnd < 0 || !text.startsWith(']]', jsonEnd))
      throw new Error(`fake model: [[ARGS:…]] after [[TOOL:${name}]] is not a JSON object followed by "]]"`)
    let args: unknown
    try {
      args = JSON.parse(text.slice(jsonStart, jsonEnd))
    } catch (err) {
      throw new Error(`fake model: [[ARGS:…]] after [[TOOL:${name}]] is not valid JSON (${String(err)})`, {
        cause: err,
      })
    }
    calls.push({ name, args: args as Record<string, unknown> })
    spans.push({ start: i, end: jsonEnd + 2 })
    TOOL_OPEN.lastIndex = jsonEnd + 2
  }
  return { calls, spans }
}

/** The index just past the `{…}` starting at `start` (strings and escapes respected), or -1. */
function endOfJsonObject(text: string, start: number): number {
  if (text[start] !== '{') return -1
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}

/**
 * `text` without its tool markers (`[[TOOL:…]]` and their `[[ARGS:{…}]]`).
 *
 * @example
 * stripToolMarkers('run [[TOOL:exec]] [[ARGS:{"command":"x"}]] now') // 'run   now'
 */
export function stripToolMarkers(text: string): string {
  let spans: Span[]
  try {
    spans = parseToolMarkers(text).spans
  } catch {
    return text
  }
  let out = ''
  let at = 0
  for (const s of spans) {
    out += text.slice(at, s.start)
    at = s.end
  }
  return out + text.slice(at)
}

/**
 * The `tool` messages of an OpenAI chat body that come after its last real user message (the
 * gateway appends an internal-context user message after the tool results: a check of the last
 * message alone would call the tools again, forever).
 *
 * @example
 * toolResultsAfterLastUser(body, isInternal) // [{ toolCallId: 'callfake10', content: 'hello\n' }]
 */
export function toolResultsAfterLastUser(
  messages: readonly unknown[],
  isRealUser: (m: Record<string, unknown>) => boolean,
): FakeToolResult[] {
  let lastUser = -1
  messages.forEach((m, i) => {
    if (isRecord(m) && m.role === 'user' && isRealUser(m)) lastUser = i
  })
  const out: FakeToolResult[] = []
  for (const m of messages.slice(lastUser + 1)) {
    if (!isRecord(m) || m.role !== 'tool') continue
    out.push({
      toolCallId: typeof m.tool_call_id === 'string' ? m.tool_call_id : '',
      content: contentText(m.content),
    })
  }
  return out
}

/** The text of an OpenAI message `content` (a string, or its text parts joined). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((p: unknown) => (isRecord(p) && p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .join('')
}

/** The OpenAI `tool_calls` of an assistant answer, with ids `call_fake_<completion>_<index>`. */
export function openAiToolCalls(calls: readonly FakeToolCall[], completion: number) {
  return calls.map((c, index) => ({
    index,
    id: `call_fake_${completion}_${index}`,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.args) },
  }))
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
