/**
 * `question.list` and `question.resolve`: the caller's own questions only (see
 * `questions/question-answers.ts`). The answers are checked here: `{ answers: { <questionId>:
 * [strings] } }` or `cancel: true`, not both.
 */
import { describeParam } from '@clawchat/protocol'
import { isRecord } from '../../common/records.js'
import type { QuestionAnswer } from '../questions/question-answers.js'
import { invalidParams, type Params, type PlanContext, type PlanResult } from '../request-plan.js'
import { deskPlan, idParam } from './approvals.js'

/** At most this many questions answered at once, labels per answer, and characters per label. */
const MAX_ANSWERS = 50
const MAX_LABEL = 4000

/** `question.list {}`. */
export function planQuestionList(_params: Params, ctx: PlanContext): PlanResult {
  return deskPlan('question.list', ctx, (desk, viewer, call) => desk.questions.list(viewer.userId, call))
}

/** The answers param checked: `{ answers: { <questionId>: [strings] } }`, or the problem. */
function answersOf(value: unknown): { answers: Record<string, string[]> } | string {
  const about = describeParam('question.resolve', 'answers') ?? 'answers must be an object'
  if (!isRecord(value) || !isRecord(value.answers) || Object.keys(value).length !== 1) return about
  const entries = Object.entries(value.answers)
  if (entries.length === 0 || entries.length > MAX_ANSWERS) return `${about}, with 1 to ${MAX_ANSWERS} questions`
  const answers: Record<string, string[]> = {}
  for (const [questionId, chosen] of entries) {
    const fits = Array.isArray(chosen) && chosen.length <= MAX_ANSWERS
    if (!fits || !chosen.every((c) => typeof c === 'string' && c.length <= MAX_LABEL)) {
      return `${about}: answers.${questionId.slice(0, 64)} must be a list of strings`
    }
    answers[questionId] = [...(chosen as string[])]
  }
  return { answers }
}

/** `question.resolve {id, answers}` or `{id, cancel: true}`. */
export function planQuestionResolve(params: Params, ctx: PlanContext): PlanResult {
  const method = 'question.resolve'
  const id = idParam(method, params)
  if (!id.ok) return id.result
  let answer: QuestionAnswer
  if (params.cancel !== undefined) {
    if (params.cancel !== true || params.answers !== undefined) {
      return invalidParams(method, 'send either answers or cancel: true, not both')
    }
    answer = { id: id.id, cancel: true }
  } else {
    const answers = answersOf(params.answers)
    if (typeof answers === 'string') return invalidParams(method, answers)
    answer = { id: id.id, answers }
  }
  return deskPlan(method, ctx, (desk, viewer, call) => desk.questions.resolve(viewer.userId, answer, call))
}
