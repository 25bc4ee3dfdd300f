/**
 * What the plans of `sessions.patch` and `sessions.delete` share: the gateway's id of one of the
 * caller's sessions (archiving names it: `expectedSessionId`), refusals raised while a plan runs,
 * and the gateway's errors with the user's label shown instead of its prefixed upstream form.
 */
import { ErrorCodes } from '@clawchat/protocol'
import { isRecord } from '../../common/records.js'
import { UpstreamError } from '../../upstream/upstream-error.js'
import type { UpstreamCall } from '../request-plan.js'

/** Bytes of the one-message page read to learn a session's id (a run's text in progress is cut to fit). */
const LOOKUP_MAX_BYTES = 65_536

/**
 * The refusal a plan raises while it runs (answered like a gateway error, after sanitising).
 *
 * @example
 * throw planRefusal(`session not found: ${browserKey}`)
 */
export function planRefusal(message: string, code: string = ErrorCodes.INVALID_REQUEST): UpstreamError {
  return new UpstreamError('gateway', { code, message })
}

/**
 * The gateway's `sessionId` of the session `gatewayKey` (the current one: a reset renews it), or
 * `undefined` when there is no such session — read from a one-message `chat.history` page, which
 * creates nothing.
 *
 * @example
 * const sessionId = await sessionIdOf(call, 'clawchat:mfwgsy3f:work')
 */
export async function sessionIdOf(call: UpstreamCall, gatewayKey: string): Promise<string | undefined> {
  const params = { sessionKey: gatewayKey, limit: 1, maxChars: 1, maxBytes: LOOKUP_MAX_BYTES }
  const payload = await call('chat.history', params)
  if (!isRecord(payload)) return undefined
  const id = payload.sessionId ?? (isRecord(payload.sessionInfo) ? payload.sessionInfo.sessionId : undefined)
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

/** The parts of a link failure a plan rewrites (`connection/link-view.ts` `LinkFailure`). */
interface FailureParts {
  kind: string
  shape: Record<string, unknown>
}

function failureParts(error: unknown): FailureParts | undefined {
  if (!(error instanceof Error)) return undefined
  const { kind, shape } = error as Error & Partial<FailureParts>
  return typeof kind === 'string' && isRecord(shape) ? { kind, shape } : undefined
}

/**
 * Runs `work`; a gateway error that names the upstream label (`label already in use: <ns>:<user>:Trip`)
 * is rethrown naming the user's own label only — the taken-label error said in the user's words.
 *
 * @example
 * await showingLabel(call('sessions.patch', upstream), 'clawchat:mfwgsy3f:Trip', 'Trip')
 * // rejects: 'label "Trip" is already the name of another of your chats: choose another name'
 */
export async function showingLabel<T>(work: Promise<T>, upstream: string, label: string): Promise<T> {
  try {
    return await work
  } catch (error) {
    const parts = failureParts(error)
    const message = parts?.shape.message
    if (!parts || typeof message !== 'string' || !message.includes(upstream)) throw error
    const shown =
      message.trim() === `label already in use: ${upstream}`
        ? `label ${JSON.stringify(label)} is already the name of another of your chats: choose another name`
        : message.split(upstream).join(label)
    throw new UpstreamError(parts.kind as UpstreamError['kind'], { ...parts.shape, message: shown })
  }
}
