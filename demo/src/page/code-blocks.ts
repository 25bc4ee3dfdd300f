import { h, icon } from './dom.js'

type Highlighter = typeof import('./highlight.js')
let loading: Promise<Highlighter> | undefined
let loaded: Highlighter | undefined

/** Loads the highlighter chunk, once, on the first code block (the page starts without it). */
function loadHighlighter(): Promise<Highlighter> {
  loading ??= import('./highlight.js').then((module) => (loaded = module))
  return loading
}

function highlightAll(md: HTMLElement): void {
  if (!loaded) return
  for (const code of md.querySelectorAll<HTMLElement>('.code-block pre > code:not(.hljs)')) loaded.highlightCode(code)
}

/**
 * Gives each code block of a rendered reply a header (its language and a Copy button, which the
 * message list handles) and syntax highlighting — at once when the highlighter is loaded, else as
 * soon as its chunk arrives (then `afterLateHighlight` runs: highlighting rewrites the code, and a
 * typing cursor in it with it). Then marks the blocks whose lines are wider than the column.
 */
export function decorateCodeBlocks(md: HTMLElement, afterLateHighlight: () => void = () => {}): void {
  const blocks = md.querySelectorAll<HTMLPreElement>('pre')
  if (blocks.length === 0) return
  for (const pre of blocks) {
    if (pre.parentElement?.classList.contains('code-block')) continue
    const language = /(?:^|\s)language-([\w+#.-]+)/.exec(pre.querySelector('code')?.className ?? '')?.[1] ?? ''
    const copy = h(
      'button',
      { class: 'code-copy', attrs: { type: 'button', 'aria-label': 'Copy code', 'data-copy-name': 'Copy code' } },
      icon('copy'),
      h('span', { class: 'copy-label', text: 'Copy' }),
    )
    const head = h(
      'div',
      { class: 'code-head' },
      h('span', { class: 'code-lang', text: language || 'code' }),
      h('span', { class: 'scroll-hint', text: 'Scroll for more →' }),
      copy,
    )
    const block = h('div', { class: 'code-block' }, head)
    pre.replaceWith(block)
    block.append(pre)
  }
  if (loaded) highlightAll(md)
  else {
    void loadHighlighter().then(
      () => {
        highlightAll(md)
        afterLateHighlight()
      },
      () => {},
    )
  }
  markOverflow(md)
}

/**
 * Marks code blocks wider than the column (`data-overflow`), and whether they are scrolled to their
 * right end (`data-at-end`), for the "scroll for more" hint and the fade at the cut edge.
 */
export function markOverflow(root: HTMLElement): void {
  for (const block of root.querySelectorAll<HTMLElement>('.code-block')) {
    const pre = block.querySelector('pre')
    if (!pre) continue
    const overflow = pre.scrollWidth > pre.clientWidth + 1
    if (overflow) block.dataset.overflow = 'yes'
    else delete block.dataset.overflow
    markScrolled(pre)
  }
}

/** After a code block scrolled: is its right end in view? */
export function markScrolled(pre: HTMLElement): void {
  const block = pre.parentElement
  if (!block?.classList.contains('code-block')) return
  if (pre.scrollLeft + pre.clientWidth >= pre.scrollWidth - 2) block.dataset.atEnd = 'yes'
  else delete block.dataset.atEnd
}

/**
 * Puts the typing cursor right after the last visible character of a reply that is still
 * arriving, inside whatever element holds it (a list item, a code block, a table cell), glued to
 * that character so the cursor never lands on a line of its own.
 */
export function placeCursor(md: HTMLElement): void {
  const walker = document.createTreeWalker(md, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement?.closest('.code-head')
        ? NodeFilter.FILTER_REJECT
        : /\S/.test((node as Text).data)
          ? NodeFilter.FILTER_ACCEPT
          : NodeFilter.FILTER_SKIP,
  })
  let last: Text | null = null
  while (walker.nextNode()) last = walker.currentNode as Text
  const cursor = h('span', { class: 'cursor', attrs: { 'aria-hidden': 'true' } })
  if (!last) {
    md.append(cursor)
    return
  }
  const text = last.data.replace(/\s+$/, '')
  const chars = Array.from(text)
  const lastChar = chars[chars.length - 1] ?? ''
  const before = text.slice(0, text.length - lastChar.length)
  const after = last.data.slice(text.length)
  const glued = h('span', { class: 'cursor-glue', text: lastChar }, cursor)
  const parts: Node[] = []
  if (before) parts.push(document.createTextNode(before))
  parts.push(glued)
  if (after) parts.push(document.createTextNode(after))
  last.replaceWith(...parts)
}
