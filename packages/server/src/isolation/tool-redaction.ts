/**
 * Redaction of what a run's tools print (issue 18): a command can print the gateway token (the
 * agent can read its own config), and its output reaches the browser in pieces. The per-frame
 * redaction replaces a token that is whole inside one string; this covers the rest. In 2026.9.6
 * every live piece is the output *so far*, cut to its last part when long (the gateway's
 * `extractLiveExecOutput` / `truncateLiveExecOutput`), never a chunk to join:
 *
 * - a `command_output` `delta`, and a `tool` `update`'s `partialResult`: the token is replaced, and
 *   neither a trailing start of the token (the next piece may complete it) nor a leading end of one
 *   (a window cut inside it) is sent;
 * - a `command_output` `end` (the final output, cut the same way): the token replaced and a leading
 *   end of one cut;
 * - a `tool` `result`'s text parts are joined and redacted (a browser joins them).
 */
import { isRecord, type Json } from '../common/records.js'
import { REDACTED, type Secrets } from './secret-scan.js'

/** The shortest end of a secret that is cut from the start of a partial output (shorter ends say nothing). */
export const MIN_LEADING_SUFFIX = 4

/** The text parts of a tool result joined, or `undefined` when there are none. */
function joinedText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined
  let text: string | undefined
  for (const part of content)
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text = (text ?? '') + part.text
  return text
}

/** Every secret in `text` replaced. */
function replaceAll(secrets: Secrets, text: string): string {
  let out = ''
  let at = 0
  for (let found = secrets.find(text, 0); found !== null; found = secrets.find(text, at)) {
    out += text.slice(at, found[0]) + REDACTED
    at = found[0] + found[1]
  }
  return at === 0 ? text : out + text.slice(at)
}

/** How many leading characters of `text` are the end of a secret (at least {@link MIN_LEADING_SUFFIX}); else 0. */
function leadingSuffix(secrets: Secrets, text: string): number {
  let longest = 0
  for (const secret of secrets.list) {
    for (let n = Math.min(secret.length - 1, text.length); n >= MIN_LEADING_SUFFIX && n > longest; n -= 1) {
      if (text.startsWith(secret.slice(secret.length - n))) {
        longest = n
        break
      }
    }
  }
  return longest
}

/**
 * A piece of output safe to send: every secret replaced, a leading end of one cut (the piece may be
 * a window that starts inside it) and, while more may follow (`live`), a trailing start of one held.
 */
function safeOutput(secrets: Secrets, text: string, live: boolean): string {
  let safe = replaceAll(secrets, text)
  safe = safe.slice(leadingSuffix(secrets, safe))
  return live ? safe.slice(0, secrets.holdFrom(safe, 0)) : safe
}

/** A tool result (`result` / `partialResult`) with its text safe, or the same object. */
function safeResult(secrets: Secrets, result: unknown, partial: boolean): unknown {
  if (!isRecord(result)) return result
  const text = joinedText(result.content)
  if (text === undefined) return result
  const safe = partial ? safeOutput(secrets, text, true) : replaceAll(secrets, text)
  if (safe === text) return result
  return { ...result, content: [{ type: 'text', text: safe }] }
}

/**
 * The output of the runs' tools made safe, for the {@link StreamRedactor} (one per proxy). Stateless:
 * each live piece is the whole output so far.
 *
 * @example
 * const tools = new ToolOutputRedactor(secrets)
 * payload = tools.redact(payload) // a `tool` or `command_output` agent event
 */
export class ToolOutputRedactor {
  constructor(private readonly secrets: Secrets) {}

  /** A `tool` or `command_output` agent event with its output safe; the same object when it is. */
  redact(payload: Json): Json {
    const data = payload.data
    if (!isRecord(data)) return payload
    if (payload.stream === 'command_output') return this.output(payload, data)
    if (payload.stream !== 'tool') return payload
    let out = data
    for (const field of ['partialResult', 'result'] as const) {
      const safe = safeResult(this.secrets, out[field], field === 'partialResult')
      if (safe !== out[field]) out = { ...out, [field]: safe }
    }
    return out === data ? payload : { ...payload, data: out }
  }

  private output(payload: Json, data: Json): Json {
    if (typeof data.output !== 'string') return payload
    const safe = safeOutput(this.secrets, data.output, data.phase === 'delta')
    return safe === data.output ? payload : { ...payload, data: { ...data, output: safe } }
  }
}
