import { Marked } from 'marked'
import DOMPurify from 'dompurify'

// Replies are markdown from a model: anything could be in them, including HTML meant to run script.
// marked turns markdown into HTML without sanitising; DOMPurify then keeps only inert HTML.
const marked = new Marked({ gfm: true, breaks: true, async: false })

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
})

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
}

/** Markdown → sanitised HTML (safe to assign to innerHTML). */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown) as string
  return DOMPurify.sanitize(html, PURIFY_CONFIG) as unknown as string
}

/** Renders markdown into an element, replacing what it held. */
export function setMarkdown(el: HTMLElement, markdown: string): void {
  el.innerHTML = renderMarkdown(markdown)
}
