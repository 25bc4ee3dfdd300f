import { STATE_DIR } from '../fixtures/gateway-identity.js'

/*
 * The mock's fake tools: nothing is ever run or read from disk. Their results have the recorded
 * shapes (TOOLS-AND-APPROVALS, transcripts-tools/t1, t2, t3).
 */

/** The agent's workspace as `cwd` fields show it (the recording's `<state>/workspace`). */
export const WORKSPACE_DIR = `${STATE_DIR}/workspace`

/** What the fake `read` returns, whatever the path. */
export const FAKE_READ_TEXT = 'hello from the mock file\n'

/**
 * What the fake `exec` prints: `echo x` prints `x` and a newline (simple quotes removed), anything
 * else `mock: <command>`.
 *
 * @example
 * fakeExecOutput('echo hi') // 'hi\n'
 * fakeExecOutput('ls -l')   // 'mock: ls -l'
 */
export function fakeExecOutput(command: string): string {
  const echo = /^\s*echo(?:\s+(.*))?$/s.exec(command)
  if (!echo) return `mock: ${command}`
  const words = (echo[1] ?? '').trim()
  const unquoted = /^(["'])(.*)\1$/s.exec(words)
  return `${unquoted ? unquoted[2] : words}\n`
}

/** A tool result: the text parts the model sees and the tool's `details`. */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>
  details: Record<string, unknown>
}

/** `{content:[{type:"text",text}], details}`. */
export function textResult(text: string, details: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], details }
}

/** A failed tool as the gateway reports it: the JSON text `{status:"error",tool,error}` (pretty). */
export function errorResult(tool: string, error: string): ToolResult {
  const payload = { status: 'error', tool, error }
  return textResult(JSON.stringify(payload, null, 2), payload)
}

/** The `read` result (t1): the text, `details {kind:"text", content}`. */
export function readResult(): ToolResult {
  return textResult(FAKE_READ_TEXT, { kind: 'text', content: FAKE_READ_TEXT })
}

/** A string argument, or `undefined`. */
export function stringArg(args: Record<string, unknown>, name: string): string | undefined {
  const v = args[name]
  return typeof v === 'string' ? v : undefined
}
