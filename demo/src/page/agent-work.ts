import type { ClawChat } from '@clawchat/client'
import type {
  ApprovalItem,
  ApprovalResolvedEvent,
  Question,
  QuestionItem,
  QuestionResolvedEvent,
} from '@clawchat/protocol'
import { renderApprovalCard, showApprovalGone, showApprovalOutcome } from './approval-card.js'
import { byId, h } from './dom.js'
import type { ReplyHandle } from './message-list.js'
import { renderQuestionCard, showQuestionOutcome } from './question-card.js'
import { localSessionKey, openSessionInUrl } from './session-route.js'
import { renderToolCard, toolCallOf, toolDisplayName, updateToolCard, type ToolCallView } from './tool-card.js'

/** Where the cards go, and what the page does for them. */
export interface AgentWorkOptions {
  /** The chat column (#messages). */
  list: HTMLElement
  /** The tray above the composer, for approvals and questions of runs not on screen. */
  tray: HTMLElement
  /** The session on screen. */
  current(): string
}

/** A stream part's news about the run's work (the SDK's `StreamPart.tool` / `.waiting`). */
export interface WorkPart {
  tool?: ToolCallView
  waiting?: { on: 'approval'; approval: ApprovalItem } | { on: 'question'; question: QuestionItem } | null
}

/** A missing item is marked "no longer waiting" this long after the list dropped it, unless its event came. */
const GONE_AFTER_MS = 1500

/**
 * The agent's work on the page: tool cards in the replies, approval and question cards next to the
 * call that waits (or in the reply of their run, or the tray when the run is not on screen), kept
 * up to date by the SDK's events and pending lists, and placed again after every history render.
 *
 * @example
 * const work = new AgentWork(chat, { list, tray, current: () => switcher.current })
 * for await (const part of chat.stream(text)) work.part(reply, part)
 * work.placePending() // after a history render
 */
export class AgentWork {
  private readonly questions = new Map<string, Question[]>()
  private readonly offs: Array<() => void>

  constructor(
    private readonly chat: ClawChat,
    private readonly o: AgentWorkOptions,
  ) {
    this.offs = [
      chat.on('approvals', (items) => this.syncApprovals(items)),
      chat.on('questions', (items) => this.syncQuestions(items)),
      chat.on('exec.approval.resolved', (e) => this.approvalResolved(e)),
      chat.on('plugin.approval.resolved', (e) => this.approvalResolved(e)),
      chat.on('question.resolved', (e) => this.questionResolved(e)),
      // Runs on screen that this page does not stream (another tab's): their row names the run.
      chat.on('tool', (call) => {
        const row = this.o.list.querySelector(`.msg-assistant[data-run-id="${CSS.escape(call.runId)}"] .msg-work`)
        if (row) this.tool(row as HTMLElement, call)
      }),
    ]
  }

  /** The page's own: cards in #messages, the tray in #pending-tray. */
  static onPage(chat: ClawChat, current: () => string): AgentWork {
    return new AgentWork(chat, { list: byId('messages'), tray: byId('pending-tray'), current })
  }

  dispose(): void {
    for (const off of this.offs) off()
  }

  /** Applies a stream part of a run this page streams into `reply`. */
  part(reply: ReplyHandle, part: WorkPart): void {
    if (part.tool) this.tool(reply.work, part.tool)
    if (part.waiting?.on === 'approval') this.showApproval(part.waiting.approval, reply.work)
    else if (part.waiting?.on === 'question') this.showQuestion(part.waiting.question, reply.work)
  }

  /**
   * Adds or updates the card of a tool call in `work` (a reply's card area). The call a `tool_call`
   * makes for it (its `ask_user`) is not shown twice: the outer card stands for both, as in the history.
   */
  tool(work: HTMLElement, call: ToolCallView): void {
    const card = this.o.list.querySelector<HTMLElement>(
      `.tool-card[data-tool-call-id="${CSS.escape(call.toolCallId)}"]`,
    )
    if (card) return updateToolCard(card, call)
    const added = renderToolCard(call)
    const name = toolDisplayName(call)
    added.hidden =
      call.name !== 'tool_call' &&
      [...work.querySelectorAll<HTMLElement>('.tool-card')].some((c) => {
        const other = toolCallOf(c)
        return other?.name === 'tool_call' && toolDisplayName(other) === name
      })
    work.append(added)
  }

  /** Shows the cards of every pending approval and question again (the column was drawn anew). */
  placePending(): void {
    this.o.tray.replaceChildren()
    for (const item of this.chat.pendingApprovals()) this.showApproval(item)
    for (const item of this.chat.pendingQuestions()) this.showQuestion(item)
    this.syncTray()
  }

