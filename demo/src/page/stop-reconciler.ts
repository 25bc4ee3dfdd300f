import { messageText, type ClawChat } from '@clawchat/client'
import type { ReplyHandle } from './message-list.js'
import type { StoppedReplies } from './stopped-replies.js'

/** What is known of a stopped run so far: the page's half, the gateway's half, or both. */
interface StopHalves {
  sessionKey?: string
  question?: string
  reply?: ReplyHandle
  gatewayText?: string
}

/**
 * A stopped run of this page, in two halves that come in either order: the page's own stop (its
 * bubble) and the gateway's `aborted` event (the text it kept, which a chunk in flight at the
 * Stop may have made longer than the bubble). With both, the bubble shows the gateway's text —
 * what the history will hold — and the stop is remembered for later showings of the history.
 *
 * @example
 * const stops = new StopReconciler(new StoppedReplies(me.id))
 * const off = stops.watch(chat, (runId) => runs.startedHere(runId))
 * stops.stoppedHere({ sessionKey: 'main', runId, question: 'hi', reply })
 */
export class StopReconciler {
  private readonly stops = new Map<string, StopHalves>()

  constructor(private readonly stoppedReplies: StoppedReplies) {}

  /** Listens for the gateway's `aborted` events of the runs this page started; returns the unsubscribe. */
  watch(chat: ClawChat, startedHere: (runId: string) => boolean): () => void {
    return chat.on('chat', (event) => {
      const e = event as { runId?: string; state?: string; message?: { content?: unknown } }
      if (e.state === 'aborted' && e.runId && startedHere(e.runId))
        this.note(e.runId, { gatewayText: messageText(e.message?.content) })
    })
  }

  /** The page stopped a run: what was on screen is kept until the gateway's `aborted` event says what it kept. */
  stoppedHere(stop: { sessionKey: string; runId: string; question: string; reply: ReplyHandle }): void {
    const { sessionKey, runId, question, reply } = stop
    this.stoppedReplies.remember({ sessionKey, runId, question, text: reply.text, fromGateway: false })
    this.note(runId, { sessionKey, question, reply })
  }

  private note(runId: string, half: StopHalves): void {
    const stop = { ...this.stops.get(runId), ...half }
    if (!stop.reply || stop.gatewayText === undefined) {
      this.stops.set(runId, stop)
      return
    }
    this.stops.delete(runId)
    if (stop.gatewayText === '') return
    if (stop.gatewayText !== stop.reply.text) stop.reply.revise(stop.gatewayText)
    this.stoppedReplies.remember({
      sessionKey: stop.sessionKey!,
      runId,
      question: stop.question!,
      text: stop.gatewayText,
      fromGateway: true,
    })
  }
}
