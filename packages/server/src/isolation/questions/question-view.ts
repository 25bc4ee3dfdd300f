/**
 * What the owner sees of a question — pure: the whitelisted fields of each question
 * (`QUESTION_FIELDS`), the browser's own session key and run id, and of a resolution only its
 * status and the answers (lists of strings).
 */
import {
  QUESTION_FIELDS,
  type Question,
  type QuestionAnswers,
  type QuestionItem,
  type QuestionOption,
  type QuestionResolvedEvent,
} from '@clawchat/protocol'
import { isRecord, pick, type Json } from '../../common/records.js'
import type { QuestionOwner } from './question-registry.js'

/** At most this many questions per request, options per question and strings per answer. */
const MAX_ITEMS = 50

function optionOf(value: unknown): QuestionOption | undefined {
  if (!isRecord(value) || typeof value.label !== 'string') return undefined
  const out: QuestionOption = { label: value.label }
  if (typeof value.description === 'string') out.description = value.description
  return out
}

/** One question with only its whitelisted fields. */
export function viewQuestion(value: unknown): Question | undefined {
  if (!isRecord(value)) return undefined
  const picked: Json = pick(value, QUESTION_FIELDS)
  if (typeof picked.questionId !== 'string' || typeof picked.question !== 'string') return undefined
  const out: Question = { questionId: picked.questionId, question: picked.question }
  if (typeof picked.header === 'string') out.header = picked.header
  if (Array.isArray(picked.options)) {
    out.options = picked.options
      .slice(0, MAX_ITEMS)
      .map(optionOf)
      .filter((o): o is QuestionOption => o !== undefined)
  }
  if (typeof picked.isOther === 'boolean') out.isOther = picked.isOther
  if (typeof picked.multiSelect === 'boolean') out.multiSelect = picked.multiSelect
  return out
}

/**
 * A `question.requested` payload (or a `question.list` row) as its owner sees it.
 *
 * @example
 * viewQuestionItem(payload, { userId: 'alice', sessionKey: 'main', runId: 'k1' })
 * // { id, questions: [{ questionId: 'color', question: 'Pick a color?', … }], sessionKey: 'main', runId: 'k1', … }
 */
export function viewQuestionItem(payload: Json, owner: QuestionOwner): QuestionItem {
  const questions = Array.isArray(payload.questions) ? payload.questions.slice(0, MAX_ITEMS) : []
  const out: QuestionItem = {
    id: String(payload.id),
    questions: questions.map(viewQuestion).filter((q): q is Question => q !== undefined),
    sessionKey: owner.sessionKey,
    createdAtMs: typeof payload.createdAtMs === 'number' ? payload.createdAtMs : 0,
    expiresAtMs: typeof payload.expiresAtMs === 'number' ? payload.expiresAtMs : 0,
    status: 'pending',
  }
  if (owner.runId !== undefined) out.runId = owner.runId
  return out
}

/** `{ answers: { <questionId>: [strings] } }`, or `undefined` when it is not that. */
export function viewAnswers(value: unknown): { answers: QuestionAnswers } | undefined {
  if (!isRecord(value) || !isRecord(value.answers)) return undefined
  const answers: QuestionAnswers = {}
  for (const [questionId, chosen] of Object.entries(value.answers).slice(0, MAX_ITEMS)) {
    if (!Array.isArray(chosen)) continue
    answers[questionId] = chosen.filter((c): c is string => typeof c === 'string').slice(0, MAX_ITEMS)
  }
  return { answers }
}

/** A `question.resolved` payload as its owner sees it (or a `question.resolve` answer, without `id`). */
export function viewQuestionResolved(payload: Json): QuestionResolvedEvent {
  const status = payload.status === 'answered' || payload.status === 'cancelled' ? payload.status : 'expired'
  const out: QuestionResolvedEvent = { id: String(payload.id), status }
  const answers = viewAnswers(payload.answers)
  if (answers) out.answers = answers
  return out
}