  private showApproval(item: ApprovalItem, work?: HTMLElement): void {
    if (this.find('approval', item.id)) return
    const card = renderApprovalCard(item, (decision) => this.chat.resolveApproval(item.id, decision))
    const { sessionKey, runId, toolCallId } = item.request
    this.place(card, { sessionKey, runId, toolCallId, work })
  }

  private showQuestion(item: QuestionItem, work?: HTMLElement): void {
    if (this.find('question', item.id)) return
    this.questions.set(item.id, item.questions)
    const card = renderQuestionCard(item, {
      answer: (answers) => this.chat.answerQuestion(item.id, answers),
      cancel: () => this.chat.cancelQuestion(item.id),
    })
    this.place(card, { sessionKey: item.sessionKey, runId: item.runId, work })
  }

  private syncApprovals(items: readonly ApprovalItem[]): void {
    for (const item of items) this.showApproval(item)
    this.dropMissing('approval', new Set(items.map((i) => i.id)), showApprovalGone)
    this.syncTray()
  }

  private syncQuestions(items: readonly QuestionItem[]): void {
    for (const item of items) this.showQuestion(item)
    this.dropMissing('question', new Set(items.map((i) => i.id)), (card) =>
      showQuestionOutcome(card, { status: 'expired' }),
    )
    this.syncTray()
  }

  private approvalResolved(event: ApprovalResolvedEvent): void {
    const card = this.find('approval', event.id)
    if (card) showApprovalOutcome(card, event)
  }

  private questionResolved(event: QuestionResolvedEvent): void {
    const card = this.find('question', event.id)
    if (card) showQuestionOutcome(card, event, this.questions.get(event.id))
    this.questions.delete(event.id)
  }

  /** Cards still waiting whose item left the pending list: "no longer waiting", unless their event comes first. */
  private dropMissing(kind: 'approval' | 'question', pending: Set<string>, gone: (card: HTMLElement) => void): void {
    for (const root of [this.o.list, this.o.tray])
      for (const card of root.querySelectorAll<HTMLElement>(`[data-${kind}-id]`)) {
        if (pending.has(card.dataset[`${kind}Id`]!) || !isWaiting(card)) continue
        setTimeout(() => isWaiting(card) && gone(card), GONE_AFTER_MS)
      }
  }

  private find(kind: 'approval' | 'question', id: string): HTMLElement | null {
    const selector = `[data-${kind}-id="${CSS.escape(id)}"]`
    return this.o.list.querySelector(selector) ?? this.o.tray.querySelector(selector)
  }

  /** Next to the call waiting for it, else in its run's reply, else the last reply of its session, else the tray. */
  private place(
    card: HTMLElement,
    at: { sessionKey?: string; runId?: string; toolCallId?: string; work?: HTMLElement | undefined },
  ): void {
    const list = this.o.list
    const call = at.toolCallId && list.querySelector(`.tool-card[data-tool-call-id="${CSS.escape(at.toolCallId)}"]`)
    const row = at.runId && list.querySelector(`.msg-assistant[data-run-id="${CSS.escape(at.runId)}"] .msg-work`)
    const here = at.sessionKey !== undefined && localSessionKey(at.sessionKey) === this.o.current()
    const replies = here ? list.querySelectorAll('.msg-assistant .msg-work') : []
    const last = replies[replies.length - 1]
    if (call) call.after(card)
    else if (at.work?.isConnected) at.work.append(card)
    else if (row) row.append(card)
    else if (last) last.append(card)
    else return this.toTray(card, at.sessionKey)
    card.scrollIntoView({ block: 'nearest' })
  }

  /** A card of a run not on screen: in the tray, with a way to its chat when it is one of this user's. */
  private toTray(card: HTMLElement, sessionKey: string | undefined): void {
    const item = h('div', { class: 'tray-item' })
    if (sessionKey !== undefined) {
      const key = localSessionKey(sessionKey)
      const open = h('button', { class: 'btn btn-ghost tray-open', text: 'Open chat', attrs: { type: 'button' } })
      // The page follows the URL's #chat= (chat-controls.ts).
      open.addEventListener('click', () => openSessionInUrl(key))
      item.append(h('div', { class: 'tray-head' }, h('span', { text: 'Waiting in another chat' }), open))
    }
    item.append(card)
    this.o.tray.append(item)
    this.syncTray()
  }

  private syncTray(): void {
    this.o.tray.hidden = this.o.tray.querySelector('[data-state="pending"], [data-state="sent"]') === null
  }
}

function isWaiting(card: HTMLElement): boolean {
  return card.dataset.state === 'pending' || card.dataset.state === 'sent'
}
