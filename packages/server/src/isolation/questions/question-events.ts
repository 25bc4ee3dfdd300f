/**
 * Delivery of `question.requested` / `question.resolved`: to every connection of the user whose run
 * asks (no caps needed, as on the gateway) and to nobody else; questions of sessions that are not a
 * ClawChat user's go to nobody. The resolution is routed by the id remembered from the request.
 */
import type { EventFrame } from '@clawchat/protocol'
import { isRecord } from '../../common/records.js'
import type { WorkConnections } from '../approvals/work-connections.js'
import type { QuestionRegistry } from './question-registry.js'
import { viewQuestionItem, viewQuestionResolved } from './question-view.js'

/** The question events. */
export const QUESTION_EVENTS: ReadonlySet<string> = new Set(['question.requested', 'question.resolved'])

/** What the delivery needs. */
export interface QuestionEventsDeps {
  registry: QuestionRegistry
  connections: WorkConnections
}

/**
 * Routes one question event; answers how many connections received it (0 for any other event).
 *
 * @example
 * routeQuestionEvent(deps, { type: 'event', event: 'question.requested', payload })
 */
export function routeQuestionEvent(deps: QuestionEventsDeps, frame: EventFrame): number {
  if (!QUESTION_EVENTS.has(frame?.event) || !isRecord(frame.payload)) return 0
  const payload = frame.payload
  const requested = frame.event === 'question.requested'
  const owner = requested ? deps.registry.remember(payload) : deps.registry.owner(payload.id)
  if (!owner) return 0
  if (!requested && typeof payload.id === 'string') deps.registry.resolved(payload.id)
  const view = requested ? viewQuestionItem(payload, owner) : viewQuestionResolved(payload)
  const conns = deps.connections.forUser(owner.userId)
  for (const conn of conns) conn.sendEvent(frame.event, view)
  return conns.length
}
