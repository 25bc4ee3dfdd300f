import { byId } from './dom.js'

export interface ComposerHandlers {
  onSend(text: string): void
  onStop(): void
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, it grows with its text; while a reply
 * is arriving the Send button gives way to Stop.
 */
export class Composer {
  private readonly form = byId<HTMLFormElement>('composer')
  private readonly input = byId<HTMLTextAreaElement>('input')
  private readonly send = byId<HTMLButtonElement>('send')
  private readonly stop = byId<HTMLButtonElement>('stop')
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
    this.input.addEventListener('input', () => this.sync(), { signal })
    this.stop.addEventListener('click', () => this.handlers.onStop(), { signal })
    this.sync()
  }

  /** While busy, Stop replaces Send and Enter does not send. */
  setBusy(busy: boolean): void {
    this.busy = busy
    this.sync()
  }

  setText(text: string): void {
    this.input.value = text
    this.sync()
    this.focus()
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
  }
}
