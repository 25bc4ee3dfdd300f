import { h } from './dom.js'

/** What the message buttons do. */
export interface MessageActionHandlers {
  /** True while a reply is arriving in the chat on screen (nothing can be redone then). */
  busy(): boolean
  /** "Regenerate" on the last reply. */
  regenerate(): void
  /** An edited message of the user: `row` is its `.msg-user`, `text` the new words. */
  edit(row: HTMLElement, text: string): void
}

/**
 * The buttons on the messages: Regenerate on the last reply, and Edit on the user's messages, which
 * turns the message into a box (Enter or "Send" sends the new text, Escape or "Cancel" leaves it as
 * it was). Listens on the column, so messages drawn later have them too.
 * @returns a function that stops listening
 * @example
 * const off = wireMessageActions(byId('messages'), { busy, regenerate: () => flow.regenerate(), edit })
 */
export function wireMessageActions(list: HTMLElement, on: MessageActionHandlers): () => void {
  const listening = new AbortController()
  list.addEventListener(
    'click',
    (event) => {
      const target = event.target as HTMLElement
      if (on.busy()) return
      if (target.closest('.msg-regenerate')) on.regenerate()
      const row = target.closest<HTMLElement>('.msg-edit')?.closest<HTMLElement>('.msg-user')
      if (row && !row.dataset.editing) openEditor(row, on)
    },
    { signal: listening.signal },
  )
  return () => listening.abort()
}

function openEditor(row: HTMLElement, on: MessageActionHandlers): void {
  const bubble = row.querySelector<HTMLElement>('.bubble')!
  const before = bubble.textContent ?? ''
  const box = h('textarea', { class: 'msg-edit-input', attrs: { 'aria-label': 'Edit message', rows: '3' } })
  box.value = before
  const cancel = h('button', { class: 'btn btn-ghost msg-edit-cancel', text: 'Cancel', attrs: { type: 'button' } })
  const send = h('button', { class: 'btn btn-primary msg-edit-send', text: 'Send', attrs: { type: 'submit' } })
  const form = h('form', { class: 'msg-editor' }, box, h('div', { class: 'msg-editor-buttons' }, cancel, send))
  const body = row.querySelector<HTMLElement>('.msg-body')!
  const shown = [...body.children] as HTMLElement[]
  for (const el of shown) el.hidden = true
  body.append(form)
  row.dataset.editing = 'true'
  const close = () => {
    form.remove()
    for (const el of shown) el.hidden = el.classList.contains('msg-meta') && el.textContent === ''
    delete row.dataset.editing
  }
  const submit = () => {
    const text = box.value
    if (text.trim() === '' || on.busy()) return
    close()
    on.edit(row, text)
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    submit()
  })
  cancel.addEventListener('click', close)
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault()
      submit()
    } else if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      close()
    }
  })
  box.style.height = `${Math.min(Math.max(box.scrollHeight, 60), 240)}px`
  box.focus()
  box.setSelectionRange(before.length, before.length)
}
