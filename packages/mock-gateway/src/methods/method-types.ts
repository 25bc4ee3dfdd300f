import { formatValidationErrors } from '@openclaw/gateway-protocol'
import type { GatewayConnection } from '../connection/connection.js'
import { invalidRequest } from '../gateway/errors.js'
import type { GatewayCore } from '../gateway/gateway-core.js'
import type { OperatorScope } from '../connection/scopes.js'

/** What a method handler works with. */
export interface MethodContext {
  core: GatewayCore
  conn: GatewayConnection
}

/** A handler's answer: the `ok:true` payload, and optionally what to do once it is on the wire. */
export interface MethodResult {
  payload: unknown
  afterResponse?: () => void
}

/** One gateway method the mock implements. */
export interface MethodDefinition {
  name: string
  /** The scope the caller needs (GATEWAY.md, MORE-BEHAVIOURS Q1). */
  scope: OperatorScope
  handle(ctx: MethodContext, params: unknown): MethodResult
}

/** A compiled validator of `@openclaw/gateway-protocol`. */
export interface ParamsValidator<T> {
  (data: unknown): data is T
  errors?: unknown
}

/**
 * Checks `params` with an official validator, throwing the real gateway's
 * `INVALID_REQUEST` "invalid <method> params: <reason>" (SESSIONS-AND-BROADCAST Q6).
 */
export function checkParams<T>(method: string, validate: ParamsValidator<T>, params: unknown): T {
  if (validate(params)) return params
  throw invalidRequest(`invalid ${method} params: ${formatValidationErrors(validate.errors as never)}`)
}

/** `params` as an object, or `{}` when absent (methods whose params are all optional). */
export function paramsOrEmpty(params: unknown): unknown {
  return params === undefined ? {} : params
}

/** Whether a value is a plain (non-array) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
