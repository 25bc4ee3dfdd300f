/**
 * A fake upstream for the approval and question tests: the gateway's pending approvals and
 * questions, answering `exec.approval.list` / `get` / `resolve`, `approval.resolve`, `question.list`
 * / `resolve` as the real one did (TOOLS-AND-APPROVALS.md), and browser-like connections that
 * record the events they are sent.
 */
import { createAudit } from '../../src/audit/audit.js'
import { AgentWork } from '../../src/isolation/approvals/agent-work.js'
import type { ApprovalPolicy } from '../../src/isolation/approvals/approval-policy.js'
import type { WorkConnection } from '../../src/isolation/approvals/work-connections.js'
import { APPROVAL_ALREADY_RESOLVED_ERROR, APPROVAL_NOT_FOUND_ERROR } from '../fixtures/approval-frames.js'

/** A gateway error as the link rejects with it. */
export class FakeLinkError extends Error {
  readonly kind = 'gateway'
  constructor(readonly shape: Record<string, unknown>) {
    super(String(shape.message))
  }
}

/**
 * What the real gateway's `exec.approval.get` answers (openclaw 2026.9.6, measured: e2e/real-gateway
 * README "Tools, approvals and questions"): a presentation, no `request`, session key or run id.
 */
function presentation(row: Record<string, unknown>): Record<string, unknown> {
  const request = (row.request ?? {}) as Record<string, unknown>
  return {
    id: row.id,
    commandText: request.command,
    commandPreview: request.command,
    allowedDecisions: request.allowedDecisions ?? ['allow-once', 'allow-always', 'deny'],
    host: request.host ?? 'gateway',
    nodeId: null,
    agentId: request.agentId ?? 'main',
    expiresAtMs: row.expiresAtMs,
  }
}

/** The fake gateway's state and its request log. */
export class FakeGateway {
  readonly approvals = new Map<string, Record<string, unknown>>()
  readonly decided = new Map<string, string>()
  readonly questions = new Map<string, Record<string, unknown>>()
  readonly answeredQuestions = new Set<string>()
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = []
  isUp = true

  request = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    this.calls.push({ method, params })
    const id = String(params.id)
    switch (method) {
      case 'exec.approval.list':
        return [...this.approvals.values()]
      case 'exec.approval.get': {
        const row = this.approvals.get(id)
        if (!row) throw new FakeLinkError(APPROVAL_NOT_FOUND_ERROR)
        return presentation(row)
      }
      case 'exec.approval.resolve':
      case 'approval.resolve':
        return this.resolve(id, String(params.decision))
      case 'question.list':
        return { questions: [...this.questions.values()] }
      case 'question.resolve': {
        if (this.answeredQuestions.has(id)) {
          throw new FakeLinkError({
            code: 'INVALID_REQUEST',
            message: `question '${id}' is already answered`,
            details: { reason: 'QUESTION_ALREADY_TERMINAL' },
          })
        }
        if (!this.questions.delete(id)) {
          throw new FakeLinkError({
            code: 'INVALID_REQUEST',
            message: `question '${id}' was not found`,
            details: { reason: 'QUESTION_NOT_FOUND' },
          })
        }
        this.answeredQuestions.add(id)
        return params.cancel ? { status: 'cancelled' } : { status: 'answered', answers: params.answers }
      }
      default:
        throw new FakeLinkError({ code: 'INVALID_REQUEST', message: `unknown method: ${method}` })
    }
  }

  private resolve(id: string, decision: string): unknown {
    const before = this.decided.get(id)
    if (before !== undefined) {
      if (before === decision) return { ok: true }
      throw new FakeLinkError(APPROVAL_ALREADY_RESOLVED_ERROR)
    }
    if (!this.approvals.delete(id)) throw new FakeLinkError(APPROVAL_NOT_FOUND_ERROR)
    this.decided.set(id, decision)
    return { ok: true }
  }

  /** The decisions sent upstream. */
  resolves(): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method.endsWith('.resolve')).map((c) => c.params)
  }
}

/** A browser connection that records what it is sent. */
export interface FakeConnection extends WorkConnection {
  events: Array<{ event: string; payload: any }>
}

/** The connections of a fake proxy. */
export class FakeConnections {
  readonly all: FakeConnection[] = []

  add(userId: string, role: 'user' | 'admin' = 'user', caps: readonly string[] = ['tool-events', 'approvals']) {
    const conn: FakeConnection = {
      userId,
      user: { role },
      caps,
      events: [],
      sendEvent(event, payload) {
        conn.events.push({ event, payload: JSON.parse(JSON.stringify(payload)) })
      },
    }
    this.all.push(conn)
    return conn
  }

  remove(conn: FakeConnection): void {
    this.all.splice(this.all.indexOf(conn), 1)
  }

  forUser = (userId: string) => this.all.filter((c) => c.userId === userId)
  list = () => [...this.all]
}

/** An AgentWork on the fake gateway, with its audit lines captured. */
export function fakeWork(policy: ApprovalPolicy, unattendedDenyMs = 0) {
  const gateway = new FakeGateway()
  const connections = new FakeConnections()
  const audit: Array<Record<string, unknown>> = []
  const logger = {
    debug: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    info: (fields: object) => void audit.push(fields as Record<string, unknown>),
  }
  const work = new AgentWork({
    namespace: 'clawchat',
    policy,
    unattendedDenyMs,
    connections,
    audit: createAudit(logger, (t) => t),
    link: gateway,
  })
  return { gateway, connections, audit, work }
}
