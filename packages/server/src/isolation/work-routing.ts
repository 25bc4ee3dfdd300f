import type { EventFrame } from '@clawchat/protocol'

/**
 * Routes approval and question events (built in isolation/approvals/ and isolation/questions/).
 * The {@link EventRouter} hands every event named in {@link WORK_EVENTS} to it.
 *
 * @example
 * const work: WorkEventRouting = { route: (frame) => approvals.route(frame) }
 * new EventRouter(namespace, registry, streams, work)
 */
export interface WorkEventRouting {
  /** Delivers `frame` to the connections allowed to see it; returns how many received it. */
  route(frame: EventFrame): number
}

/** The gateway events the router hands to {@link WorkEventRouting}. */
export const WORK_EVENTS: ReadonlySet<string> = new Set([
  'exec.approval.requested',
  'exec.approval.resolved',
  'plugin.approval.requested',
  'plugin.approval.resolved',
  'question.requested',
  'question.resolved',
])
