import type { ClawChat, StreamPart } from '@clawchat/client'
import type { Composer } from './composer.js'
import { entryIdOf } from './entry-ids.js'
import { describeError, isAbort, runFailure } from './errors.js'
import type { AgentWork } from './agent-work.js'
import type { ActiveRun, LiveRuns } from './live-runs.js'
import type { MessageList, UserMessageHandle } from './message-list.js'
import type { SessionList } from './session-list.js'
import type { SessionTitles } from './session-titles.js'
import type { StopReconciler } from './stop-reconciler.js'
import type { Toast } from './toast.js'

/** What sending works with. */
export interface SendFlowParts {
  chat: ClawChat
  messages: MessageList
  sessions: SessionList
  titles: SessionTitles
  composer: Composer
  runs: LiveRuns
  stops: StopReconciler
  /** The cards of the run's tool calls, approvals and questions. */
  work: AgentWork
  /** Errors of a regenerate or an edit the gateway refused. */
  toast: Toast
  /** The session on screen, its titles, and the session list. */
  switcher: { readonly current: string; showTitles(): void; refreshSessions(): Promise<void>; loadAll(): Promise<void> }
}

/**
 * The replies of the page: sending and streaming the reply into its bubble, answering the last
 * question again (Regenerate), sending an edited message in place of the old one and what followed
 * it, and Stop. (Replies followed with `chat.attach` stream through {@link SendFlow.run} too: resume.ts.)
 *
 * @example
 * const flow = new SendFlow({ chat, messages, sessions, titles, composer, runs, stops, work, toast, switcher })
 * const composer = new Composer({ onSend: (text) => void flow.send(text), onStop: () => flow.stop() })
 */
export class SendFlow {
  constructor(private readonly p: SendFlowParts) {}

  /** Sends `text` in the session on screen and streams the reply; resolves when the reply has ended. */
  async send(text: string): Promise<void> {
    const { chat, messages } = this.p
    const sessionKey = this.p.switcher.current
    if (messages.isEmpty()) this.nameNewChat(sessionKey, text)
    const userMessage = messages.addUser(text)
    if (chat.state !== 'open') userMessage.setStatus('queued', 'Waiting for the connection…')
    const controller = new AbortController()
    const parts = chat.stream(text, { sessionKey, signal: controller.signal })
    const run = { sessionKey, text, controller, reply: messages.addReply(), userRow: userMessage.element }
    await this.run(run, parts, userMessage)
  }

  /** Answers the last question of the chat on screen again: its reply goes, a new one streams. */
  async regenerate(): Promise<void> {
    const { chat, messages, runs } = this.p
    const sessionKey = this.p.switcher.current
    const text = messages.lastUserText()
    if (runs.has(sessionKey) || text === '') return
    messages.removeAfterLastUser()
    const controller = new AbortController()
    const parts = chat.regenerate({ sessionKey, signal: controller.signal })
    await this.run({ sessionKey, text, controller, reply: messages.addReply() }, parts, undefined, true)
  }

  /** Sends `text` in place of the user's message `row`: it and everything after it go. */
  async edit(row: HTMLElement, text: string): Promise<void> {
    const { chat, messages, runs } = this.p
    const sessionKey = this.p.switcher.current
    if (runs.has(sessionKey)) return
    let entryId: string
    try {
      entryId = await entryIdOf(chat, sessionKey, row)
    } catch (err) {
      return this.p.toast.error(`Not sent: ${describeError(err)}`)
    }
    messages.removeFrom(row)
    const userMessage = messages.addUser(text)
    const controller = new AbortController()
    const parts = chat.edit(entryId, text, { sessionKey, signal: controller.signal })
    const run = { sessionKey, text, controller, reply: messages.addReply(), userRow: userMessage.element }
    await this.run(run, parts, userMessage, true)
  }

  /**
   * Stops the reply of the session on screen: the SDK ends the stream and sends chat.abort for the
   * run. A followed reply (`chat.attach`) is aborted by its run id; its stream then ends as stopped.
   */
  stop(): void {
    const run = this.p.runs.get(this.p.switcher.current)
    if (!run) return
    if ((run.kind ?? 'sent') === 'sent') return run.controller.abort()
    const { sessionKey, runId } = run
    this.p.chat.abort({ sessionKey, ...(runId ? { runId } : {}) }).catch((err: unknown) => {
      this.p.toast.error(`Not stopped: ${describeError(err)}`)
    })
  }

  /** The first message of a chat names it (and lists it, if it is new). */
  private nameNewChat(sessionKey: string, text: string): void {
    this.p.titles.remember(sessionKey, text)
    if (!this.p.sessions.has(sessionKey)) this.p.sessions.addLocal(sessionKey)
    this.p.switcher.showTitles()
  }

  /**
   * Streams `parts` into the run's reply until it ends (a sent message's reply, or one followed with
   * `chat.attach`). `redo` (regenerate, edit): when the gateway refuses before the reply starts, the
   * chat is drawn again from its history and the error shown.
   */
  async run(
    run: ActiveRun,
    parts: AsyncIterable<StreamPart>,
    userMessage?: UserMessageHandle,
    redo = false,
  ): Promise<void> {
    const { runs, composer, sessions, switcher } = this.p
    const { sessionKey, reply } = run
    runs.start(run)
    if (sessionKey === switcher.current) composer.setBusy(true)
    sessions.setLive(sessionKey, true)
    let refused: unknown
    try {
      for await (const part of parts) {
        if (part.runId && !run.runId) {
          runs.name(run, part.runId)
          reply.element.dataset.runId = part.runId
        }
        userMessage?.setStatus('sent')
        this.p.work.part(reply, part)
        reply.update(part.text)
      }
      userMessage?.setStatus('sent')
      reply.finish('final')
    } catch (err) {
      if (redo && run.runId === undefined && !isAbort(err)) refused = err
      this.ended(run, userMessage, err)
    } finally {
      runs.end(run)
      sessions.setLive(sessionKey, false)
      if (sessionKey === switcher.current) composer.setBusy(false)
      void switcher.refreshSessions()
    }
    if (refused !== undefined) {
      this.p.toast.error(`Not sent: ${describeError(refused)}`)
      if (sessionKey === switcher.current) await switcher.loadAll()
    }
  }

  /** The stream ended without a final answer: stopped (here or elsewhere), or failed. */
  private ended(run: ActiveRun, userMessage: UserMessageHandle | undefined, err: unknown): void {
    const { reply } = run
    if (isAbort(err) || runFailure(err) === 'aborted') {
      userMessage?.setStatus('sent')
      reply.finish('aborted', 'Stopped')
      if (run.runId)
        this.p.stops.stoppedHere({ sessionKey: run.sessionKey, runId: run.runId, question: run.text, reply })
    } else {
      if (reply.text === '') userMessage?.setStatus('failed', 'Not delivered')
      reply.finish('error', describeError(err))
    }
  }
}
