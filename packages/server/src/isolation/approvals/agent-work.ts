/**
 * The agent's work waiting on people, for one proxy: the approvals (registry, events to the right
 * connections, the methods, the unattended deny) and the questions (owners, events to the owner,
 * the methods). The event router hands it the six approval and question events; the planners reach
 * its methods through the plan context; the link's coming up rebuilds the approvals.
 */
import type { EventFrame } from '@clawchat/protocol'
import type { Audit } from '../../audit/audit.js'
import { messageOf } from '../../common/errors.js'
import type { ProxyLog } from '../../common/log.js'
import { KeyCache } from '../key-cache.js'
import type { WorkEventRouting } from '../work-routing.js'
import type { UpstreamCall } from '../request-plan.js'
import { QuestionAnswers } from '../questions/question-answers.js'
import { QUESTION_EVENTS, routeQuestionEvent } from '../questions/question-events.js'
import { QuestionRegistry } from '../questions/question-registry.js'
import { ApprovalAnswers } from './approval-answers.js'
import { APPROVAL_EVENTS, routeApprovalEvent, type ApprovalEventsDeps } from './approval-events.js'
import { mayAnswer, type ApprovalPolicy } from './approval-policy.js'
import { ApprovalRegistry, type ApprovalEntry } from './approval-registry.js'
import { SYSTEM_CLOCK, UnattendedWatch, type WatchClock } from './unattended.js'
import { candidateConnections, wantsApprovals, type WorkConnections } from './work-connections.js'

/** What the agent's work needs of the upstream link. */
export interface WorkLink {
  readonly isUp: boolean
  request(method: string, params: Record<string, unknown>): Promise<unknown>
}

/** What {@link AgentWork} is built from. */
export interface AgentWorkOptions {
  namespace: string
  policy: ApprovalPolicy
  /** `approvals.unattendedDenyMs` (0: off). */
  unattendedDenyMs: number
  connections: WorkConnections
  audit: Audit
  link: WorkLink
  log?: ProxyLog
  /** The timers of the unattended deny (tests pass fake ones). */
  clock?: WatchClock
}

/** The methods the planners reach. */
export interface WorkDesk {
  readonly policy: ApprovalPolicy
  readonly approvals: ApprovalAnswers
  readonly questions: QuestionAnswers
}

/**
 * Approvals and questions of one proxy.
 *
 * @example
 * const work = new AgentWork({ namespace, policy, unattendedDenyMs: 120_000, connections: registry, audit, link })
 * const router = new EventRouter(namespace, registry, streams, work)
 * link.on('up', () => void work.linkUp())
 * work.start()
 */
export class AgentWork implements WorkDesk, WorkEventRouting {
  readonly policy: ApprovalPolicy
  readonly approvals: ApprovalAnswers
  readonly questions: QuestionAnswers
  readonly registry: ApprovalRegistry
  readonly questionOwners: QuestionRegistry
  private readonly watch: UnattendedWatch
  private readonly events: ApprovalEventsDeps

  constructor(private readonly options: AgentWorkOptions) {
    const { namespace, policy, audit, connections, link } = options
    const clock = options.clock ?? SYSTEM_CLOCK
    const keys = new KeyCache(namespace)
    const now = () => clock.now()
    this.policy = policy
    this.registry = new ApprovalRegistry(namespace, keys, now)
    this.questionOwners = new QuestionRegistry(namespace, keys, now)
    this.approvals = new ApprovalAnswers({ namespace, policy, registry: this.registry, audit })
    this.questions = new QuestionAnswers({ registry: this.questionOwners, audit })
    const call: UpstreamCall = (method, params) => link.request(method, params)
    this.watch = new UnattendedWatch({
      registry: this.registry,
      unattendedDenyMs: options.unattendedDenyMs,
      clock,
      isAttended: (entry) => this.isAttended(entry),
      isLinkUp: () => link.isUp,
      deny: (entry, reason) => this.approvals.denyUnattended(entry, reason, call),
    })
    this.events = {
      namespace,
      policy,
      registry: this.registry,
      connections,
      onRequested: (entry) => this.watch.look(entry),
    }
  }

  /**
   * Delivers one of the six approval and question events; answers how many connections received it.
   *
   * @example
   * link.on('event', (frame) => work.route(frame))
   */
  route(frame: EventFrame): number {
    if (typeof frame?.event !== 'string') return 0
    if (Object.hasOwn(APPROVAL_EVENTS, frame.event)) return routeApprovalEvent(this.events, frame)
    if (QUESTION_EVENTS.has(frame.event)) {
      return routeQuestionEvent({ registry: this.questionOwners, connections: this.options.connections }, frame)
    }
    return 0
  }

  /** The link came up: the registry is rebuilt from the gateway's pending list. */
  async linkUp(): Promise<void> {
    try {
      await this.approvals.rebuild((method, params) => this.options.link.request(method, params))
    } catch (error) {
      this.options.log?.warn(`clawchat: listing the pending approvals failed: ${messageOf(error)}`)
    }
  }

  /** Starts the unattended watch. */
  start(): void {
    this.watch.start()
  }

  /** Stops it. */
  stop(): void {
    this.watch.stop()
  }

  /** Is someone who may answer `entry` connected with approval caps? */
  isAttended(entry: ApprovalEntry): boolean {
    const candidates = candidateConnections(this.options.connections, entry.owner?.userId, this.policy.admin !== 'none')
    return candidates.some(
      (c) => wantsApprovals(c, entry.kind) && mayAnswer(this.policy, entry, { userId: c.userId, role: c.user.role }),
    )
  }
}
