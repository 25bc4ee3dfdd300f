import { decorateCodeBlocks, placeCursor } from './code-blocks.js'
import { copyWithFeedback } from './copy.js'
import { h, icon } from './dom.js'
import { setMarkdown } from './render-markdown.js'

/** How an assistant reply ended (or that it is still arriving). */
export type ReplyState = 'waiting' | 'streaming' | 'final' | 'aborted' | 'error'

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

/** How the column scrolls: whether the reader is at its end, and going there. */
export interface ColumnScroll {
  nearEnd(): boolean
  scrollToEnd(force: boolean): void
}

function actionButton(cls: string, iconName: string, label: string, title: string, name: string): HTMLElement {
  return h(
    'button',
    { class: cls, attrs: { type: 'button', 'aria-label': name, 'data-copy-name': name, title } },
    icon(iconName),
    h('span', { class: 'copy-label', text: label }),
  )
}

/**
 * A new, empty reply (`data-run-id` when its run is known), growing as `update` is called: the
 * typing dots until its first text, then markdown with the typing cursor, then its state, with a
 * Copy button and a Regenerate button (the stylesheet shows it on the last reply only).
 */
export function createReply(runId: string | undefined, column: ColumnScroll): ReplyHandle {
  const md = h('div', { class: 'md' })
  const work = h('div', { class: 'msg-work' })
  const typing = h('div', { class: 'typing', attrs: { 'aria-label': 'Assistant is typing' } }, h('i'), h('i'), h('i'))
  const status = h('div', { class: 'msg-status' })
  status.hidden = true
  const copy = actionButton('msg-copy', 'copy', 'Copy', 'Copy the reply (markdown)', 'Copy reply')
  const regenerate = actionButton('msg-regenerate', 'regenerate', 'Regenerate', 'Answer again', 'Regenerate reply')
  const actions = h('div', { class: 'msg-actions' }, copy, regenerate)
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
  let current = ''
  let frame = 0
  copy.addEventListener('click', () => void copyWithFeedback(copy, current))
  const render = () => {
    frame = 0
    const stick = column.nearEnd()
    setMarkdown(md, current)
    decorateCodeBlocks(md, () => {
      if (row.dataset.state === 'streaming' && !md.querySelector('.cursor')) placeCursor(md)
    })
    if (row.dataset.state === 'streaming') placeCursor(md)
    if (stick) column.scrollToEnd(false)
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
