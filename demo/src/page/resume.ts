import type { ClawChat, StreamPart } from '@clawchat/client'
import { describeError, isAbort } from './errors.js'
import type { LiveRuns } from './live-runs.js'
import type { MessageList } from './message-list.js'
import type { SendFlow } from './send-flow.js'
import { localSessionKey } from './session-route.js'

/** A message the SDK restored from its persisted send queue. */
type RestoredSend = ClawChat['restored'][number]

/** What resuming works with. */
export interface ResumeParts {
  chat: ClawChat
  messages: MessageList
  runs: LiveRuns
  flow: SendFlow
  switcher: { readonly current: string; loadAll(): Promise<void>; reloadHistory(): Promise<void> }
}

/**
 * Replies in progress that this page did not start: after a reload, in a tab opened mid-run, or
 * started in another tab, the page follows them with `chat.attach` — the text so far, then the rest,
 * once. And messages the SDK restored from the persisted send queue (a reload before they were
 * answered): shown again, sent once, their reply followed.
 *
 * @example
 * const resume = new Resume({ chat, messages, runs, flow, switcher })
 * resume.restore(chat.restored)
 * await resume.attach('main') // after the history of main is on screen
 */
export class Resume {
  /** Sessions whose `chat.attach` is under way. */
  private readonly attaching = new Set<string>()

  constructor(private readonly p: ResumeParts) {}

  /**
   * Follows the reply in progress in `sessionKey`, if any (after its history is on screen). Does
   * nothing when this page streams or follows one there already.
   */
  async attach(sessionKey: string): Promise<void> {
    const { chat, messages, runs } = this.p
    if (this.following(sessionKey)) return
    this.attaching.add(sessionKey)
    const controller = new AbortController()
    let parts: AsyncGenerator<StreamPart, void, undefined> | null
    try {
      parts = await chat.attach({ sessionKey, signal: controller.signal })
    } catch (err) {
      if (!isAbort(err)) console.warn('chat.attach failed:', describeError(err))
      return
    } finally {
      this.attaching.delete(sessionKey)
    }
    if (!parts) return
    if (sessionKey !== this.p.switcher.current || runs.has(sessionKey)) return void parts.return(undefined)
    // The history may hold the start of the reply: the reply is shown once, from attach.
    messages.removeAfterLastUser()
    const reply = messages.addReply()
    const following = this.p.flow.run(
      { sessionKey, text: messages.lastUserText(), controller, reply, kind: 'attached' },
      parts,
    )
    // The column may have been drawn before the run began: draw it again, its question last.
    void this.p.switcher.reloadHistory()
    await following
  }

  /** True while the page streams or follows a reply in `sessionKey`, or is about to. */
  following(sessionKey: string): boolean {
    return this.p.runs.has(sessionKey) || this.attaching.has(sessionKey)
  }

  /**
   * Messages the SDK found in its persisted queue: those of the chat on screen are shown as the
   * user left them (waiting), and their reply is followed once the SDK has sent them. (Those of
   * other chats are sent too; their chat shows them when opened.)
   */
  restore(restored: readonly RestoredSend[]): void {
    for (const r of restored) if (localSessionKey(r.sessionKey) === this.p.switcher.current) void this.follow(r)
  }

  private async follow(r: RestoredSend): Promise<void> {
    const { chat, messages, runs, switcher } = this.p
    const sessionKey = switcher.current
    const userMessage = messages.addUser(r.message)
    userMessage.setStatus('queued', 'Waiting for the connection…')
    const controller = new AbortController()
    const run = {
      sessionKey,
      text: r.message,
      controller,
      reply: messages.addReply(),
      userRow: userMessage.element,
      kind: 'restored' as const,
    }
    runs.name(run, r.runId)
    const parts = async function* () {
      await r.result
      userMessage.setStatus('sent')
      const attached = await chat.attach({ sessionKey, signal: controller.signal })
      if (attached) yield* attached
    }
    await this.p.flow.run(run, parts(), userMessage)
    // The reply ended before it could be followed: the history has it.
    if (run.reply.text === '' && run.reply.element.dataset.state === 'final') await switcher.loadAll()
  }
}
