/**
 * The wire codec: JSON text in, a frame of the discriminated union out — or an error that says
 * what was wrong. {@link parseFrame} reads any frame of OpenClaw's shape, {@link parseServerFrame}
 * what the proxy sends a browser (the SDK), {@link parseClientFrame} what a browser sends the
 * proxy, in the looser form the proxy accepts (docs/ARCHITECTURE.md "The wire").
 */
import {
  cancelFrameProblem,
  eventFrameProblem,
  isJsonObject,
  requestFrameProblem,
  responseFrameProblem,
} from './frame-guards.js'
import type { CancelFrame, EventFrame, RequestFrame, ResponseFrame, ServerFrame } from './frames.js'

/** Any frame of the wire, told apart by `type`. */
export type Frame = RequestFrame | CancelFrame | ResponseFrame | EventFrame

/** A frame read, or why it could not be. */
export type FrameParseResult<F> = { ok: true; frame: F } | { ok: false; message: string }

/** The longest request id the proxy takes (and echoes). */
export const MAX_REQUEST_ID = 256
/** The longest method name the proxy takes. */
export const MAX_METHOD = 128
/** The fields a browser's request frame may have. */
export const REQUEST_FRAME_FIELDS: readonly string[] = ['type', 'id', 'method', 'params', 'traceparent']

const EXAMPLE = 'Send a JSON object like {"type":"req","id":"1","method":"chat.send","params":{"message":"Hello"}}'
const NOT_JSON = `invalid frame: not JSON. ${EXAMPLE}.`
const NOT_OBJECT = `invalid frame: expected a JSON object. ${EXAMPLE}.`

/** A value named in an error message, safely: never `String()` of a (maybe deeply nested) array. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32))
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** JSON text to an object, or the message saying it is not JSON or not an object. */
function readObject(text: string): FrameParseResult<Record<string, unknown>> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, message: NOT_JSON }
  }
  return isJsonObject(value) ? { ok: true, frame: value } : { ok: false, message: NOT_OBJECT }
}

const CHECKS: Record<Frame['type'], { name: string; problem: (value: unknown) => string | undefined }> = {
  req: { name: 'request', problem: requestFrameProblem },
  cancel: { name: 'cancel', problem: cancelFrameProblem },
  res: { name: 'response', problem: responseFrameProblem },
  event: { name: 'event', problem: eventFrameProblem },
}

function parseTyped<T extends Frame['type']>(
  text: string,
  types: readonly T[],
): FrameParseResult<Extract<Frame, { type: T }>> {
  const read = readObject(text)
  if (!read.ok) return read
  const type = read.frame.type
  if (!types.includes(type as T)) {
    const expected = types.map((t) => JSON.stringify(t)).join(', ')
    const what = type === undefined ? 'type is missing' : `unknown type ${shown(type)}`
    return { ok: false, message: `invalid frame: ${what}; expected one of ${expected}` }
  }
  const check = CHECKS[type as T]
  const problem = check.problem(read.frame)
  if (problem !== undefined) return { ok: false, message: `invalid ${check.name} frame: ${problem}` }
  return { ok: true, frame: read.frame as Extract<Frame, { type: T }> }
}

/**
 * Reads one frame of any kind in OpenClaw's strict shape (`req` with `id`, `cancel`, `res`, `event`).
 *
 * @example
 * const read = parseFrame('{"type":"event","event":"tick","seq":1}')
 * if (read.ok && read.frame.type === 'event') console.log(read.frame.event) // 'tick'
 * parseFrame('{"type":"res","ok":true}') // { ok: false, message: 'invalid response frame: id must be …' }
 */
export function parseFrame(text: string): FrameParseResult<Frame> {
  return parseTyped(text, ['req', 'cancel', 'res', 'event'])
}

/**
 * Reads one frame the proxy (or, in direct mode, the gateway) sends a browser: a `res` or an `event`.
 *
 * @example
 * const read = parseServerFrame(message.data)
 * if (!read.ok) console.warn(read.message)
 * else if (read.frame.type === 'res') settle(read.frame.id, read.frame)
 */
export function parseServerFrame(text: string): FrameParseResult<ServerFrame> {
  return parseTyped(text, ['res', 'event'])
}

/**
 * A browser frame as the proxy reads it. `shownId` is the id an answer goes out under (`invalid`
 * when there is none usable).
 */
export type ClientFrameRead =
  | { kind: 'invalid'; shownId: string; message: string }
  | { kind: 'cancel'; shownId: string; id: string }
  | { kind: 'request'; shownId: string; id: string | undefined; method: string; params: unknown }

const usableId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID

/** The id a refusal of `frame` goes out under. */
function shownIdOf(id: unknown): string {
  if (usableId(id)) return id
  return typeof id === 'number' && Number.isFinite(id) ? String(id) : 'invalid'
}

/** What is wrong with a browser's request frame (its type already `req` or left out), or undefined. */
function looseRequestProblem(frame: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(frame)) {
    if (!REQUEST_FRAME_FIELDS.includes(key)) return `invalid request frame: unexpected property '${key.slice(0, 64)}'`
  }
  if (frame.id !== undefined && !usableId(frame.id))
    return `invalid request frame: id must be a string of 1 to ${MAX_REQUEST_ID} characters (or left out)`
  const method = frame.method
  if (typeof method !== 'string' || method.length === 0)
    return 'invalid request frame: method must be a non-empty string, e.g. "chat.send"'
  if (method.length > MAX_METHOD)
    return (
      `invalid request frame: method must be at most ${MAX_METHOD} characters; ` +
      'see clawchat.session.methods for the names'
    )
  return undefined
}

/**
 * Reads one frame a browser sent the proxy. Looser than OpenClaw: `type` may be left out (a
 * request) and so may `id` (the proxy assigns one). Stricter too: no unknown fields, bounded id
 * and method. Whatever arrives, the answer is a request, a cancel, or a message saying what was wrong.
 *
 * @example
 * parseClientFrame('{"method":"chat.send","params":{"message":"Hi"}}')
 * // { kind: 'request', shownId: 'invalid', id: undefined, method: 'chat.send', params: { message: 'Hi' } }
 * parseClientFrame('nope') // { kind: 'invalid', shownId: 'invalid', message: 'invalid frame: not JSON. …' }
 */
export function parseClientFrame(text: string): ClientFrameRead {
  const read = readObject(text)
  if (!read.ok) return { kind: 'invalid', shownId: 'invalid', message: read.message }
  const frame = read.frame
  const shownId = shownIdOf(frame.id)
  const invalid = (message: string): ClientFrameRead => ({ kind: 'invalid', shownId, message })
  if (frame.type === 'cancel') {
    return usableId(frame.id)
      ? { kind: 'cancel', shownId, id: frame.id }
      : invalid('invalid cancel frame: id must be the id of a request in flight')
  }
  if (frame.type !== undefined && frame.type !== 'req')
    return invalid(`invalid frame: unknown type ${shown(frame.type)}; send "req" (or leave it out) or "cancel"`)
  const problem = looseRequestProblem(frame)
  if (problem !== undefined) return invalid(problem)
  return {
    kind: 'request',
    shownId,
    id: frame.id as string | undefined,
    method: frame.method as string,
    params: frame.params,
  }
}

/**
 * A frame as JSON text, the one way frames are written.
 *
 * @example
 * ws.send(encodeFrame({ type: 'cancel', id: '7' }))
 */
export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame)
}
