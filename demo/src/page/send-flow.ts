import type { ClawChat } from '@clawchat/client'
import type { Composer } from './composer.js'
import { describeError, isAbort, runFailure } from './errors.js'
import type { AgentWork } from './agent-work.js'
import type { ActiveRun, LiveRuns } from './live-runs.js'
import type { MessageList, UserMessageHandle } from './message-list.js'
import type { SessionList } from './session-list.js'
import type { SessionTitles } from './session-titles.js'
import type { StopReconciler } from './stop-reconciler.js'

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
  /** The session on screen, its titles, and the session list. */
  switcher: { readonly current: string; showTitles(): void; refreshSessions(): Promise<void> }
}

/**
 * Sending, streaming and stopping: the user's bubble (queued while the connection is away), the
 * reply's bubble growing with the stream, and how the run ended (final, stopped, failed).
 *
 * @example
 * const flow = new SendFlow({ chat, messages, sessions, titles, composer, runs, stops, work, switcher })
 * const composer = new Composer({ onSend: (text) => void flow.send(text), onStop: () => flow.stop() })
 */
export class SendFlow {
  constructor(private readonly p: SendFlowParts) {}

  /** Sends `text` in the session on screen and streams the reply; resolves when the reply has ended. */
  async send(text: string): Promise<void> {
    const { chat, messages, runs, composer, sessions, switcher } = this.p
    const sessionKey = switcher.current
    if (messages.isEmpty()) this.nameNewChat(sessionKey, text)
    const userMessage = messages.addUser(text)
    if (chat.state !== 'open') userMessage.setStatus('queued', 'Waiting for the connection…')
    const run: ActiveRun = { sessionKey, text, controller: new AbortController(), reply: messages.addReply() }
    runs.start(run)
    composer.setBusy(true)
    sessions.setLive(sessionKey, true)
    try {
      await this.stream(run, userMessage)
    } catch (err) {
      this.ended(run, userMessage, err)
    } finally {
      runs.end(run)
      sessions.setLive(sessionKey, false)
      if (sessionKey === switcher.current) composer.setBusy(false)
      void switcher.refreshSessions()
    }
  }

  /** Stops the reply of the session on screen: the SDK ends the stream and sends chat.abort for the run. */
  stop(): void {
    this.p.runs.get(this.p.switcher.current)?.controller.abort()
  }

  /** The first message of a chat names it (and lists it, if it is new). */
  private nameNewChat(sessionKey: string, text: string): void {
    this.p.titles.remember(sessionKey, text)
    if (!this.p.sessions.has(sessionKey)) this.p.sessions.addLocal(sessionKey)
    this.p.switcher.showTitles()
  }

  private async stream(run: ActiveRun, userMessage: UserMessageHandle): Promise<void> {
    const { sessionKey, controller, reply } = run
    for await (const part of this.p.chat.stream(run.text, { sessionKey, signal: controller.signal })) {
      if (part.runId && !run.runId) {
        this.p.runs.name(run, part.runId)
        reply.element.dataset.runId = part.runId
      }
      userMessage.setStatus('sent')
      this.p.work.part(reply, part)
      reply.update(part.text)
    }
    userMessage.setStatus('sent')
    reply.finish('final')
  }

  /** The stream ended without a final answer: stopped (here or elsewhere), or failed. */
  private ended(run: ActiveRun, userMessage: UserMessageHandle, err: unknown): void {
    const { reply } = run
    if (isAbort(err) || runFailure(err) === 'aborted') {
      userMessage.setStatus('sent')
      reply.finish('aborted', 'Stopped')
      if (run.runId)
        this.p.stops.stoppedHere({ sessionKey: run.sessionKey, runId: run.runId, question: run.text, reply })
    } else {
      if (reply.text === '') userMessage.setStatus('failed', 'Not delivered')
      reply.finish('error', describeError(err))
    }
  }
}
