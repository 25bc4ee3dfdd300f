/**
 * Reading one browser text frame — pure, no sockets: JSON, an object, a known `type`, no unknown
 * fields, a usable `id` and `method`. Whatever a browser sends, the answer is a request, a cancel,
 * or an `INVALID_REQUEST` that says what was wrong (and the id to answer it under).
 */
import type { ErrorShape } from '@clawchat/protocol'
import { invalidRequest } from '../shared/errors.js'
import { isRecord } from '../shared/records.js'

/** The longest request id the proxy takes (and echoes). */
export const MAX_REQUEST_ID = 256
/** The longest method name the proxy takes. */
export const MAX_METHOD = 128
/** The fields a request frame may have. */
export const FRAME_FIELDS: readonly string[] = ['type', 'id', 'method', 'params', 'traceparent']

/** One frame, read. `shownId` is the id an answer goes out under (`invalid` when there is none). */
export type InboundFrame =
  | { kind: 'invalid'; shownId: string; error: ErrorShape }
  | { kind: 'cancel'; shownId: string; id: string }
  | { kind: 'request'; shownId: string; id: string | undefined; method: string; params: unknown }

const EXAMPLE = 'Send a JSON object like {"type":"req","id":"1","method":"chat.send","params":{"message":"Hello"}}'

/** A value named in an error message, safely: never `String()` of a browser's (maybe deeply nested) array. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32))
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

const usableId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID

/**
 * Reads one text frame.
 *
 * @example
 * parseInbound('{"method":"chat.send","params":{"message":"Hi"}}')
 * // { kind: 'request', shownId: 'invalid', id: undefined, method: 'chat.send', params: { message: 'Hi' } }
 * parseInbound('nope') // { kind: 'invalid', shownId: 'invalid', error: { code: 'INVALID_REQUEST', ... } }
 */
export function parseInbound(text: string): InboundFrame {
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch {
    return { kind: 'invalid', shownId: 'invalid', error: invalidRequest(`invalid frame: not JSON. ${EXAMPLE}.`) }
  }
  if (!isRecord(frame))
    return {
      kind: 'invalid',
      shownId: 'invalid',
      error: invalidRequest(`invalid frame: expected a JSON object. ${EXAMPLE}.`),
    }
  const idIn = frame.id
  const shownId = usableId(idIn) ? idIn : typeof idIn === 'number' && Number.isFinite(idIn) ? String(idIn) : 'invalid'
  const fail = (message: string): InboundFrame => ({ kind: 'invalid', shownId, error: invalidRequest(message) })

  if (frame.type === 'cancel') {
    return usableId(idIn)
      ? { kind: 'cancel', shownId, id: idIn }
      : fail('invalid cancel frame: id must be the id of a request in flight')
  }
  if (frame.type !== undefined && frame.type !== 'req') {
    return fail(`invalid frame: unknown type ${shown(frame.type)}; send "req" (or leave it out) or "cancel"`)
  }
  for (const key of Object.keys(frame)) {
    if (!FRAME_FIELDS.includes(key)) return fail(`invalid request frame: unexpected property '${key.slice(0, 64)}'`)
  }
  if (idIn !== undefined && !usableId(idIn))
    return fail(`invalid request frame: id must be a string of 1 to ${MAX_REQUEST_ID} characters (or left out)`)
  const method = frame.method
  if (typeof method !== 'string' || method.length === 0)
    return fail('invalid request frame: method must be a non-empty string, e.g. "chat.send"')
  if (method.length > MAX_METHOD)
    return fail(
      `invalid request frame: method must be at most ${MAX_METHOD} characters; see clawchat.session.methods for the names`,
    )
  return { kind: 'request', shownId, id: idIn, method, params: frame.params }
}
