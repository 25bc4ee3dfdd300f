/**
 * The `caps` a client names in `connect` (OpenClaw's capability strings, and ClawChat's lean wire,
 * see `lean.ts`). The gateway sends the
 * live `tool` stream and approval requests only to connections that asked for them; the proxy
 * honours a browser's `caps` the same way. The SDK always asks for {@link SDK_CAPS}.
 *
 * @example
 * connect({ ..., caps: [...SDK_CAPS] })
 */

import { ASSISTANT_EVENTS_CAP, LEAN_CAP } from './lean.js'

/** Live `agent` events of stream `tool` (start / update / result) for the runs this connection starts. */
export const TOOL_EVENTS_CAP = 'tool-events'
/** `exec.approval.requested` / `.resolved`. */
export const EXEC_APPROVALS_CAP = 'exec-approvals'
/** `plugin.approval.requested` / `.resolved`. */
export const PLUGIN_APPROVALS_CAP = 'plugin-approvals'
/** Both kinds of approval events. */
export const APPROVALS_CAP = 'approvals'

/** What the SDK asks of the gateway itself in direct mode (OpenClaw's own caps only). */
export const DIRECT_SDK_CAPS = [TOOL_EVENTS_CAP, APPROVALS_CAP] as const

/** What the SDK asks for in every `connect` through the proxy: {@link DIRECT_SDK_CAPS} and the lean wire. */
export const SDK_CAPS = [...DIRECT_SDK_CAPS, LEAN_CAP] as const

/** The caps the proxy understands; others a browser names are ignored. */
export const KNOWN_CAPS = [
  TOOL_EVENTS_CAP,
  EXEC_APPROVALS_CAP,
  PLUGIN_APPROVALS_CAP,
  APPROVALS_CAP,
  LEAN_CAP,
  ASSISTANT_EVENTS_CAP,
] as const

/**
 * Does a connection with `caps` receive events of kind `kind`?
 *
 * @example
 * wantsEvents(['approvals'], 'exec-approvals') // true
 * wantsEvents([], 'tool-events')               // false
 */
export function wantsEvents(
  caps: readonly string[],
  kind: typeof TOOL_EVENTS_CAP | typeof EXEC_APPROVALS_CAP | typeof PLUGIN_APPROVALS_CAP,
): boolean {
  if (caps.includes(kind)) return true
  return kind !== TOOL_EVENTS_CAP && caps.includes(APPROVALS_CAP)
}
