import { h, icon } from './dom.js'
import { setMarkdown } from './render-markdown.js'
import { messageText } from '@clawchat/client'
import { decorateCodeBlocks, markOverflow, markScrolled, placeCursor } from './code-blocks.js'
import { copyWithFeedback } from './copy.js'
import { toolCallsOf, toolResultOf } from './history-tools.js'
import { renderToolCard, updateToolCard } from './tool-card.js'

/** How an assistant reply ended (or that it is still arriving). */
export type ReplyState = 'waiting' | 'streaming' | 'final' | 'aborted' | 'error'

export interface UserMessageHandle {
  /** `queued`: waiting for the connection; `sent`: the server has it. */
  setStatus(status: 'queued' | 'sent' | 'failed', note?: string): void
}

export interface ReplyHandle {
  readonly element: HTMLElement
  /** Where the reply's tool, approval and question cards go (above its text). */
  readonly work: HTMLElement
  /** Shows the whole reply so far (rendered as markdown at most once per frame). */
  update(text: string): void
  /** The reply is over: `final`, or stopped/failed with a note for the reader. */
  finish(state: Exclude<ReplyState, 'waiting' | 'streaming'>, note?: string): void
  /** Replaces the text of a reply that has ended (with the gateway's own record of a stopped reply). */
  revise(text: string): void
  readonly text: string
}

export interface HistoryMessage {
  role: string
  content: unknown
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
        this.addUser(text)
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

  addUser(text: string): UserMessageHandle {
    const bubble = h('div', { class: 'bubble', text })
    const meta = h('div', { class: 'msg-meta' })
    meta.hidden = true
    const row = h(
      'div',
      { class: 'msg msg-user', attrs: { 'data-role': 'user' } },
      h('div', { class: 'msg-body' }, bubble, meta),
    )
    this.list.append(row)
    this.syncEmpty()
    this.scrollToEnd(true)
    return {
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
    const md = h('div', { class: 'md' })
    const work = h('div', { class: 'msg-work' })
    const typing = h('div', { class: 'typing', attrs: { 'aria-label': 'Assistant is typing' } }, h('i'), h('i'), h('i'))
    const status = h('div', { class: 'msg-status' })
    status.hidden = true
    const copy = h(
      'button',
      {
        class: 'msg-copy',
        attrs: {
          type: 'button',
          'aria-label': 'Copy reply',
          'data-copy-name': 'Copy reply',
          title: 'Copy the reply (markdown)',
        },
      },
      icon('copy'),
      h('span', { class: 'copy-label', text: 'Copy' }),
    )
    const actions = h('div', { class: 'msg-actions' }, copy)
    actions.hidden = true
    const row = h(
      'div',
      {
        class: 'msg msg-assistant',
        attrs: { 'data-role': 'assistant', 'data-state': 'waiting', ...(runId ? { 'data-run-id': runId } : {}) },
      },
      h('div', { class: 'msg-avatar' }, icon('logo')),
      h('div', { class: 'msg-body' }, work, typing, md, status, actions),
    )
    this.list.append(row)
    this.syncEmpty()
    this.scrollToEnd(true)

    let current = ''
    let frame = 0
    copy.addEventListener('click', () => void copyWithFeedback(copy, current))
    const render = () => {
      frame = 0
      const stick = this.nearEnd()
      setMarkdown(md, current)
      decorateCodeBlocks(md, () => {
        if (row.dataset.state === 'streaming' && !md.querySelector('.cursor')) placeCursor(md)
      })
      if (row.dataset.state === 'streaming') placeCursor(md)
      if (stick) this.scrollToEnd(false)
    }
    return {
      element: row,
      work,
      get text() {
        return current
      },
      update: (text: string) => {
        current = text
        if (row.dataset.state === 'waiting' && text !== '') {
          row.dataset.state = 'streaming'
          typing.hidden = true
        }
        frame ||= requestAnimationFrame(render)
      },
      finish: (state, note) => {
        if (frame) cancelAnimationFrame(frame)
        row.dataset.state = state
        render()
        typing.hidden = true
        status.replaceChildren(note ?? '')
        status.hidden = !note
        if (state !== 'final' && current === '') md.hidden = true
        actions.hidden = current === ''
      },
      revise: (text: string) => {
        current = text
        md.hidden = text === ''
        actions.hidden = text === ''
        render()
      },
    }
  }

  /** Puts a question and its still-streaming reply back at the end (after a session switch). */
  reattach(question: string, reply: ReplyHandle): void {
    this.addUser(question)
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
