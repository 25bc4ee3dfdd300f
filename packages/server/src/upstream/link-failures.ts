/**
 * Why a connection attempt of the link failed, read from what `@openclaw/gateway-client` reports,
 * and the sentence browsers are told for each reason (no host, no token: any user may read it).
 */
import { messageOf } from '../common/errors.js'

/** The reasons an attempt fails, as the link tells them apart. */
export type Failure = 'unreachable' | 'auth' | 'pairing' | 'protocol' | 'config' | 'starting' | 'other'

/** Refusals no retry fixes by itself: a person must act (browsers hear `misconfigured`). */
export const NEEDS_A_PERSON: ReadonlySet<Failure> = new Set(['auth', 'pairing', 'protocol', 'config'])

/** Sentences for people, per failure (sent to browsers in `clawchat.gateway`; no host, no token). */
export const REASONS: Record<Failure | 'closed' | 'restarting', string> = {
  unreachable: 'The chat gateway cannot be reached; reconnecting.',
  auth: 'The chat gateway refused this server; an administrator must fix its configuration.',
  pairing: "The chat gateway has not approved this server yet; waiting for its owner's approval.",
  protocol:
    'The chat gateway speaks another protocol version than this server; an administrator must update one of them.',
  config: 'This server is misconfigured for the chat gateway; an administrator must fix it.',
  starting: 'The chat gateway is starting; reconnecting.',
  other: 'The connection to the chat gateway failed; reconnecting.',
  closed: 'The connection to the chat gateway was lost; reconnecting.',
  restarting: 'The chat gateway is restarting; reconnecting.',
}

/** What a connect error carries: the client's code, the gateway's codes, a pairing request id, the text. */
export interface ErrorDetails {
  code?: string
  gatewayCode?: string
  detailCode?: string
  requestId?: string
  message: string
}

/**
 * Reads a connect error's codes, whatever shape it came in (a `requestId` may also hide in the text).
 *
 * @example
 * errorDetails(new Error('pairing required (requestId: r-1)')) // { requestId: 'r-1', message: 'pairing …' }
 */
export function errorDetails(error: unknown): ErrorDetails {
  const e = error as { code?: unknown; gatewayCode?: unknown; details?: unknown }
  const details = (typeof e?.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>
  const message = messageOf(error)
  const fromMessage = /\(requestId:\s*([^\s)]+)\)/i.exec(message)?.[1]
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    gatewayCode: typeof e?.gatewayCode === 'string' ? e.gatewayCode : undefined,
    detailCode: typeof details.code === 'string' ? details.code : undefined,
    requestId: typeof details.requestId === 'string' ? details.requestId : fromMessage,
    message,
  }
}

const UNREACHABLE = /econnrefused|enotfound|eai_again|ehostunreach|etimedout|econnreset|socket hang up|closed \(1006\)/

/**
 * Which {@link Failure} a connect error is.
 *
 * @example
 * classifyFailure(new Error('connect ECONNREFUSED 127.0.0.1:18789')) // 'unreachable'
 */
export function classifyFailure(error: unknown): Failure {
  const d = errorDetails(error)
  const text = d.message.toLowerCase()
  if (text.includes('security error') || text.includes('tls fingerprint') || text.includes('edge auth headers'))
    return 'config'
  if (d.gatewayCode === 'NOT_PAIRED' || d.detailCode === 'PAIRING_REQUIRED' || text.includes('pairing required'))
    return 'pairing'
  if (d.detailCode?.startsWith('AUTH_') || text.includes('token mismatch') || text.includes('unauthorized'))
    return 'auth'
  if (d.detailCode === 'PROTOCOL_MISMATCH' || text.includes('protocol mismatch')) return 'protocol'
  if (text.includes('gateway starting')) return 'starting'
  if (UNREACHABLE.test(text)) return 'unreachable'
  return 'other'
}
