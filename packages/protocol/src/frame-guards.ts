/**
 * Type guards for the frames of the wire, shared by the proxy and the SDK. Each guard has a twin
 * `…Problem` that says what is wrong (the codec's parse errors) — one check, two uses.
 */
import type { CancelFrame, ErrorShape, EventFrame, RequestFrame, ResponseFrame } from './frames.js'

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0
const isNonNegativeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0

/**
 * What is wrong with `value` as OpenClaw's error object, or undefined when nothing is.
 *
 * @example
 * errorShapeProblem({ code: 'FORBIDDEN' }) // 'message must be a non-empty string'
 */
export function errorShapeProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'expected an object {code, message}'
  if (!isNonEmptyString(value.code)) return 'code must be a non-empty string'
  if (!isNonEmptyString(value.message)) return 'message must be a non-empty string'
  if (value.retryable !== undefined && typeof value.retryable !== 'boolean') return 'retryable must be a boolean'
  if (value.retryAfterMs !== undefined && !isNonNegativeInteger(value.retryAfterMs))
    return 'retryAfterMs must be a non-negative integer'
  return undefined
}

/** What is wrong with `value` as a `req` frame (OpenClaw's strict shape), or undefined. */
export function requestFrameProblem(value: unknown): string | undefined {
  if (!isJsonObject(value) || value.type !== 'req') return 'type must be "req"'
  if (!isNonEmptyString(value.id)) return 'id must be a non-empty string'
  if (!isNonEmptyString(value.method)) return 'method must be a non-empty string, e.g. "chat.send"'
  return undefined
}

/** What is wrong with `value` as a `cancel` frame, or undefined. */
export function cancelFrameProblem(value: unknown): string | undefined {
  if (!isJsonObject(value) || value.type !== 'cancel') return 'type must be "cancel"'
  if (!isNonEmptyString(value.id)) return 'id must be the id of a request in flight'
  return undefined
}

/** What is wrong with `value` as a `res` frame, or undefined. */
export function responseFrameProblem(value: unknown): string | undefined {
  if (!isJsonObject(value) || value.type !== 'res') return 'type must be "res"'
  if (!isNonEmptyString(value.id)) return 'id must be a non-empty string'
  if (typeof value.ok !== 'boolean') return 'ok must be a boolean'
  // A malformed error still answers its request (the reader fills in what is missing): only its type is checked.
  if (value.error !== undefined && !isJsonObject(value.error)) return 'error: expected an object {code, message}'
  return undefined
}

/** What is wrong with `value` as an `event` frame, or undefined. */
export function eventFrameProblem(value: unknown): string | undefined {
  if (!isJsonObject(value) || value.type !== 'event') return 'type must be "event"'
  if (!isNonEmptyString(value.event)) return 'event must be a non-empty string'
  if (value.seq !== undefined && !isNonNegativeInteger(value.seq)) return 'seq must be a non-negative integer'
  return undefined
}

/**
 * A well-formed OpenClaw error object.
 *
 * @example
 * if (frame.type === 'res' && !frame.ok && isErrorShape(frame.error)) console.warn(frame.error.code)
 */
export const isErrorShape = (value: unknown): value is ErrorShape => errorShapeProblem(value) === undefined

/**
 * A well-formed `req` frame: `{type:"req", id, method, params?}` with a non-empty id and method.
 *
 * @example
 * isRequestFrame({ type: 'req', id: '1', method: 'chat.send' }) // true
 */
export const isRequestFrame = (value: unknown): value is RequestFrame => requestFrameProblem(value) === undefined

/**
 * A well-formed `cancel` frame: `{type:"cancel", id}`.
 *
 * @example
 * isCancelFrame({ type: 'cancel', id: '7' }) // true
 */
export const isCancelFrame = (value: unknown): value is CancelFrame => cancelFrameProblem(value) === undefined

/**
 * A well-formed `res` frame: `{type:"res", id, ok, payload?, error?}`.
 *
 * @example
 * isResponseFrame({ type: 'res', id: '1', ok: true, payload: {} }) // true
 */
export const isResponseFrame = (value: unknown): value is ResponseFrame => responseFrameProblem(value) === undefined

/**
 * A well-formed `event` frame: `{type:"event", event, payload?, seq?}`.
 *
 * @example
 * isEventFrame({ type: 'event', event: 'chat', payload: {}, seq: 3 }) // true
 */
export const isEventFrame = (value: unknown): value is EventFrame => eventFrameProblem(value) === undefined
