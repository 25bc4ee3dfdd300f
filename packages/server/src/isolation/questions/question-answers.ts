/**
 * `question.list` and `question.resolve` from the owner's view: the gateway's pending list
 * filtered to the viewer's own questions; an answer checks that the question is the viewer's (the
 * same upstream lookup and the same not-found answer for an unknown id and for another user's),
 * then answers upstream. Every answer is an audit record with the user who gave it.
 */
import type { QuestionItem, QuestionListResult, QuestionResolveResult } from '@clawchat/protocol'
import type { Audit } from '../../audit/audit.js'
import { isRecord } from '../../common/records.js'
import { QUESTION_NOT_FOUND, gatewayCode, gatewayReason, questionNotFound } from '../approvals/refusal.js'
import type { UpstreamCall } from '../request-plan.js'
import type { QuestionRegistry } from './question-registry.js'
import { viewAnswers, viewQuestionItem } from './question-view.js'

/** An answer to send: the chosen labels per question, or cancelling the question. */
export type QuestionAnswer =
  { id: string; answers: { answers: Record<string, string[]> } } | { id: string; cancel: true }

/** What the question methods need. */
export interface QuestionAnswersDeps {
  registry: QuestionRegistry
  audit: Audit
}

/** The pending rows of an upstream `question.list` answer. */
function rowsOf(payload: unknown): unknown[] {
  return isRecord(payload) && Array.isArray(payload.questions) ? payload.questions : []
}

/**
 * The question methods of one proxy.
 *
 * @example
 * const questions = new QuestionAnswers({ registry, audit })
 * await questions.list('alice', call) // { questions: [...] } of alice's runs only
 */
export class QuestionAnswers {
  constructor(private readonly deps: QuestionAnswersDeps) {}

  /** `question.list`: the viewer's own pending questions (the registry learns every row's owner). */
  async list(userId: string, call: UpstreamCall): Promise<QuestionListResult> {
    const rows = rowsOf(await call('question.list', {}))
    const questions: QuestionItem[] = []
    for (const row of rows) {
      const owner = this.deps.registry.remember(row)
      if (owner && owner.userId === userId && isRecord(row)) questions.push(viewQuestionItem(row, owner))
    }
    return { questions }
  }

  /** `question.resolve`: ownership checked, then the answer (or the cancel) upstream. */
  async resolve(userId: string, answer: QuestionAnswer, call: UpstreamCall): Promise<QuestionResolveResult> {
    // The same one lookup for every id: the registry learns the pending questions' owners.
    for (const row of rowsOf(await call('question.list', {}))) this.deps.registry.remember(row)
    const owner = this.deps.registry.owner(answer.id)
    if (!owner || owner.userId !== userId) throw questionNotFound(answer.id)
    const status = 'cancel' in answer ? 'cancelled' : 'answered'
    const audited = { event: 'question.answer' as const, userId, questionId: answer.id, status } as const
    try {
      const payload = await call('question.resolve', { ...answer })
      this.deps.audit.record({ ...audited, outcome: 'ok' })
      return this.answerOf(payload, status)
    } catch (error) {
      const code = gatewayReason(error) ?? gatewayCode(error) ?? 'UNAVAILABLE'
      this.deps.audit.record({ ...audited, outcome: 'error', code })
      if (code === QUESTION_NOT_FOUND) throw questionNotFound(answer.id)
      throw error
    }
  }

  /** The gateway's answer with only its status and answers. */
  private answerOf(payload: unknown, fallback: 'answered' | 'cancelled'): QuestionResolveResult {
    const source = isRecord(payload) ? payload : {}
    const status = source.status === 'answered' || source.status === 'cancelled' ? source.status : fallback
    const out: QuestionResolveResult = { status }
    const answers = viewAnswers(source.answers)
    if (answers) out.answers = answers
    return out
  }
}
