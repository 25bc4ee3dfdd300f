import { byId, h } from './dom.js'

/** A button in a toast (e.g. "Undo"). */
export interface ToastAction {
  label: string
  run(): void
}

/**
 * One short message at the bottom of the page ("Deleted · Undo", an error of a chat action), shown
 * for a few seconds; a new one replaces the one before.
 *
 * @example
 * const toast = new Toast()
 * toast.show('Deleted “Trip”', { label: 'Undo', run: () => undo() }, 6000)
 */
export class Toast {
  private readonly el = byId('toast')
  private timer: ReturnType<typeof setTimeout> | undefined

  /** Shows `text` (and `action`) for `ms`; `kind: 'error'` marks it as an error. */
  show(text: string, action?: ToastAction, ms = 5000, kind: 'info' | 'error' = 'info'): void {
    this.clear()
    const parts: Node[] = [h('span', { class: 'toast-text', text })]
    if (action) {
      const button = h('button', { class: 'toast-action', text: action.label, attrs: { type: 'button' } })
      button.addEventListener('click', () => {
        this.hide()
        action.run()
      })
      parts.push(button)
    }
    this.el.replaceChildren(...parts)
    this.el.dataset.kind = kind
    this.el.hidden = false
    this.timer = setTimeout(() => this.hide(), ms)
  }

  /** Shows an error for a few seconds. */
  error(text: string): void {
    this.show(text, undefined, 6000, 'error')
  }

  hide(): void {
    this.clear()
    this.el.hidden = true
    this.el.replaceChildren()
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
