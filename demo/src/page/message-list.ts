import { h, icon } from './dom.js'
import { messageText } from '@clawchat/client'
import { markOverflow, markScrolled } from './code-blocks.js'
import { copyWithFeedback } from './copy.js'
import { toolCallsOf, toolResultOf } from './history-tools.js'
import { createReply, type ReplyHandle } from './reply-bubble.js'
import { renderToolCard, updateToolCard } from './tool-card.js'

export type { ReplyHandle, ReplyState } from './reply-bubble.js'

export interface UserMessageHandle {
  readonly element: HTMLElement
  /** `queued`: waiting for the connection; `sent`: the server has it. */
  setStatus(status: 'queued' | 'sent' | 'failed', note?: string): void
}

export interface HistoryMessage {
  role: string
  content: unknown
  /** The gateway's id of the message (what `chat.edit` takes), when the proxy gives it. */
  id?: string
  stopReason?: string
  /** The browser's run id of a message of the user's own runs, when the proxy names it. */
  runId?: string
  /** `toolResult` rows: the call this is the result of, and whether it failed. */
  toolCallId?: string
  isError?: boolean
}

/** The chat column: the messages of the current session, the streaming reply, the empty state. */
export class MessageList {
  private readonly listening = new AbortController()

  constructor(
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly scroller: HTMLElement,
  ) {
    const signal = this.listening.signal
    // Code blocks are re-rendered while a reply streams: their Copy buttons are handled here.
    list.addEventListener(
      'click',
      (event) => {
        const button = (event.target as HTMLElement).closest<HTMLElement>('.code-copy')
        const code = button?.closest('.code-block')?.querySelector('pre')
        if (button && code) void copyWithFeedback(button, code.textContent ?? '')
      },
      { signal },
    )
    list.addEventListener('scroll', (event) => markScrolled(event.target as HTMLElement), {
      capture: true,
      passive: true,
      signal,
    })
    window.addEventListener('resize', () => markOverflow(list), { passive: true, signal })
  }

  /** Stops listening (the page signs out; a new list is made at the next sign-in). */
  dispose(): void {
    this.listening.abort()
  }

  /** True when no message of the user is shown. */
  isEmpty(): boolean {
    return this.list.querySelector('.msg-user') === null
  }

  clear(): void {
    this.list.replaceChildren()
    this.syncEmpty()
  }

  /**
   * Replaces the column with a session's history. `stoppedText(question, reply)` tells a reply that
   * was stopped (the gateway stores it like a finished one) and which part of it was shown. The tool
   * calls of a question (`toolCall` parts, `toolResult` rows) become cards in the reply that answers
   * it, titled by `toolTitles` (toolCallId → the gateway's title).
   */
  showHistory(
    messages: readonly HistoryMessage[],
    stoppedText: (question: string, text: string, runId?: string) => string | undefined = () => undefined,
    toolTitles: ReadonlyMap<string, string> = new Map(),
  ): void {
    this.list.replaceChildren()
    let question = ''
    // The reply holding this question's tool cards while it has no text yet.
    let tools: ReplyHandle | undefined
    for (const m of messages) {
      const text = messageText(m.content)
      const calls = toolCallsOf(m, toolTitles)
      const result = toolResultOf(m)
      if (m.role === 'user') {
        question = text
        tools = undefined
        this.addUser(text, m.id)
      } else if (calls.length > 0) {
        tools ??= this.addFinishedReply(m.runId)
        for (const call of calls) tools.work.append(renderToolCard(call))
      } else if (result) {
        const card = this.list.querySelector<HTMLElement>(`[data-tool-call-id="${CSS.escape(result.toolCallId)}"]`)
        if (card) updateToolCard(card, result.change)
      }
      if (m.role === 'assistant' && text.trim() !== '') {
        const reply = tools && tools.text === '' ? tools : this.addReply(m.runId)
        tools = undefined
        const shown = stoppedText(question, text, typeof m.runId === 'string' ? m.runId : undefined)
        const stopped = shown !== undefined || m.stopReason === 'aborted' || m.stopReason === 'abort'
        reply.update(shown ?? text)
        reply.finish(stopped ? 'aborted' : 'final', stopped ? 'Stopped' : undefined)
      }
    }
    this.syncEmpty()
    this.scrollToEnd(true)
  }

