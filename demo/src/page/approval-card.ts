import type { ApprovalDecision, ApprovalItem, ApprovalResolvedEvent } from '@clawchat/protocol'
import { h } from './dom.js'
import { describeError } from './errors.js'

/** The buttons, in the order shown, and what they say. */
const BUTTONS: Array<{ decision: ApprovalDecision; label: string; cls: string }> = [
  { decision: 'allow-once', label: 'Allow once', cls: 'btn btn-primary' },
  { decision: 'allow-always', label: 'Always allow', cls: 'btn btn-outline' },
  { decision: 'deny', label: 'Deny', cls: 'btn btn-outline btn-deny' },
]

let nextId = 0

/**
 * A card for an approval the run waits for: the command, the gateway's warning, and a button for
 * each decision this user may send (`request.allowedDecisions`), or "Waiting for an administrator"
 * when there is none. `decide` sends the decision; the card shows its outcome once
 * {@link showApprovalOutcome} is called with the `*.approval.resolved` event.
 *
 * @example
 * const card = renderApprovalCard(item, (decision) => chat.resolveApproval(item.id, decision))
 * chat.on('exec.approval.resolved', (e) => e.id === item.id && showApprovalOutcome(card, e))
 */
export function renderApprovalCard(
  item: ApprovalItem,
  decide: (decision: ApprovalDecision) => Promise<void>,
): HTMLElement {
  const { request } = item
  const headId = `approval-head-${++nextId}`
  const card = h('section', {
    class: 'approval-card',
    attrs: { 'data-approval-id': item.id, 'data-state': 'pending', 'aria-labelledby': headId },
  })
  const heading = item.approvalKind === 'plugin' ? 'A tool asks for approval' : 'Run this command?'
  card.append(
    h('div', { class: 'card-head', attrs: { id: headId } }, h('span', { text: heading }), whoseRun(item)),
    h('pre', { class: 'approval-command', attrs: { tabindex: '0', 'aria-label': 'Command' } }, text(request.command)),
  )
  const warning = request.warningText ?? request.commandAnalysis?.warningLines?.join('\n')
  if (warning) card.append(h('p', { class: 'approval-warning', text: warning }))
  const allowed = BUTTONS.filter((b) => request.allowedDecisions.includes(b.decision))
  if (allowed.length === 0) {
    card.append(h('p', { class: 'approval-wait', text: 'Waiting for an administrator' }))
  } else {
    const row = h('div', { class: 'card-actions', attrs: { role: 'group', 'aria-label': 'Decision' } })
    for (const b of allowed) row.append(decisionButton(card, b, decide))
    card.append(row)
  }
  card.append(
    h('p', { class: 'card-error', attrs: { role: 'alert' } }),
    h('p', { class: 'card-outcome', attrs: { role: 'status' } }),
  )
  for (const el of card.querySelectorAll<HTMLElement>('.card-error, .card-outcome')) el.hidden = true
  return card
}

/** Shows how the approval ended and takes its buttons away. */
export function showApprovalOutcome(
  card: HTMLElement,
  event: Pick<ApprovalResolvedEvent, 'decision' | 'resolvedBy' | 'reason'>,
): void {
  card.dataset.state = event.decision === 'deny' ? 'denied' : 'allowed'
  // Decided on this card: "by you", also for the administrator who did (the event says `admin`).
  const here = card.dataset.decidedHere === 'yes' && (event.resolvedBy === 'admin' || event.resolvedBy === 'user')
  endCard(card, approvalOutcome(here ? { ...event, resolvedBy: 'user' } : event))
  if (event.resolvedBy === 'clawchat' && event.reason)
    card.querySelector('.card-outcome')!.after(h('p', { class: 'card-reason', text: event.reason }))
}

/** The approval is no longer pending, and how it ended is not known here (expired, or answered elsewhere). */
export function showApprovalGone(card: HTMLElement): void {
  if (card.dataset.state !== 'pending' && card.dataset.state !== 'sent') return
  card.dataset.state = 'gone'
  endCard(card, 'No longer waiting for a decision')
}

/** A sentence saying who decided what (the proxy's reason, when it decided, goes under it). */
export function approvalOutcome(event: Pick<ApprovalResolvedEvent, 'decision' | 'resolvedBy'>): string {
  const verb =
    event.decision === 'deny' ? 'Denied' : event.decision === 'allow-always' ? 'Always allowed' : 'Allowed once'
  switch (event.resolvedBy) {
    case 'user':
      return `${verb} by you`
    case 'admin':
      return `${verb} by an administrator`
    case 'clawchat':
      return 'Denied automatically: nobody could approve'
    default:
      return event.decision === 'deny' ? 'Denied (the run was stopped or the request expired)' : verb
  }
}

function endCard(card: HTMLElement, sentence: string): void {
  const hadFocus = card.contains(document.activeElement) || card.dataset.decidedHere === 'yes'
  card.querySelector('.card-actions')?.remove()
  card.querySelector('.approval-wait')?.remove()
  const error = card.querySelector<HTMLElement>('.card-error')!
  error.hidden = true
  const outcome = card.querySelector<HTMLElement>('.card-outcome')!
  outcome.textContent = sentence
  outcome.hidden = false
  keepFocus(outcome, hadFocus)
}

/** The button that had the focus is gone: the focus goes to the sentence that replaced it. */
export function keepFocus(outcome: HTMLElement, hadFocus: boolean): void {
  if (!hadFocus) return
  outcome.tabIndex = -1
  outcome.focus()
}

function decisionButton(
  card: HTMLElement,
  b: (typeof BUTTONS)[number],
  decide: (decision: ApprovalDecision) => Promise<void>,
): HTMLButtonElement {
  const button = h('button', { class: b.cls, text: b.label, attrs: { type: 'button', 'data-decision': b.decision } })
  button.addEventListener('click', () => {
    const buttons = card.querySelectorAll<HTMLButtonElement>('.card-actions button')
    for (const other of buttons) other.disabled = true
    card.dataset.decidedHere = 'yes'
    const error = card.querySelector<HTMLElement>('.card-error')!
    error.hidden = true
    decide(b.decision).then(
      () => {
        if (card.dataset.state === 'pending') card.dataset.state = 'sent'
      },
      (err: unknown) => {
        for (const other of buttons) other.disabled = false
        delete card.dataset.decidedHere
        error.textContent = `Not sent: ${describeError(err)}`
        error.hidden = false
      },
    )
  })
  return button
}

/** For an administrator looking at someone else's approval: whose run it is. */
function whoseRun(item: ApprovalItem): HTMLElement {
  const { request } = item
  const who = request.external
    ? 'started outside ClawChat'
    : request.ownerUserId
      ? `${request.ownerUserId}'s run`
      : request.waitingFor === 'admin'
        ? 'an administrator decides'
        : ''
  const el = h('span', { class: 'card-sub', text: who })
  el.hidden = who === ''
  return el
}

function text(s: string): Text {
  return document.createTextNode(s)
}
