import { h } from './dom.js'
import { editName } from './session-rename.js'
import {
  byPinThenActivity,
  entryOf,
  genericTitle,
  renderSessionRow,
  type SessionEntry,
  type SessionRow,
} from './session-row.js'

export type { SessionEntry, SessionRow } from './session-row.js'
export { sessionTitle } from './session-row.js'

/** What the list does when the user acts on a chat. */
export interface SessionListHandlers {
  /** A chat was chosen. */
  select(key: string): void
  /** A title the page knows for a session (e.g. from its first message). */
  knownTitle(key: string): string | undefined
  /** Saves a chat's name (`null` removes it); rejects with the reason it failed. */
  rename(key: string, label: string | null): Promise<void>
  /** Pins or unpins a chat. */
  pin(key: string, pinned: boolean): void
  /** Deletes a chat (the caller offers an undo). */
  remove(key: string): void
}

/**
 * The sidebar's list of the user's chats: pinned ones on top, then by last activity, each with its
 * title (`label ?? derivedTitle ?? …`), a preview of its last message, and a dot while a run is in
 * progress. Chats the server knows come from `sessions.list` (archived ones are not listed); a new
 * chat exists only here until its first message. Rename (inline), pin and delete buttons per row.
 *
 * @example
 * const list = new SessionList(nav, { select, knownTitle, rename, pin, remove })
 * list.setServerSessions((await chat.sessions.list()).sessions)
 */
export class SessionList {
  private server: SessionEntry[] = []
  private local: SessionEntry[] = []
  private current = ''
  private readonly live = new Set<string>()
  /** Chats deleted a moment ago (their undo is still offered): not shown. */
  private readonly gone = new Set<string>()
  private rows: SessionRow[] = []
  /** A row's name is being edited: the list is drawn again when that ends. */
  private editing = false
  private readonly listening = new AbortController()

  constructor(
    private readonly nav: HTMLElement,
    private readonly on: SessionListHandlers,
  ) {
    const signal = this.listening.signal
    nav.addEventListener('click', (event) => this.clicked(event), { signal })
    nav.addEventListener(
      'dblclick',
      (event) => {
        const item = (event.target as HTMLElement).closest<HTMLElement>('.session-item')
        if (item?.dataset.key && item.querySelector('.session-rename')) this.rename(item.dataset.key)
      },
      { signal },
    )
  }

  /** Stops listening and empties the list (on sign-out). */
  dispose(): void {
    this.listening.abort()
    this.nav.replaceChildren()
  }

  /** The sessions the server listed (replaces the previous list). */
  setServerSessions(rows: readonly SessionRow[]): void {
    this.rows = rows.filter((r) => r.archived !== true)
    this.server = this.rows.map((r) => entryOf(r, this.on.knownTitle(r.key)))
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
    for (const s of this.local) s.title = this.on.knownTitle(s.key) ?? s.title
    this.setServerSessions(this.rows)
  }

  /** Adds a session that exists only in this page so far. */
  addLocal(key: string, title = genericTitle(key)): void {
    this.gone.delete(key)
    if (!this.has(key)) this.local.unshift({ key, title, at: Date.now(), pinned: false, active: false, local: true })
    this.render()
  }

  has(key: string): boolean {
    return this.entries().some((s) => s.key === key)
  }

  /** The entry of a listed chat. */
  get(key: string): SessionEntry | undefined {
    return this.entries().find((s) => s.key === key)
  }

  titleOf(key: string): string {
    return this.get(key)?.title ?? this.on.knownTitle(key) ?? genericTitle(key)
  }

  /** The first chat of the list other than `key` (where to go when `key` is deleted). */
  firstOtherThan(key: string): string | undefined {
    return this.entries().find((s) => s.key !== key)?.key
  }

  setCurrent(key: string): void {
    this.current = key
    this.render()
  }

  /** Marks a session as having a reply on its way (streamed or followed by this page). */
  setLive(key: string, live: boolean): void {
    if (live) this.live.add(key)
    else this.live.delete(key)
    this.render()
  }

  /** Hides a deleted chat while its undo is offered, or shows it again (`false`: undone). */
  setGone(key: string, gone: boolean): void {
    if (gone) this.gone.add(key)
    else this.gone.delete(key)
    this.render()
  }

  /** Opens the inline editor of a chat's name. */
  rename(key: string): void {
    const item = this.nav.querySelector<HTMLElement>(`.session-item[data-key="${CSS.escape(key)}"]`)
    const entry = this.get(key)
    if (!item || !entry || item.dataset.editing) return
    this.editing = true
    editName({
      item,
      initial: entry.label ?? entry.title,
      save: (label) => this.on.rename(key, label),
      done: () => {
        this.editing = false
        this.render()
      },
    })
  }

  private entries(): SessionEntry[] {
    const shown = (s: SessionEntry) => !this.gone.has(s.key)
    return [...this.server, ...this.local].filter(shown).sort(byPinThenActivity)
  }

  private clicked(event: MouseEvent): void {
    const target = event.target as HTMLElement
    const item = target.closest<HTMLElement>('.session-item')
    const key = item?.dataset.key
    if (!key || item.dataset.editing) return
    const action = target.closest<HTMLElement>('.session-action')
    if (!action) return this.on.select(key)
    if (action.classList.contains('session-rename')) this.rename(key)
    else if (action.classList.contains('session-pin')) this.on.pin(key, !this.get(key)?.pinned)
    else if (action.classList.contains('session-delete')) this.on.remove(key)
  }

  private render(): void {
    if (this.editing) return
    const entries = this.entries()
    if (entries.length === 0) {
      this.nav.replaceChildren(h('div', { class: 'session-empty', text: 'No chats yet.' }))
      return
    }
    this.nav.replaceChildren(...entries.map((s) => renderSessionRow(s, s.key === this.current, this.live.has(s.key))))
  }
}
