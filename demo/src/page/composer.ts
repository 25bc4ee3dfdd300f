import { byId } from './dom.js'

export interface ComposerHandlers {
  onSend(text: string): void
  onStop(): void
  /** The text in the box changed (typed, pasted, a suggestion, sent): keep it as the session's draft. */
  onDraft?(text: string): void
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, it grows with its text; while a reply
 * is arriving the Send button gives way to Stop (and the chat view is marked `data-replying`, which
 * hides the edit and regenerate buttons of the messages).
 */
export class Composer {
  private readonly form = byId<HTMLFormElement>('composer')
  private readonly input = byId<HTMLTextAreaElement>('input')
  private readonly send = byId<HTMLButtonElement>('send')
  private readonly stop = byId<HTMLButtonElement>('stop')
  private readonly view = byId('chat-view')
  private busy = false
  private readonly abort = new AbortController()

  constructor(private readonly handlers: ComposerHandlers) {
    const signal = this.abort.signal
    this.form.addEventListener(
      'submit',
      (e) => {
        e.preventDefault()
        this.submit()
      },
      { signal },
    )
    this.input.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault()
          this.submit()
        }
      },
      { signal },
    )
    this.input.addEventListener(
      'input',
      () => {
        this.sync()
        this.handlers.onDraft?.(this.input.value)
      },
      { signal },
    )
    this.stop.addEventListener('click', () => this.handlers.onStop(), { signal })
    this.sync()
  }

  /** While busy, Stop replaces Send and Enter does not send. */
  setBusy(busy: boolean): void {
    this.busy = busy
    this.sync()
  }

  /** Puts `text` in the box (a suggestion) and focuses it; it becomes the session's draft. */
  setText(text: string): void {
    this.input.value = text
    this.sync()
    this.handlers.onDraft?.(text)
    this.focus()
  }

  /** Shows a session's saved draft (another session is on screen now, or the page was reloaded). */
  showDraft(text: string): void {
    this.input.value = text
    this.sync()
  }

  focus(): void {
    this.input.focus()
  }

  dispose(): void {
    this.abort.abort()
    this.input.value = ''
    this.setBusyUi(false)
  }

  private submit(): void {
    const text = this.input.value
    if (this.busy || text.trim() === '') return
    this.input.value = ''
    this.sync()
    this.handlers.onDraft?.('')
    this.handlers.onSend(text)
  }

  private sync(): void {
    this.setBusyUi(this.busy)
    this.send.disabled = this.input.value.trim() === ''
    this.input.style.height = 'auto'
    this.input.style.height = `${Math.min(this.input.scrollHeight, 220)}px`
  }

  private setBusyUi(busy: boolean): void {
    this.stop.hidden = !busy
    this.send.hidden = busy
    this.view.toggleAttribute('data-replying', busy)
  }
}
