import {
  APPROVAL_DECISIONS,
  type AgentEvent,
  type ApprovalDecision,
  type ApprovalItem,
  type ApprovalResolvedEvent,
  type QuestionAnswers,
  type QuestionItem,
  type QuestionResolvedEvent,
} from '@clawchat/protocol'
import type { Connection } from './connection.js'
import { ClawChatRequestError } from './errors.js'
import type { Emitter } from './events.js'
import type { Identity } from './handshake.js'
import { PendingList, waitingOf, type Waiting } from './pending-work.js'
import { PLAIN } from './request-manager.js'
import type { RequestOptions } from './request-options.js'
import { ToolCallTracker } from './tool-calls.js'

/** What {@link AgentWork} needs from its connection. */
export interface AgentWorkHost {
  readonly events: Emitter
  identity(): Identity
  call(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<unknown>
}

const fail = (method: string, message: string) =>
  Promise.reject(new ClawChatRequestError(method, { code: 'INVALID_REQUEST', message }))

const isId = (id: unknown): id is string => typeof id === 'string' && id.length > 0

/**
 * The agent's work as the SDK keeps it: tool calls built from `agent` events (emitted as `tool`),
 * and the pending approvals and questions kept from their events (emitted as `approvals` /
 * `questions` when they change) and listed again each time the connection opens (after every
 * `hello-ok`) or events were missed. Resolving and answering go through the usual requests.
 *
 * @example
 * const work = new AgentWork({ events, identity: () => conn.identity, call })
 * await work.resolveApproval(id, 'allow-once')
 */
export class AgentWork {
  readonly tools = new ToolCallTracker()
  readonly approvals: PendingList<ApprovalItem>
  readonly questions: PendingList<QuestionItem>

  constructor(private readonly host: AgentWorkHost) {
    const { events } = host
    this.approvals = new PendingList((items) => events.emit('approvals', items))
    this.questions = new PendingList((items) => events.emit('questions', items))
    events.on('agent', (e: AgentEvent) => {
      const call = this.tools.apply(e)
      if (call) events.emit('tool', call)
    })
    for (const kind of ['exec', 'plugin'] as const) {
      events.on(`${kind}.approval.requested`, (item: ApprovalItem) => {
        if (isId(item?.id)) this.approvals.add({ ...item, approvalKind: item.approvalKind ?? kind })
      })
      events.on(`${kind}.approval.resolved`, (e: ApprovalResolvedEvent) => isId(e?.id) && this.approvals.remove(e.id))
    }
    events.on('question.requested', (q: QuestionItem) => isId(q?.id) && this.questions.add(q))
    events.on('question.resolved', (e: QuestionResolvedEvent) => isId(e?.id) && this.questions.remove(e.id))
    events.on('state', (s) => s.state === 'open' && queueMicrotask(() => this.relist()))
    events.on('resync', (r) => r.reason === 'gap' && this.relist())
  }

  /** What run `runId` waits for now (an approval or a question), or `null`. */
  waitingOf(runId: string): Waiting | null {
    return waitingOf(runId, this.approvals.items, this.questions.items)
  }

  /** Lists the pending approvals and questions again (those methods this user may call; direct mode tries). */
  relist(): void {
    const { methods, session } = this.host.identity()
    const may = (m: string) => session === undefined || methods.includes(m)
    if (may('exec.approval.list'))
      void this.approvals.relist(
        async () => {
          const items = await this.host.call('exec.approval.list', {}, {})
          return Array.isArray(items) ? (items as ApprovalItem[]) : []
        },
        (item) => item.approvalKind === 'plugin',
      )
    if (may('question.list'))
      void this.questions.relist(async () => {
        const answer = (await this.host.call('question.list', {}, {})) as { questions?: unknown } | undefined
        return Array.isArray(answer?.questions) ? (answer.questions as QuestionItem[]) : []
      })
  }

  /** Sends `decision` for approval `id` (`exec.approval.resolve`, or `approval.resolve` for a plugin's). */
  async resolveApproval(id: string, decision: ApprovalDecision, options: RequestOptions = {}): Promise<void> {
    const kind = this.approvals.get(id)?.approvalKind ?? 'exec'
    const method = kind === 'exec' ? 'exec.approval.resolve' : 'approval.resolve'
    if (!isId(id)) return fail(method, `the approval id must be a non-empty string (got ${JSON.stringify(id)})`)
    if (!APPROVAL_DECISIONS.includes(decision))
      return fail(method, `decision must be one of ${APPROVAL_DECISIONS.join(', ')} (got ${JSON.stringify(decision)})`)
    const params = kind === 'exec' ? { id, decision } : { id, kind, decision }
    await this.host.call(method, params, options)
    this.approvals.remove(id)
  }

  /** Answers question `id`: question id → the chosen labels (or the user's own words). */
  async answerQuestion(id: string, answers: QuestionAnswers, options: RequestOptions = {}): Promise<void> {
    const method = 'question.resolve'
    if (!isId(id)) return fail(method, `the question id must be a non-empty string (got ${JSON.stringify(id)})`)
    const bad =
      !answers || typeof answers !== 'object' || Array.isArray(answers)
        ? 'answers must be an object: { <questionId>: [<label>, …] }'
        : Object.entries(answers).find(([, v]) => !Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    if (bad)
      return fail(
        method,
        typeof bad === 'string' ? bad : `answers["${bad[0]}"] must be an array of strings (the chosen labels)`,
      )
    await this.host.call(method, { id, answers: { answers } }, options)
    this.questions.remove(id)
  }

  /** Cancels question `id` (the agent gets no answer). */
  async cancelQuestion(id: string, options: RequestOptions = {}): Promise<void> {
    const method = 'question.resolve'
    if (!isId(id)) return fail(method, `the question id must be a non-empty string (got ${JSON.stringify(id)})`)
    await this.host.call(method, { id, cancel: true }, options)
    this.questions.remove(id)
  }
}

/**
 * The {@link AgentWork} of a connection: its events, its identity, its requests.
 *
 * @example
 * const work = agentWorkOf(conn)
 */
export function agentWorkOf(conn: Connection): AgentWork {
  return new AgentWork({
    events: conn.events,
    identity: () => conn.identity,
    call: (method, params, options) => conn.requests.call(method, params, options, PLAIN),
  })
}
