/**
 * Questions the agent asks its user (OpenClaw's `ask_user` tool): `question.requested` /
 * `question.resolved` events and `question.list` / `question.resolve`, through the proxy limited to
 * the questions of this user's own runs.
 */

/** One option of a question. */
export interface QuestionOption {
  label: string
  description?: string
}

/** One question of a request (a request may ask several at once). */
export interface Question {
  questionId: string
  header?: string
  question: string
  options?: QuestionOption[]
  /** The user may answer with their own words instead of an option. */
  isOther?: boolean
  /** Several options may be chosen. */
  multiSelect?: boolean
}

/** The payload of `question.requested`, a row of `question.list`. */
export interface QuestionItem {
  id: string
  questions: Question[]
  /** The user's own session key. */
  sessionKey: string
  /** The user's own run id. */
  runId?: string
  createdAtMs: number
  expiresAtMs: number
  status: 'pending'
}

/** The answers: question id → the chosen labels (or the user's own words). */
export type QuestionAnswers = Record<string, string[]>

/** The payload of `question.resolved`. */
export interface QuestionResolvedEvent {
  id: string
  status: 'answered' | 'cancelled' | 'expired'
  answers?: { answers: QuestionAnswers }
}

/** Params of `question.resolve`: the answers, or `cancel: true`. */
export interface QuestionResolveParams {
  id: string
  answers?: { answers: QuestionAnswers }
  cancel?: boolean
}

/** Answer to `question.resolve`. */
export interface QuestionResolveResult {
  status: 'answered' | 'cancelled'
  answers?: { answers: QuestionAnswers }
}

/** Answer to `question.list`. */
export interface QuestionListResult {
  questions: QuestionItem[]
}
