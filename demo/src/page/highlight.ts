/**
 * Syntax highlighting for code blocks (highlight.js core and a few common languages). Loaded only
 * when a reply holds a code block: code-blocks.ts imports this module dynamically, so it is a
 * separate chunk of the page bundle and the first paint never waits for it.
 */
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import ini from 'highlight.js/lib/languages/ini'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import shell from 'highlight.js/lib/languages/shell'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'

const LANGUAGES = { bash, css, diff, go, ini, javascript, json, python, rust, shell, sql, typescript, xml, yaml }
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language)

/**
 * Highlights one `<code>` of a code block in place, by its `language-*` class (aliases such as
 * `ts`, `js`, `sh`, `html`, `yml` included), or by detection among the loaded languages when it
 * has none. Unknown languages stay plain. highlight.js escapes the code it returns, so its HTML
 * holds the code only as text.
 *
 * @example
 * const { highlightCode } = await import('./highlight.js')
 * highlightCode(document.querySelector('pre code')!)
 */
export function highlightCode(code: HTMLElement): void {
  const text = code.textContent ?? ''
  const named = /(?:^|\s)language-([\w+#.-]+)/.exec(code.className)?.[1]?.toLowerCase()
  let html: string
  let language: string | undefined
  if (named) {
    if (!hljs.getLanguage(named)) return
    const result = hljs.highlight(text, { language: named, ignoreIllegals: true })
    html = result.value
    language = result.language
  } else {
    const result = hljs.highlightAuto(text)
    if (!result.language || result.relevance < 5) return
    html = result.value
    language = result.language
  }
  code.innerHTML = html
  code.classList.add('hljs')
  if (language) code.dataset.highlighted = language
}
