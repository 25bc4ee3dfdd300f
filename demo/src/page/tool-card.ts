import { h } from './dom.js'

/**
 * What a tool card shows: the SDK's `ToolCall` (live), or a call rebuilt from `chat.history`'s
 * `toolCall` / `toolResult` rows (after a reload).
 */
export interface ToolCallView {
  toolCallId: string
  name: string
  title?: string
  args?: unknown
  status: 'running' | 'done' | 'failed'
  /** Command output or progress so far. */
  output?: string
  /** The result's text. */
  result?: string
  error?: string
}

/** Output longer than this (lines or characters) is folded behind "Show more". */
export const FOLD_LINES = 12
export const FOLD_CHARS = 1200

const calls = new WeakMap<HTMLElement, ToolCallView>()
let nextId = 0

/**
 * A compact card for one tool call: an icon for its state, the tool's name and title, and (opened
 * with its summary, a native `<details>`) the arguments and the output, long output folded.
 *
 * @example
 * const card = renderToolCard({ toolCallId: 'c1', name: 'exec', args: { command: 'date' }, status: 'running' })
 * reply.work.append(card)
 * updateToolCard(card, { status: 'done', result: 'Thu Dec  3 12:00:00 UTC 2026\n' })
 */
export function renderToolCard(call: ToolCallView): HTMLElement {
  const card = h('details', { class: 'tool-card', attrs: { 'data-tool-call-id': call.toolCallId } })
  const summary = h(
    'summary',
    { class: 'tool-head' },
    h('span', { class: 'tool-icon', attrs: { 'aria-hidden': 'true' } }),
    h('span', { class: 'tool-name' }),
    h('span', { class: 'tool-title' }),
    h('span', { class: 'tool-state' }),
  )
  const argsId = `tool-args-${++nextId}`
  const body = h(
    'div',
    { class: 'tool-body' },
    h('div', { class: 'tool-label', text: 'Arguments', attrs: { id: argsId } }),
    h('pre', { class: 'tool-args', attrs: { 'aria-labelledby': argsId, tabindex: '0' } }),
    outputSection(),
    h('p', { class: 'tool-error', attrs: { role: 'status' } }),
  )
  card.append(summary, body)
  calls.set(card, call)
  paint(card, call)
  return card
}

/** Applies a newer state of the card's call (fields left out keep their value). */
export function updateToolCard(card: HTMLElement, change: Partial<ToolCallView>): void {
  const call = { ...calls.get(card)!, ...dropUndefined(change) }
  calls.set(card, call)
  paint(card, call)
}

/** The call a card shows. */
export function toolCallOf(card: HTMLElement): ToolCallView | undefined {
  return calls.get(card)
}

/** The name people read: `tool_call`'s inner tool (`ask_user`), else the tool's own name. */
export function toolDisplayName(call: Pick<ToolCallView, 'name' | 'args'>): string {
  const inner = (call.args as { id?: unknown } | undefined)?.id
  return call.name === 'tool_call' && typeof inner === 'string' ? inner : call.name || 'tool'
}

/**
 * A one-line description: the call's title without the tool's name in front ("Exec say hi" → "say
 * hi", as the card shows the name), else its question, command or path (`tool_call`: its inner call's).
 */
export function toolSummary(call: Pick<ToolCallView, 'name' | 'title' | 'args'>): string {
  const title = call.title?.trim()
  if (title && !/^tool call$/i.test(title)) {
    const name = toolDisplayName(call).toLowerCase().replace(/_/g, ' ')
    const rest = title.toLowerCase().startsWith(`${name} `) ? title.slice(name.length).replace(/^[\s—–-]+/, '') : ''
    return rest || title
  }
  const outer = call.args as { id?: unknown; args?: unknown } | undefined
  const args = ((call.name === 'tool_call' ? outer?.args : call.args) ?? {}) as Record<string, unknown>
  const question = (args.questions as Array<{ question?: unknown }> | undefined)?.[0]?.question
  if (typeof question === 'string') return question
  for (const key of ['command', 'path', 'query', 'url']) if (typeof args[key] === 'string') return args[key] as string
  return ''
}

function outputSection(): HTMLElement {
  const more = h('button', {
    class: 'tool-more',
    text: 'Show more',
    attrs: { type: 'button', 'aria-expanded': 'false' },
  })
  more.addEventListener('click', () => {
    const card = more.closest<HTMLElement>('.tool-card')!
    card.dataset.outputOpen = card.dataset.outputOpen === 'yes' ? 'no' : 'yes'
    paint(card, calls.get(card)!)
  })
  const id = `tool-out-${++nextId}`
  return h(
    'div',
    { class: 'tool-output-box' },
    h('div', { class: 'tool-label', text: 'Output', attrs: { id } }),
    h('pre', { class: 'tool-output', attrs: { 'aria-labelledby': id, tabindex: '0' } }),
    more,
  )
}

const STATE_LABEL = { running: 'Running', done: 'Done', failed: 'Failed' } as const

/** Writes the call into the card's elements. */
function paint(card: HTMLElement, call: ToolCallView): void {
  const q = <T extends HTMLElement>(sel: string) => card.querySelector<T>(sel)!
  const denied = call.status === 'failed' && /^exec denied/i.test(call.result ?? call.error ?? '')
  card.dataset.status = call.status
  card.dataset.denied = denied ? 'yes' : 'no'
  const name = toolDisplayName(call)
  q('.tool-name').textContent = name
  const summary = toolSummary(call)
  q('.tool-title').textContent = summary
  q('.tool-title').hidden = summary === ''
  const state = denied ? 'Denied' : STATE_LABEL[call.status]
  q('.tool-state').textContent = state
  q('summary').setAttribute('aria-label', `Tool ${name}${summary ? `: ${summary}` : ''}, ${state.toLowerCase()}`)
  const args = call.args === undefined ? '' : JSON.stringify(call.args, null, 2)
  q('.tool-args').textContent = args
  q('.tool-args').hidden = args === ''
  q('.tool-label').hidden = args === ''
  paintOutput(card, call.result ?? call.output ?? '')
  const error = q('.tool-error')
  error.textContent = call.error && call.error !== call.result ? call.error : ''
  error.hidden = error.textContent === ''
}

function paintOutput(card: HTMLElement, text: string): void {
  const box = card.querySelector<HTMLElement>('.tool-output-box')!
  const pre = box.querySelector<HTMLElement>('.tool-output')!
  const more = box.querySelector<HTMLButtonElement>('.tool-more')!
  box.hidden = text === ''
  const folded = foldText(text)
  const open = card.dataset.outputOpen === 'yes'
  pre.textContent = open || folded === undefined ? text : folded
  more.hidden = folded === undefined
  more.textContent = open ? 'Show less' : 'Show more'
  more.setAttribute('aria-expanded', String(open))
}

/** The first lines of a long text (with an ellipsis), or undefined when it is short enough to show whole. */
export function foldText(text: string): string | undefined {
  const lines = text.split('\n')
  if (lines.length <= FOLD_LINES && text.length <= FOLD_CHARS) return undefined
  return `${lines.slice(0, FOLD_LINES).join('\n').slice(0, FOLD_CHARS)}\n…`
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
