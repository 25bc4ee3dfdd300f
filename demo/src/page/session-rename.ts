import { h } from './dom.js'
import { describeError } from './errors.js'

/** What the inline editor needs: where, the name it starts from, and how to save. */
export interface RenameTarget {
  /** The row (`.session-item`) whose title becomes an input. */
  item: HTMLElement
  /** The name in the box at first (the label, or the title shown). */
  initial: string
  /** Saves the new name (`null`: no name of the user's own). Rejects with the reason it failed. */
  save(label: string | null): Promise<void>
  /** The editor closed (saved or cancelled): the list may be drawn again. */
  done(): void
}

/**
 * Renames a chat in place: its title becomes an input; Enter (or leaving the box) saves, Escape
 * cancels. An error (a name that is taken, too long, the connection away) shows under the box,
 * which stays open to try again. An empty name removes the user's name for the chat.
 *
 * @example
 * editName({ item, initial: 'Trip', save: (label) => chat.sessions.rename(key, label), done: () => list.render() })
 */
export function editName(t: RenameTarget): void {
  const input = h('input', {
    class: 'session-rename-input',
    attrs: { type: 'text', 'aria-label': 'Chat name', maxlength: '100', spellcheck: 'false' },
  })
  input.value = t.initial
  const error = h('div', { class: 'session-error', attrs: { role: 'alert' } })
  error.hidden = true
  const editor = h('div', { class: 'session-editor' }, input, error)
  const shown = [...t.item.children] as HTMLElement[]
  for (const el of shown) el.hidden = true
  t.item.append(editor)
  t.item.dataset.editing = 'true'
  let state: 'open' | 'saving' | 'closed' = 'open'

  const close = () => {
    if (state === 'closed') return
    state = 'closed'
    editor.remove()
    for (const el of shown) el.hidden = false
    delete t.item.dataset.editing
    t.done()
  }
  const save = async () => {
    if (state !== 'open') return
    const label = input.value.trim()
    if (label === t.initial.trim()) return close()
    state = 'saving'
    input.setAttribute('aria-busy', 'true')
    try {
      await t.save(label === '' ? null : label)
      close()
    } catch (err) {
      state = 'open'
      input.removeAttribute('aria-busy')
      error.textContent = `Not renamed: ${describeError(err)}`
      error.hidden = false
      input.focus()
    }
  }
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault()
      void save()
    } else if (event.key === 'Escape') {
      // Escape closes the editor only, not the drawer around it.
      event.preventDefault()
      event.stopPropagation()
      close()
    }
  })
  input.addEventListener('blur', () => {
    if (state === 'open' && error.hidden) void save()
  })
  input.addEventListener('input', () => (error.hidden = true))
  input.focus()
  input.select()
}