  /**
   * Marks the last reply stopped when it ends the column and ended as final: the session's last run
   * was aborted (`abortedLastRun`), and a stopped reply is stored like a finished one.
   */
  markLastReplyStopped(): void {
    const last = this.list.lastElementChild as HTMLElement | null
    if (!last?.classList.contains('msg-assistant') || last.dataset.state !== 'final') return
    last.dataset.state = 'aborted'
    const status = last.querySelector<HTMLElement>('.msg-status')
    if (status) {
      status.replaceChildren('Stopped')
      status.hidden = false
    }
  }

  /** A message of the user at the end; `entryId` is its id in the gateway's history, when known. */
  addUser(text: string, entryId?: string): UserMessageHandle {
    const bubble = h('div', { class: 'bubble', text })
    const meta = h('div', { class: 'msg-meta' })
    meta.hidden = true
    const edit = h(
      'button',
      { class: 'msg-edit', attrs: { type: 'button', 'aria-label': 'Edit message', title: 'Edit and send again' } },
      icon('edit'),
    )
    const attrs: Record<string, string> = { 'data-role': 'user', ...(entryId ? { 'data-entry-id': entryId } : {}) }
    const row = h('div', { class: 'msg msg-user', attrs }, h('div', { class: 'msg-body' }, bubble, meta, edit))
    this.list.append(row)
    this.syncEmpty()
    this.scrollToEnd(true)
    return {
      element: row,
      setStatus(status, note) {
        row.dataset.status = status
        meta.textContent = note ?? ''
        meta.hidden = !note
      },
    }
  }

  /** A reply that holds only tool cards so far (in a history: its text, if any, comes later). */
  private addFinishedReply(runId: string | undefined): ReplyHandle {
    const reply = this.addReply(runId)
    reply.finish('final')
    return reply
  }

  /** A new, empty reply at the end; `runId` names the run it belongs to (`data-run-id`), when known. */
  addReply(runId?: string): ReplyHandle {
    const reply = createReply(runId, { nearEnd: () => this.nearEnd(), scrollToEnd: (f) => this.scrollToEnd(f) })
    this.list.append(reply.element)
    this.syncEmpty()
    this.scrollToEnd(true)
    return reply
  }

  /** Removes `row` and every message after it (a message is edited: the old tail goes). */
  removeFrom(row: Element): void {
    while (row.nextElementSibling) row.nextElementSibling.remove()
    row.remove()
    this.syncEmpty()
  }

  /** Removes what follows the last message of the user (a reply to answer again, or a partial one). */
  removeAfterLastUser(): void {
    const users = this.list.querySelectorAll('.msg-user')
    const last = users[users.length - 1]
    if (!last) return this.list.replaceChildren()
    while (last.nextElementSibling) last.nextElementSibling.remove()
  }

  /** The text of the last message of the user on screen ('' when there is none). */
  lastUserText(): string {
    const users = this.list.querySelectorAll('.msg-user .bubble')
    return users[users.length - 1]?.textContent ?? ''
  }

  /** Puts a reply still arriving back at the end (its question is the last message of the history). */
  appendReply(reply: ReplyHandle): void {
    this.list.append(reply.element)
    this.syncEmpty()
    this.scrollToEnd(true)
  }

  /** Puts a question (its row, when there is one) and its still-streaming reply back at the end. */
  reattach(question: string, reply: ReplyHandle, userRow?: HTMLElement): void {
    if (userRow) this.list.append(userRow)
    else this.addUser(question)
    this.list.append(reply.element)
    this.syncEmpty()
    this.scrollToEnd(true)
  }

  private syncEmpty(): void {
    this.empty.hidden = this.list.childElementCount > 0
  }

  private nearEnd(): boolean {
    const s = this.scroller
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80
  }

  private scrollToEnd(force: boolean): void {
    if (force || this.nearEnd()) this.scroller.scrollTop = this.scroller.scrollHeight
  }
}
