import { validateQuestionListParams, validateQuestionResolveParams } from '@openclaw/gateway-protocol'
import { Scopes } from '../connection/scopes.js'
import { invalidRequest } from '../gateway/errors.js'
import { hasQuestionsScope, questionsForbidden } from '../questions/question-registry.js'
import { checkParams, isRecord, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/*
 * `ask_user` questions (TOOLS-AND-APPROVALS "Methods", t3). Without `operator.questions` or
 * `operator.admin` the answer is FORBIDDEN "Session-scoped access requires a verified user profile."
 * (checked before the params, as a read+write client got it).
 */

/** `question.list {}` → `{questions: [...]}`: every pending question (no session or device filter). */
export const questionList: MethodDefinition = {
  name: 'question.list',
  scope: Scopes.READ,
  handle({ core, conn }, params) {
    if (!hasQuestionsScope(conn)) throw questionsForbidden()
    checkParams('question.list', validateQuestionListParams, paramsOrEmpty(params))
    return { payload: { questions: core.questions.list(conn) } }
  },
}

/** The answers of `question.resolve`: `{answers: {<questionId>: [labels]}}`. */
function readAnswers(answers: unknown): Record<string, string[]> {
  const inner = isRecord(answers) ? answers.answers : undefined
  if (!isRecord(inner)) throw invalidRequest('invalid question.resolve params: answers must be {answers:{…}}')
  const out: Record<string, string[]> = {}
  for (const [id, labels] of Object.entries(inner)) {
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
      throw invalidRequest(`invalid question.resolve params: answers.${id} must be an array of strings`)
    }
    out[id] = labels as string[]
  }
  return out
}

/**
 * `question.resolve {id, answers:{answers:{…}}}` → `{status:"answered", answers}`, or
 * `{id, cancel:true}` → `{status:"cancelled"}`. The tool gets the outcome; `question.resolved` follows
 * the tool's result.
 */
export const questionResolve: MethodDefinition = {
  name: 'question.resolve',
  scope: Scopes.READ,
  handle({ core, conn }, params) {
    if (!hasQuestionsScope(conn)) throw questionsForbidden()
    const p = checkParams('question.resolve', validateQuestionResolveParams, params) as unknown as Record<
      string,
      unknown
    >
    const id = String(p.id)
    const answers = p.cancel === true ? undefined : readAnswers(p.answers)
    return { payload: core.questions.resolve(conn, id, answers) }
  },
}
