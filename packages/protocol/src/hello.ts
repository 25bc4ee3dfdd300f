/**
 * The `hello-ok` payload, the answer to `connect`: the parts a browser reads, and a guard for it.
 */
import { isJsonObject } from './frame-guards.js'

/**
 * The `hello-ok` payload as a browser reads it (the proxy's, or in direct mode the gateway's).
 * Every part but `type` and `protocol` may be missing.
 *
 * @example
 * const tick = (hello: HelloOkPayload) => hello.policy?.tickIntervalMs
 */
export interface HelloOkPayload {
  type: 'hello-ok'
  protocol: number
  server?: { version?: string; connId?: string }
  features?: { methods?: string[]; events?: string[] }
  snapshot?: { sessionDefaults?: { mainKey?: string; mainSessionKey?: string } }
  auth?: { role?: string; scopes?: string[]; deviceToken?: string }
  policy?: { maxPayload?: number; maxBufferedBytes?: number; tickIntervalMs?: number }
}

const optional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value)
const isString = (v: unknown) => typeof v === 'string'
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
const isStrings = (v: unknown) => Array.isArray(v) && v.every(isString)

/** `value` is undefined or an object whose listed fields pass their checks. */
function optionalObject(value: unknown, fields: Record<string, (v: unknown) => boolean>): boolean {
  if (value === undefined) return true
  if (!isJsonObject(value)) return false
  return Object.entries(fields).every(([name, check]) => optional(value[name], check))
}

/**
 * A `hello-ok` payload whose parts, where present, have the types {@link HelloOkPayload} says.
 *
 * @example
 * if (frame.type === 'res' && frame.ok && isHelloOk(frame.payload)) ready(frame.payload.features?.methods ?? [])
 */
export function isHelloOk(value: unknown): value is HelloOkPayload {
  if (!isJsonObject(value) || value.type !== 'hello-ok' || !Number.isInteger(value.protocol)) return false
  const defaults = isJsonObject(value.snapshot) ? value.snapshot.sessionDefaults : undefined
  return (
    optionalObject(value.server, { version: isString, connId: isString }) &&
    optionalObject(value.features, { methods: isStrings, events: isStrings }) &&
    optionalObject(value.snapshot, {}) &&
    optionalObject(defaults, { mainKey: isString, mainSessionKey: isString }) &&
    optionalObject(value.auth, { role: isString, scopes: isStrings, deviceToken: isString }) &&
    optionalObject(value.policy, { maxPayload: isNumber, maxBufferedBytes: isNumber, tickIntervalMs: isNumber })
  )
}
