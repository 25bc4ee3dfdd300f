/**
 * Puts text on the clipboard: the asynchronous Clipboard API where the page may use it (a secure
 * context: https, localhost, 127.0.0.1), else a hidden textarea and `execCommand('copy')` (a demo
 * served over plain http on a private address).
 * @returns true when the text was copied
 * @example
 * if (await copyText('hello')) button.textContent = 'Copied'
 */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // refused (no permission, page not focused): try the old way
    }
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.append(area)
  area.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  } finally {
    area.remove()
  }
}

const FEEDBACK_MS = 1600

/**
 * Copies `text` and shows the outcome on the button for a moment: "Copied" (or "Copy failed"),
 * then its label again.
 */
export async function copyWithFeedback(button: HTMLElement, text: string): Promise<void> {
  const ok = await copyText(text)
  const label = button.querySelector<HTMLElement>('.copy-label')
  button.dataset.copied = ok ? 'yes' : 'failed'
  if (label) label.textContent = ok ? 'Copied' : 'Copy failed'
  button.setAttribute('aria-label', ok ? 'Copied' : 'Copy failed')
  clearTimeout(Number(button.dataset.copyTimer))
  button.dataset.copyTimer = String(
    setTimeout(() => {
      delete button.dataset.copied
      if (label) label.textContent = 'Copy'
      button.setAttribute('aria-label', button.dataset.copyName ?? 'Copy')
    }, FEEDBACK_MS),
  )
}
