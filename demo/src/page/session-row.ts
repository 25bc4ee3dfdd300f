import type { SessionSummary } from '@clawchat/protocol'
import { h, icon } from './dom.js'

/** A row of `sessions.list` (only the fields the proxy lets through; all optional but `key`). */
export type SessionRow = SessionSummary

/** A session as the sidebar shows it. */
export interface SessionEntry {
  key: string
  title: string
  /** The user's own name for it (`label`), when it has one. */
  label?: string
  preview?: string
  /** Last activity (ms), for the order and the "5m" next to the title. */
  at: number
  pinned: boolean
  /** A run of the session is in progress (on the gateway, as the list said). */
  active: boolean
  /** Known only to this page so far (a new chat before its first message): nothing to rename or delete yet. */
  local: boolean
}

const isMain = (key: string) => key === 'main' || key.endsWith(':main')

/** The name a session shows under: its label, the gateway's title, a title the page knows, else its key. */
export function sessionTitle(row: SessionRow, known?: string): string {
  const name = row.label || row.derivedTitle || known || row.displayName
  if (name) return name
  return isMain(row.key) ? 'Main chat' : row.key
}

/** A generic title for a session nobody named yet. */
export function genericTitle(key: string): string {
  return isMain(key) ? 'Main chat' : 'New chat'
}

/** The sidebar's entry for a row of `sessions.list`. */
export function entryOf(row: SessionRow, known: string | undefined): SessionEntry {
  return {
    key: row.key,
    title: sessionTitle(row, known),
    ...(row.label ? { label: row.label } : {}),
    ...(row.lastMessagePreview ? { preview: row.lastMessagePreview } : {}),
    at: row.lastInteractionAt ?? row.updatedAt ?? 0,
    pinned: row.pinned === true,
    active: row.hasActiveRun === true || (row.activeRunIds?.length ?? 0) > 0,
    local: false,
  }
}

/** Pinned first, then the newest activity first. */
export function byPinThenActivity(a: SessionEntry, b: SessionEntry): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  return b.at - a.at
}

function relativeTime(ts: number, now = Date.now()): string {
  if (!ts) return ''
  const s = Math.max(0, Math.round((now - ts) / 1000))
  if (s < 60) return 'now'
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

function actionButton(cls: string, iconName: string, label: string, pressed?: boolean): HTMLButtonElement {
  const attrs: Record<string, string> = { type: 'button', 'aria-label': label, title: label }
  if (pressed !== undefined) attrs['aria-pressed'] = String(pressed)
  return h('button', { class: `session-action ${cls}`, attrs }, icon(iconName))
}

/**
 * One row of the list: a button that opens the chat (title, preview, time or the "replying" dot)
 * and, for a chat the server knows, buttons to rename, pin and delete it (not the main chat).
 */
export function renderSessionRow(s: SessionEntry, current: boolean, live: boolean): HTMLElement {
  const text = h('span', { class: 'session-text' }, h('span', { class: 'session-name', text: s.title }))
  if (s.preview) text.append(h('span', { class: 'session-preview', text: s.preview }))
  const open = h(
    'button',
    { class: 'session-open', attrs: { type: 'button', title: s.title } },
    icon(s.pinned ? 'pin' : 'chat'),
    text,
  )
  if (live || s.active) open.append(h('span', { class: 'live', attrs: { 'aria-label': 'replying' } }))
  else open.append(h('span', { class: 'session-time', text: relativeTime(s.at) }))
  if (current) open.setAttribute('aria-current', 'true')
  const attrs: Record<string, string> = { 'data-key': s.key }
  if (current) attrs['aria-current'] = 'true'
  if (s.pinned) attrs['data-pinned'] = 'true'
  const item = h('div', { class: 'session-item', attrs }, open)
  if (s.local) return item
  const actions = h(
    'div',
    { class: 'session-actions' },
    actionButton('session-rename', 'edit', 'Rename'),
    actionButton('session-pin', 'pin', s.pinned ? 'Unpin' : 'Pin', s.pinned),
  )
  // The gateway never deletes the main session ("Cannot delete the main session").
  if (!isMain(s.key)) actions.append(actionButton('session-delete', 'trash', 'Delete'))
  item.append(actions)
  return item
}
