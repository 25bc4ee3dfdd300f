import type { MockToolCall } from '../agent.js'

/** What {@link parseToolMarkers} finds in a message. */
export interface ParsedMarkers {
  /** The tool calls, in the order of their markers. */
  calls: MockToolCall[]
  /** The message without its markers (what the agent replies to after the tools). */
  text: string
}

const TOOL_MARKER = /\[\[TOOL:([A-Za-z0-9_.:-]+)\]\]/g
const ARGS_OPEN = '[[ARGS:'

/** The JSON object right after `[[ARGS:` at `start`, up to the first `]]` that closes valid JSON. */
function readArgs(message: string, start: number): { args: Record<string, unknown>; end: number } | undefined {
  let close = message.indexOf(']]', start)
  while (close !== -1) {
    try {
      const parsed: unknown = JSON.parse(message.slice(start, close))
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return { args: parsed as Record<string, unknown>, end: close + 2 }
      }
    } catch {
      // not yet the closing brackets: try the next `]]`
    }
    close = message.indexOf(']]', close + 1)
  }
  return undefined
}

/**
 * Finds the markers the real test suite's fake model obeys (TOOLS-AND-APPROVALS "How to make the agent
 * call a tool offline"): `[[TOOL:<name>]]`, optionally followed by `[[ARGS:<json object>]]`; several
 * markers make several calls of one model turn. Arguments that are not a JSON object are taken as `{}`.
 *
 * @example
 * parseToolMarkers('run [[TOOL:exec]] [[ARGS:{"command":"echo hi"}]] now')
 * // { calls: [{ tool: 'exec', args: { command: 'echo hi' } }], text: 'run now' }
 */
export function parseToolMarkers(message: string): ParsedMarkers {
  const calls: MockToolCall[] = []
  let text = ''
  let last = 0
  for (const match of message.matchAll(TOOL_MARKER)) {
    const at = match.index ?? 0
    if (at < last) continue
    text += message.slice(last, at)
    let end = at + match[0].length
    const gap = /^\s*/.exec(message.slice(end))?.[0].length ?? 0
    let args: Record<string, unknown> = {}
    if (message.startsWith(ARGS_OPEN, end + gap)) {
      const read = readArgs(message, end + gap + ARGS_OPEN.length)
      if (read) {
        args = read.args
        end = read.end
      }
    }
    calls.push({ tool: match[1] as string, args })
    last = end
  }
  text += message.slice(last)
  return { calls, text: calls.length === 0 ? message : text.replace(/\s+/g, ' ').trim() }
}
