import { messageText, type ClawChat } from '@clawchat/client'
import type { Composer } from './composer.js'
import type { ComposerDrafts } from './drafts.js'
import { describeError, isAbort } from './errors.js'
import type { LiveRuns } from './live-runs.js'
import { activityTitles, type HistoryActivity } from './history-tools.js'
import type { HistoryMessage, MessageList } from './message-list.js'
import type { SessionList, SessionRow } from './session-list.js'
import { localSessionKey, newSessionKey, sessionFromUrl, setSessionInUrl } from './session-route.js'
import type { SessionTitles } from './session-titles.js'
import type { StoppedReplies } from './stopped-replies.js'

/** What the switcher shows sessions and histories with. */
export interface SessionSwitcherParts {
  chat: ClawChat
  messages: MessageList
  sessions: SessionList
  titles: SessionTitles
  composer: Composer
  /** The composer's unsent text per session (shown again when the session is). */
  drafts: ComposerDrafts
  runs: LiveRuns
  stoppedReplies: StoppedReplies
  /** The chat's title in the top bar. */
  title: HTMLElement
  /** The column shows a history: put the cards of pending approvals and questions back. */
  afterHistory(): void
  /** The column shows the history of `sessionKey` and the page follows no reply there: follow one in progress. */
  resume(sessionKey: string): void
}

/**
 * Which session is on screen (kept in the URL), switching between sessions, and loading the
 * session list and the history of the session on screen.
 *
 * @example
 * const switcher = new SessionSwitcher({ chat, messages, sessions, titles, composer, runs, ... })
 * switcher.show()
 * chat.ready.then(() => switcher.loadOnce())
 */
export class SessionSwitcher {
  /** The session on screen. */
  current = sessionFromUrl() ?? 'main'
  private historyLoaded = false
  private loading: Promise<void> | undefined
  /** Sessions whose last run was aborted (`abortedLastRun` of sessions.list). */
  private readonly abortedLast = new Set<string>()

  constructor(private readonly p: SessionSwitcherParts) {}

  /** Shows the session on screen in the list, the URL and the title, and its draft in the composer. */
  show(): void {
    if (!this.p.sessions.has(this.current)) this.p.sessions.addLocal(this.current)
    this.p.sessions.setCurrent(this.current)
    setSessionInUrl(this.current)
    this.p.title.textContent = this.p.sessions.titleOf(this.current)
    this.p.composer.showDraft(this.p.drafts.get(this.current))
  }

  /** Sessions and history, once per (re)connection, not twice at once. */
  loadAll(): Promise<void> {
    this.loading ??= Promise.all([this.refreshSessions(), this.reloadHistory()]).then(() => {
      this.loading = undefined
    })
    return this.loading
  }

  /** {@link loadAll} unless the history on screen is already loaded. */
  loadOnce(): void {
    if (!this.historyLoaded) void this.loadAll()
  }

  async switchTo(key: string): Promise<void> {
    this.current = key
    setSessionInUrl(key)
    this.p.sessions.setCurrent(key)
    this.p.title.textContent = this.p.sessions.titleOf(key)
    this.p.messages.clear()
    this.historyLoaded = false
    this.p.composer.setBusy(this.p.runs.has(key))
    this.p.composer.showDraft(this.p.drafts.get(key))
    await this.reloadHistory()
    this.p.composer.focus()
  }

  /** A new chat: listed here until its first message, then by the server. */
  newSession(): void {
    const key = newSessionKey()
    this.p.sessions.addLocal(key)
    void this.switchTo(key)
  }

  /** The URL names another session (back, forward, an edited address): show that one. */
  followUrl(): void {
    const key = sessionFromUrl() ?? 'main'
    if (key === this.current) return
    if (!this.p.sessions.has(key)) this.p.sessions.addLocal(key)
    void this.switchTo(key)
  }

  /** Re-reads the titles the page knows into the list and the top bar. */
  showTitles(): void {
    this.p.sessions.refreshTitles()
    this.p.title.textContent = this.p.sessions.titleOf(this.current)
  }

  async refreshSessions(): Promise<void> {
    const { chat, sessions, titles } = this.p
    try {
      const result = await chat.sessions.list()
      const rows: SessionRow[] = result.sessions.map((row) => ({ ...row, key: localSessionKey(row.key) }))
      sessions.setServerSessions(rows)
      this.abortedLast.clear()
      for (const row of rows) if (row.abortedLastRun === true) this.abortedLast.add(row.key)
      const current = this.current
      if (this.historyLoaded && !this.p.runs.has(current) && this.abortedLast.has(current))
        this.p.messages.markLastReplyStopped()
      if (!sessions.has(current)) sessions.addLocal(current)
      this.p.title.textContent = sessions.titleOf(current)
      void titles.fill(sessions.untitled(), () => this.showTitles())
    } catch (err) {
      if (!isAbort(err)) console.warn('sessions.list failed:', describeError(err))
    }
  }

  /**
   * Draws the history of the session on screen (again). A reply this page streams or follows stays
   * at the end, live; without one, a reply in progress there is followed (`resume`).
   */
  async reloadHistory(): Promise<void> {
    const key = this.current
    const { messages } = this.p
    try {
      const result = (await this.p.chat.history({ sessionKey: key, limit: 200 })) as {
        messages?: HistoryMessage[]
        activity?: HistoryActivity
      }
      if (key !== this.current) return
      const run = this.p.runs.get(key)
      const history = result.messages ?? []
      const attached = run?.kind === 'attached'
      const shown = !run ? history : attached ? upToLastQuestion(history) : withoutLiveRun(history, run.text)
      messages.showHistory(shown, this.p.stoppedReplies.matcher(key), activityTitles(result.activity))
      // A reply still streaming here: (its question and) its growing answer go back under the history.
      if (attached) {
        run.text = messages.lastUserText()
        messages.appendReply(run.reply)
      } else if (run) messages.reattach(run.text, run.reply, run.userRow)
      else if (this.abortedLast.has(key)) messages.markLastReplyStopped()
      this.p.afterHistory()
      this.historyLoaded = true
      if (!run) this.p.resume(key)
    } catch (err) {
      if (!isAbort(err)) console.warn('chat.history failed:', describeError(err))
    }
  }
}

/** The history up to its last question, included (a followed reply in progress answers it). */
function upToLastQuestion(history: readonly HistoryMessage[]): HistoryMessage[] {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.role === 'user') return history.slice(0, i + 1)
  return [...history]
}

/** The history up to the live run's question (question and reply are shown again, live). */
function withoutLiveRun(history: readonly HistoryMessage[], text: string): HistoryMessage[] {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!
    if (m.role !== 'user') continue
    return messageText(m.content) === text ? history.slice(0, i) : [...history]
  }
  return [...history]
}
