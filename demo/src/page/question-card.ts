import type { Question, QuestionAnswers, QuestionItem, QuestionResolvedEvent } from '@clawchat/protocol'
import { h } from './dom.js'
import { keepFocus } from './approval-card.js'
import { describeError } from './errors.js'

/** What the card does with the user's answers. */
export interface QuestionActions {
  answer(answers: QuestionAnswers): Promise<void>
  cancel(): Promise<void>
}

let nextId = 0

/**
 * A card for a question the agent asks (`ask_user`): each question's header and text, its options
 * as buttons and, where the agent accepts one (`isOther`), a box for the user's own words. A single
 * question with single choice is answered by one click; otherwise the options toggle and "Send
 * answers" sends them all. {@link showQuestionOutcome} shows the answers once `question.resolved` came.
 *
 * @example
 * const card = renderQuestionCard(item, {
 *   answer: (answers) => chat.answerQuestion(item.id, answers),
 *   cancel: () => chat.cancelQuestion(item.id),
 * })
 */
export function renderQuestionCard(item: QuestionItem, actions: QuestionActions): HTMLElement {
  const card = h('section', {
    class: 'question-card',
    attrs: { 'data-question-id': item.id, 'data-state': 'pending', 'aria-label': 'The assistant asks' },
  })
  const oneClick = item.questions.length === 1 && !item.questions[0]!.multiSelect
  const send = (answers: QuestionAnswers) => submit(card, actions.answer(answers))
  for (const q of item.questions) card.append(questionBlock(q, oneClick, send))
  const footer = h('div', { class: 'card-actions' })
  if (!oneClick) {
    const all = h('button', { class: 'btn btn-primary', text: 'Send answers', attrs: { type: 'button' } })
    all.addEventListener('click', () => send(collect(card, item.questions)))
    footer.append(all)
  }
  const skip = h('button', { class: 'btn btn-ghost', text: 'Skip', attrs: { type: 'button', 'data-skip': '' } })
  skip.addEventListener('click', () => submit(card, actions.cancel()))
  footer.append(skip)
  card.append(
    footer,
    h('p', { class: 'card-error', attrs: { role: 'alert' } }),
    h('p', { class: 'card-outcome', attrs: { role: 'status' } }),
  )
  for (const el of card.querySelectorAll<HTMLElement>('.card-error, .card-outcome')) el.hidden = true
  return card
}

/** Shows the answers (or that the question went unanswered) and takes the controls away. */
export function showQuestionOutcome(
  card: HTMLElement,
  event: Pick<QuestionResolvedEvent, 'status' | 'answers'>,
  questions: readonly Question[] = [],
): void {
  card.dataset.state = event.status
  const hadFocus = card.contains(document.activeElement) || card.dataset.decidedHere === 'yes'
  for (const el of card.querySelectorAll('.card-actions, .question-options, .question-other')) el.remove()
  card.querySelector<HTMLElement>('.card-error')!.hidden = true
  const outcome = card.querySelector<HTMLElement>('.card-outcome')!
  outcome.textContent = questionOutcome(event, questions)
  outcome.hidden = false
  keepFocus(outcome, hadFocus)
}

/** A sentence with the answers, or why there is none. */
export function questionOutcome(
  event: Pick<QuestionResolvedEvent, 'status' | 'answers'>,
  questions: readonly Question[] = [],
): string {
  if (event.status === 'cancelled') return 'Skipped'
  if (event.status === 'expired') return 'Not answered in time'
  const answers = event.answers?.answers ?? {}
  const parts = Object.entries(answers).map(([id, values]) => {
    const header = questions.length > 1 ? questions.find((q) => q.questionId === id)?.header : undefined
    return header ? `${header}: ${values.join(', ')}` : values.join(', ')
  })
  return `You answered: ${parts.join('; ')}`
}

function questionBlock(q: Question, oneClick: boolean, send: (a: QuestionAnswers) => void): HTMLElement {
  const legendId = `question-${++nextId}`
  const block = h('fieldset', { class: 'question', attrs: { 'data-question': q.questionId } })
  block.append(h('legend', { class: 'card-head', text: q.header || 'Question', attrs: { id: legendId } }))
  block.append(h('p', { class: 'question-text', text: q.question }))
  const options = h('div', { class: 'question-options' })
  for (const option of q.options ?? []) {
    const button = h('button', {
      class: 'btn btn-outline question-option',
      text: option.label,
      attrs: { type: 'button', 'data-label': option.label, ...(oneClick ? {} : { 'aria-pressed': 'false' }) },
    })
    if (option.description) button.title = option.description
    button.addEventListener('click', () => {
      if (oneClick) return send({ [q.questionId]: [option.label] })
      toggle(options, button, q.multiSelect === true)
    })
    options.append(button)
  }
  if (options.childElementCount > 0) block.append(options)
  if (q.isOther || !q.options?.length) block.append(otherBox(q, oneClick, send))
  return block
}

/** The box for the user's own words. */
function otherBox(q: Question, oneClick: boolean, send: (a: QuestionAnswers) => void): HTMLElement {
  const input = h('input', {
    class: 'question-input',
    attrs: { type: 'text', 'aria-label': `Your own answer to: ${q.question}`, placeholder: 'Or type your answer' },
  })
  const box = h('div', { class: 'question-other' }, input)
  if (!oneClick) return box
  const go = h('button', { class: 'btn btn-primary', text: 'Answer', attrs: { type: 'button' } })
  const sendTyped = () => {
    const text = input.value.trim()
    if (text) send({ [q.questionId]: [text] })
  }
  go.addEventListener('click', sendTyped)
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault()
      sendTyped()
    }
  })
  box.append(go)
  return box
}

function toggle(options: HTMLElement, button: HTMLButtonElement, multi: boolean): void {
  const on = button.getAttribute('aria-pressed') !== 'true'
  if (!multi) for (const b of options.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false')
  button.setAttribute('aria-pressed', String(on))
}

/** The chosen options and typed words of every question (multi-question cards). */
function collect(card: HTMLElement, questions: readonly Question[]): QuestionAnswers {
  const answers: QuestionAnswers = {}
  for (const q of questions) {
    const block = card.querySelector(`[data-question="${CSS.escape(q.questionId)}"]`)
    const chosen = [...(block?.querySelectorAll<HTMLElement>('[aria-pressed="true"]') ?? [])].map(
      (b) => b.dataset.label!,
    )
    const typed = block?.querySelector<HTMLInputElement>('.question-input')?.value.trim()
    if (typed) chosen.push(typed)
    answers[q.questionId] = chosen
  }
  return answers
}

/** Disables the card while the answer is on its way; shows why it was not sent if it failed. */
function submit(card: HTMLElement, sending: Promise<void>): void {
  const controls = card.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')
  for (const c of controls) c.disabled = true
  card.dataset.decidedHere = 'yes'
  const error = card.querySelector<HTMLElement>('.card-error')!
  error.hidden = true
  sending.then(
    () => {
      if (card.dataset.state === 'pending') card.dataset.state = 'sent'
    },
    (err: unknown) => {
      for (const c of controls) c.disabled = false
      delete card.dataset.decidedHere
      error.textContent = `Not sent: ${describeError(err)}`
      error.hidden = false
    },
  )
}
