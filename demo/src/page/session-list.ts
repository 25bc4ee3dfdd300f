import { h, icon } from './dom.js'

/** A session as the sidebar shows it. */
export interface SessionEntry {
  key: string
  title: string
  updatedAt?: number
}

/** A row of `sessions.list` (only the fields the proxy lets through; all optional but `key`). */
export interface SessionRow {
  key: string
  label?: string
  displayName?: string
  derivedTitle?: string
  updatedAt?: number
  lastInteractionAt?: number
  /** The session's last run was aborted (its reply, if any, is the last message of the history). */
  abortedLastRun?: boolean
}

/** The name a session shows under: the gateway's label or title, else one the page knows, else a generic one. */
export function sessionTitle(row: SessionRow, known?: string): string {
  const name = row.label || row.derivedTitle || known || row.displayName
  if (name) return name
  return isMain(row.key) ? 'Main chat' : 'New chat'
}

const isMain = (key: string) => key === 'main' || key.endsWith(':main')

function relativeTime(ts: number | undefined, now = Date.now()): string {
  if (!ts) return ''
  const s = Math.max(0, Math.round((now - ts) / 1000))
  if (s < 60) return 'now'
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

/**
 * The sidebar's list of the user's sessions. Sessions the server knows come from `sessions.list`;
 * a new chat exists only here until its first message.
 */
export class SessionList {
  private server: SessionEntry[] = []
  private local: SessionEntry[] = []
  private current = ''
  private live = new Set<string>()

  private rows: SessionRow[] = []
  private readonly listening = new AbortController()

  constructor(
    private readonly nav: HTMLElement,
    private readonly onSelect: (key: string) => void,
    /** A title the page knows for a session (e.g. from its first message). */
    private readonly knownTitle: (key: string) => string | undefined = () => undefined,
  ) {
    nav.addEventListener(
      'click',
      (event) => {
        const item = (event.target as HTMLElement).closest<HTMLElement>('.session-item')
        if (item?.dataset.key) this.onSelect(item.dataset.key)
      },
      { signal: this.listening.signal },
    )
  }

  /** Stops listening and empties the list (on sign-out). */
  dispose(): void {
    this.listening.abort()
    this.nav.replaceChildren()
  }

  /** The sessions the server listed (replaces the previous list). */
  setServerSessions(rows: readonly SessionRow[]): void {
    this.rows = [...rows]
    this.server = rows
      .map((r) => ({
        key: r.key,
        title: sessionTitle(r, this.knownTitle(r.key)),
        updatedAt: r.updatedAt ?? r.lastInteractionAt ?? 0,
      }))
      .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0))
    const known = new Set(this.server.map((s) => s.key))
    this.local = this.local.filter((s) => !known.has(s.key))
    this.render()
  }

  /** Sessions without a title from the gateway. */
  untitled(): string[] {
    return this.rows.filter((r) => !r.label && !r.derivedTitle).map((r) => r.key)
  }

  /** Re-reads the titles the page knows (after some were learnt). */
  refreshTitles(): void {
    this.setServerSessions(this.rows)
    for (const s of this.local) s.title = this.knownTitle(s.key) ?? s.title
    this.render()
  }

  /** Adds a session that exists only in this page so far. */
  addLocal(key: string, title = 'New chat'): void {
    if (!this.has(key)) this.local.unshift({ key, title, updatedAt: Date.now() })
    this.render()
  }

  has(key: string): boolean {
    return this.server.some((s) => s.key === key) || this.local.some((s) => s.key === key)
  }

  titleOf(key: string): string {
    return (
      [...this.local, ...this.server].find((s) => s.key === key)?.title ??
      this.knownTitle(key) ??
      (isMain(key) ? 'Main chat' : 'New chat')
    )
  }

  setCurrent(key: string): void {
    this.current = key
    this.render()
  }

  /** Marks a session as having a reply on its way. */
  setLive(key: string, live: boolean): void {
    if (live) this.live.add(key)
    else this.live.delete(key)
    this.render()
  }

  private render(): void {
    const entries = [...this.local, ...this.server]
    if (entries.length === 0) {
      this.nav.replaceChildren(h('div', { class: 'session-empty', text: 'No chats yet.' }))
      return
    }
    this.nav.replaceChildren(
      ...entries.map((s) => {
        const item = h(
          'button',
          { class: 'session-item', attrs: { type: 'button', 'data-key': s.key, title: s.title } },
          icon('chat'),
          h('span', { class: 'session-name', text: s.title }),
        )
        if (this.live.has(s.key)) item.append(h('span', { class: 'live', attrs: { 'aria-label': 'replying' } }))
        else item.append(h('span', { class: 'session-time', text: relativeTime(s.updatedAt) }))
        if (s.key === this.current) item.setAttribute('aria-current', 'true')
        return item
      }),
    )
  }
}
