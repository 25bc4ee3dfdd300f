import type { ClawChat } from '@clawchat/client'
import { describeError } from './errors.js'
import type { SessionList } from './session-list.js'
import type { Toast } from './toast.js'

/** How long "Deleted · Undo" is offered before the chat is deleted for good. */
export const UNDO_MS = 6000

/** What managing chats works with. */
export interface ChatActionParts {
  chat: ClawChat
  sessions: SessionList
  toast: Toast
  switcher: {
    readonly current: string
    switchTo(key: string): Promise<void>
    newSession(): void
    refreshSessions(): Promise<void>
  }
}

/**
 * Rename, pin and delete, on the SDK's `chat.sessions` methods. Delete archives the chat at once
 * (it leaves the list), offers "Undo" for {@link UNDO_MS}, then deletes it; a chat deleted just
 * before the tab closes stays archived (out of the list) rather than deleted.
 *
 * @example
 * const actions = new ChatActions({ chat, sessions, toast, switcher })
 * await actions.rename('main', 'Trip to Lisbon')
 */
export class ChatActions {
  /** Deletions waiting for their undo to run out. */
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(private readonly p: ChatActionParts) {}

  /** Names a chat (`null`: no name of the user's own); rejects with the gateway's reason. */
  async rename(key: string, label: string | null): Promise<void> {
    await this.p.chat.sessions.rename(key, label)
    await this.p.switcher.refreshSessions()
  }

  pin(key: string, pinned: boolean): void {
    this.p.chat.sessions.pin(key, pinned).then(
      () => this.p.switcher.refreshSessions(),
      (err: unknown) => this.p.toast.error(`Not ${pinned ? 'pinned' : 'unpinned'}: ${describeError(err)}`),
    )
  }

  /** Archives the chat, offers an undo, then deletes it. The chat on screen gives way to another. */
  async remove(key: string): Promise<void> {
    const { chat, sessions, switcher, toast } = this.p
    const title = sessions.titleOf(key)
    const wasCurrent = key === switcher.current
    // Archiving unpins (on the gateway): Undo pins it again.
    const wasPinned = sessions.get(key)?.pinned === true
    sessions.setGone(key, true)
    if (wasCurrent) this.leave(key)
    try {
      await chat.sessions.archive(key, true)
    } catch (err) {
      sessions.setGone(key, false)
      toast.error(`Not deleted: ${describeError(err)}`)
      return
    }
    toast.show(`Deleted “${title}”`, { label: 'Undo', run: () => void this.undo(key, wasCurrent, wasPinned) }, UNDO_MS)
    this.pending.set(
      key,
      setTimeout(() => void this.commit(key), UNDO_MS),
    )
  }

  /** Stops the timers (the page signs out: deletions not yet done stay archived). */
  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
  }

  private async undo(key: string, reopen: boolean, pinned: boolean): Promise<void> {
    const { chat, sessions, switcher, toast } = this.p
    clearTimeout(this.pending.get(key))
    this.pending.delete(key)
    try {
      await chat.sessions.archive(key, false)
      if (pinned) await chat.sessions.pin(key, true)
    } catch (err) {
      toast.error(`Could not undo: ${describeError(err)}`)
      return
    }
    sessions.setGone(key, false)
    await switcher.refreshSessions()
    if (reopen) await switcher.switchTo(key)
  }

  private async commit(key: string): Promise<void> {
    this.pending.delete(key)
    try {
      await this.p.chat.sessions.delete(key)
    } catch (err) {
      this.p.toast.error(`Not deleted (it stays archived): ${describeError(err)}`)
    }
    await this.p.switcher.refreshSessions()
    this.p.sessions.setGone(key, false)
  }

  /** The chat on screen was deleted: show the next one, or a new chat. */
  private leave(key: string): void {
    const next = this.p.sessions.firstOtherThan(key)
    if (next) void this.p.switcher.switchTo(next)
    else this.p.switcher.newSession()
  }
}
