/**
 * The label values of the proxy's figures: closed sets only, so that no user id, session key,
 * address or free text ever becomes a label (cardinality and privacy).
 */
import { RELAYABLE_METHODS } from '../isolation/method-policy.js'

/** Where an upgrade or a connection belongs: the chat relay, or the Control UI's consoles. */
export type Surface = 'relay' | 'control-ui'

/**
 * Why an upgrade was refused, named after the HTTP status or close code's cause: `unauthenticated`
 * (401), `forbidden` (403: the user's role may not), `origin` (403: the Origin is not allowed),
 * `connection-limit` (429 / 4429), `closing` (503 / 1012: the proxy is shutting down),
 * `session-store` (503: the session store failed), `authenticate-error` (500: `authenticate` threw or
 * returned an unusable user), `gateway-error` (502 / 503: the gateway cannot serve it), `bad-request`
 * (400), `unknown-path` (404: an upgrade to a path no listener took), `internal-error` (500).
 */
export const REFUSAL_REASONS = [
  'unauthenticated',
  'forbidden',
  'origin',
  'connection-limit',
  'closing',
  'session-store',
  'authenticate-error',
  'gateway-error',
  'bad-request',
  'unknown-path',
  'internal-error',
] as const

/** One of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** The browser's frames: in, `req` / `cancel` / `invalid`; out, `res` / `event`. */
export const BROWSER_FRAME_KINDS = ['req', 'cancel', 'invalid', 'res', 'event'] as const
/** One of {@link BROWSER_FRAME_KINDS}. */
export type BrowserFrameKind = (typeof BROWSER_FRAME_KINDS)[number]

/** The link's frames: up (to the gateway) `req`; down (from it) `res` and `event`. */
export type GatewayFrameKind = 'req' | 'res' | 'event'

/**
 * Which limit refused a request: `connection` / `user` (`limits.messagesPerSecond`,
 * `userMessagesPerSecond`), `chat-sends` (`userChatSendsPer5Min`), `upstream-bytes`
 * (`upstreamBytesPerUser`), `control-ui` (a console's request rate).
 */
export type RateLimitScope = 'connection' | 'user' | 'chat-sends' | 'upstream-bytes' | 'control-ui'

/** How a request ended. */
export type RequestOutcome = 'ok' | 'error' | 'cancelled'

/**
 * The `method` label of a request: a method of the relayable list (ClawChat's own included), else `other`.
 *
 * @example
 * methodLabel('chat.send') // 'chat.send'
 * methodLabel('my-secret-user-42') // 'other'
 */
export function methodLabel(method: string): string {
  return RELAYABLE_METHODS.includes(method) ? method : 'other'
}

/**
 * The reason of a refusal the gate (Origin, session, `authenticate`) answered with `status`.
 *
 * @example
 * gateRefusalReason(401) // 'unauthenticated'
 */
export function gateRefusalReason(status: number): RefusalReason {
  switch (status) {
    case 400:
      return 'bad-request'
    case 401:
      return 'unauthenticated'
    case 403:
      return 'forbidden'
    case 429:
      return 'connection-limit'
    case 502:
      return 'gateway-error'
    case 503:
      return 'session-store'
    case 500:
      return 'authenticate-error'
    default:
      return 'internal-error'
  }
}
