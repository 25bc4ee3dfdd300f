/**
 * The text of a chat message as a browser reads it (a string content, or its text parts joined,
 * like the SDK's `messageText`), rewritten for redaction — pure.
 */
import { isRecord, type Json } from '../common/records.js'
import { REDACTED, type Secrets } from './secret-scan.js'

/** What the gateway appends to a history text it cut to `maxChars` (the proxy cuts the same way). */
export const TRUNCATION_MARKER = '\n...(truncated)...'

/**
 * The text of a message as the SDK reads it: a string content, or its text parts joined.
 *
 * @example
 * textOf({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }) // 'ab'
 */
export function textOf(message: unknown): string | undefined {
  if (!isRecord(message)) return undefined
  const content = message.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return undefined
  let text = ''
  for (const part of content)
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text
  return text
}

/**
 * A copy of `message` whose text (as {@link textOf} reads it) is `text`: in the first text part,
 * the others emptied.
 */
export function withText(message: unknown, text: string): unknown {
  if (!isRecord(message)) return message
  if (typeof message.content === 'string') return { ...message, content: text }
  if (!Array.isArray(message.content)) return message
  let placed = false
  const content = message.content.map((part: unknown) => {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return part
    const out = { ...part, text: placed ? '' : text }
    placed = true
    return out
  })
  if (!placed) content.push({ type: 'text', text })
  return { ...message, content }
}

/** Every occurrence of a secret in `joined`, leftmost first, as [start, length]. */
function secretsIn(secrets: Secrets, joined: string): Array<[number, number]> {
  const cuts: Array<[number, number]> = []
  for (let found = secrets.find(joined, 0); found !== null; found = secrets.find(joined, found[0] + found[1]))
    cuts.push(found)
  return cuts
}

/** One text part (`joined.slice(start, end)`) with the cuts applied: the placeholder where a secret starts. */
function cutPart(joined: string, start: number, end: number, cuts: ReadonlyArray<[number, number]>): string {
  let text = ''
  let at = start
  for (const [cutStart, cutLength] of cuts) {
    const cutEnd = cutStart + cutLength
    if (cutEnd <= at || cutStart >= end) continue
    text += joined.slice(at, Math.max(at, cutStart))
    if (cutStart >= start) text += REDACTED
    at = Math.min(end, cutEnd)
  }
  return text + joined.slice(at, end)
}

/**
 * `message` with every secret that its text parts only form together (a browser joins them, like
 * the SDK's `messageText`) replaced: the placeholder goes where the secret starts, the rest of it is
 * cut from the parts that follow. The same object when there is nothing to do (one text part: the
 * frame's own redaction covers it).
 */
export function redactAcrossParts(secrets: Secrets, message: unknown): unknown {
  if (!isRecord(message) || !Array.isArray(message.content)) return message
  const parts: Array<{ index: number; text: string }> = []
  message.content.forEach((part: unknown, index: number) => {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') parts.push({ index, text: part.text })
  })
  if (parts.length < 2) return message
  const joined = parts.map((p) => p.text).join('')
  const cuts = secretsIn(secrets, joined)
  if (cuts.length === 0) return message
  const content = [...message.content]
  let offset = 0
  for (const part of parts) {
    const text = cutPart(joined, offset, offset + part.text.length, cuts)
    offset += part.text.length
    if (text !== part.text) content[part.index] = { ...(content[part.index] as Json), text }
  }
  return { ...message, content }
}
