/**
 * `chat.send` attachments, rebuilt field by field: only OpenClaw's attachment fields, with their
 * types, go upstream — never a `__proto__`, `constructor` or nested object from a browser. (The
 * gateway's own schema takes any extra field and any `content`, so this stays the proxy's check.)
 */
import { isRecord } from '../common/records.js'

/** The fields of an attachment (OpenClaw's `chat.send` shape) and the type each must have. */
export const ATTACHMENT_FIELDS: Readonly<Record<string, 'string' | 'number'>> = {
  type: 'string',
  mimeType: 'string',
  fileName: 'string',
  content: 'string',
  sizeBytes: 'number',
  durationMs: 'number',
  width: 'number',
  height: 'number',
}

/** The field's type, or undefined when it has it. */
function fieldProblem(key: string, field: unknown): string | undefined {
  const want = ATTACHMENT_FIELDS[key]
  const fits = want === 'number' ? typeof field === 'number' && Number.isFinite(field) : typeof field === want
  if (fits) return undefined
  return want === 'string' && key === 'content' ? 'string (base64 for binary files)' : want
}

/** One attachment rebuilt, or what was wrong with it. */
function rebuildAttachment(item: unknown, i: number): Record<string, unknown> | string {
  if (!isRecord(item)) return `attachments[${i}] must be an object`
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(item)) {
    if (!Object.hasOwn(ATTACHMENT_FIELDS, key)) {
      const allowed = Object.keys(ATTACHMENT_FIELDS).join(', ')
      return `attachments[${i}]: unexpected property '${key.slice(0, 64)}' (allowed: ${allowed})`
    }
    const field = item[key]
    if (field === undefined) continue
    const wanted = fieldProblem(key, field)
    if (wanted !== undefined) return `attachments[${i}].${key} must be a ${wanted}`
    copy[key] = field
  }
  return copy
}

/**
 * Rebuilds a browser's attachments: the rebuilt list, or what was wrong.
 *
 * @example
 * rebuildAttachments([{ type: 'image', content: 'aGk=' }]) // [{ type: 'image', content: 'aGk=' }]
 * rebuildAttachments([{ content: 5 }]) // 'attachments[0].content must be a string (base64 for binary files)'
 */
export function rebuildAttachments(value: unknown): Record<string, unknown>[] | string {
  if (!Array.isArray(value)) return 'attachments must be an array of objects'
  const out: Record<string, unknown>[] = []
  for (const [i, item] of value.entries()) {
    const rebuilt = rebuildAttachment(item, i)
    if (typeof rebuilt === 'string') return rebuilt
    out.push(rebuilt)
  }
  return out
}
