/**
 * An answer a plan gives instead of the gateway's: thrown inside `RequestPlan.run`, it is answered
 * to the browser like a gateway error (it fits `isLinkFailure`), so that "not yours" and "not there"
 * leave the proxy by exactly the same path and in exactly the same words.
 */
import { APPROVAL_NOT_FOUND, ErrorCodes, type ErrorShape } from '@clawchat/protocol'
import { isRecord } from '../../common/records.js'

/** A refusal thrown from a plan's `run`. */
export class PlanRefusal extends Error {
  readonly kind = 'gateway'

  constructor(readonly shape: ErrorShape & Record<string, unknown>) {
    super(shape.message)
    this.name = 'PlanRefusal'
  }
}

/** The gateway's answer to an approval id it does not know (also: one this viewer may not see). */
export function approvalNotFound(): PlanRefusal {
  return new PlanRefusal({
    code: ErrorCodes.INVALID_REQUEST,
    message: 'unknown or expired approval id',
    details: { reason: APPROVAL_NOT_FOUND },
  })
}

/** `details.reason` of the gateway's answer to a question id it does not know. */
export const QUESTION_NOT_FOUND = 'QUESTION_NOT_FOUND'

/**
 * The gateway's answer to a question id it does not know (also: another user's question), naming
 * the id as the browser sent it, exactly as the gateway does ("question '<id>' was not found",
 * openclaw 2026.9.6).
 */
export function questionNotFound(id: string): PlanRefusal {
  return new PlanRefusal({
    code: ErrorCodes.INVALID_REQUEST,
    message: `question '${id}' was not found`,
    details: { reason: QUESTION_NOT_FOUND },
  })
}

/** A `FORBIDDEN` refusal with a sentence for people. */
export function forbiddenRefusal(message: string): PlanRefusal {
  return new PlanRefusal({ code: ErrorCodes.FORBIDDEN, message })
}

/** An `INVALID_REQUEST` refusal. */
export function invalidRefusal(message: string): PlanRefusal {
  return new PlanRefusal({ code: ErrorCodes.INVALID_REQUEST, message })
}

/** The `details.reason` of a gateway error (a link failure's shape), if it has one. */
export function gatewayReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const shape = (error as { shape?: unknown }).shape
  if (!isRecord(shape) || !isRecord(shape.details)) return undefined
  return typeof shape.details.reason === 'string' ? shape.details.reason : undefined
}

/** The error code of a gateway error, if it has one. */
export function gatewayCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const shape = (error as { shape?: unknown }).shape
  return isRecord(shape) && typeof shape.code === 'string' ? shape.code : undefined
}
