import type { ChatAttachment, ChatEvent } from '@clawchat/protocol'
import { Alarm, systemClock } from './clock.js'
import { ClawChatClosedError, ClawChatRunError } from './errors.js'
import { findReply, textOfMessage } from './history-match.js'
import { uuid } from './ids.js'
import type { Waiting } from './pending-work.js'
import type { StreamHost, StreamPart } from './stream.js'
import type { ToolCall } from './tool-calls.js'

/** A change of the run's work: a tool call, or what it waits for. */
export type WorkItem = { tool: ToolCall } | { waiting: Waiting | null }

/** What a stream waits for: its run's `chat` events and work, a `resync`, or a quiet check of the history. */
export type StreamItem = ChatEvent | WorkItem | 'resync' | 'check'

/** The key of what a run waits for (`''`: nothing). */
export const waitingKey = (w: Waiting | null) =>
  w ? `${w.on}:${w.on === 'approval' ? w.approval.id : w.question.id}` : ''

/**
 * A one-reader queue that can be failed (the failure overtakes whatever still waits).
 *
 * @example
 * const inbox = new Inbox<number>()
 * inbox.push(1)
 * await inbox.next() // 1
 */
export class Inbox<T> {
  #items: T[] = []
  #wake: (() => void) | undefined
  #error: { e: unknown } | undefined

  push(item: T): void {
    this.#items.push(item)
    this.#wake?.()
  }
  fail(e: unknown): void {
    this.#error ??= { e }
    this.#wake?.()
  }
  async next(): Promise<T> {
    for (;;) {
      if (this.#error) throw this.#error.e
      if (this.#items.length) return this.#items.shift()!
      await new Promise<void>((r) => (this.#wake = r))
      this.#wake = undefined
    }
  }
}

/** How many quiet history checks in a row (no event, no reply, message stored) before a run counts as lost. */
const MAX_QUIET_CHECKS = 3

/**
 * One `chat.stream()` run: the text yielded so far and how to move it on, from the run's `chat`
 * events or, after a reconnect, from `chat.history`. While recovering, a quiet spell (no event for
 * `quietMs`) means another look at the history; three quiet looks that find nothing new mean the
 * run was lost. A message the gateway lost (acknowledged, then not stored) is sent again with the
 * same key, and its first delta starts the text over.
 *
 * @example
 * const run = new StreamRun(host, 'Hello', 'main', undefined)
 * const off = run.listen(); run.send()
 * const part = run.fromEvent(await run.inbox.next() as ChatEvent)
 */
export class StreamRun {
  readonly runId = uuid()
  readonly inbox = new Inbox<StreamItem>()
  /** The run reached its end (final, error, aborted, lost): nothing to abort upstream. */
  ended = false
  readonly #ac = new AbortController()
  readonly #quiet = new Alarm(systemClock)
  #text = ''
  #accepted = false
  #recovering = false
  #restarted = false
  #quietChecks = 0
  #lastRecovered: string | undefined
  /** What the run waits for ({@link waitingKey}); while it waits, quiet history checks do not count. */
  #waiting = ''

  constructor(
    private readonly host: StreamHost,
    private readonly message: string,
    private readonly sessionKey: string,
    private readonly attachments: ChatAttachment[] | undefined,
  ) {}

  /** Follows the run's events, `resync`s and a close; returns the function that stops. */
  listen(): () => void {
    const offChat = this.host.events.on('chat', (e) => {
      if (e.runId !== this.runId) return
      this.inbox.push(e)
      this.#armQuiet()
    })
    const offResync = this.host.events.on('resync', () => this.inbox.push('resync'))
    const offState = this.host.events.on('state', (s) => {
      if (s.state === 'closed') this.inbox.fail(new ClawChatClosedError(s.reason ?? 'closed'))
    })
    const offTool = this.host.events.on('tool', (tool) => {
      if (tool.runId !== this.runId) return
      this.inbox.push({ tool })
      this.#armQuiet()
    })
    const onPending = () => {
      const waiting = this.host.waitingOf(this.runId)
      if (waitingKey(waiting) === this.#waiting) return
      this.#waiting = waitingKey(waiting)
      this.inbox.push({ waiting })
    }
    const offApprovals = this.host.events.on('approvals', onPending)
    const offQuestions = this.host.events.on('questions', onPending)
    return () => {
      for (const off of [offChat, offResync, offState, offTool, offApprovals, offQuestions]) off()
      this.#quiet.clear()
    }
  }

  /** Sends the message (again, after a loss: same key). */
  send(): void {
    const { message, sessionKey, runId: idempotencyKey, attachments } = this
    this.host
      .startSend({ message, sessionKey, idempotencyKey, ...(attachments ? { attachments } : {}) }, this.#ac.signal)
      .then(
        () => void (this.#accepted = true),
        (err) => this.inbox.fail(err),
      )
  }

  /** The stream stopped before the run ended: abort it upstream. */
  abort(reason: unknown): void {
    this.#ac.abort(reason)
  }

  /** A `chat` event or a change of the run's work: the part it makes, if any (see {@link StreamRun.fromEvent}). */
  fromItem(item: ChatEvent | WorkItem): StreamPart | undefined {
    if ('tool' in item) return { ...this.#part('', false, 'delta', false), tool: item.tool }
    if ('waiting' in item) return { ...this.#part('', false, 'delta', false), waiting: item.waiting }
    return this.fromEvent(item)
  }

  /** A `chat` event of the run: the part it makes, if any; throws {@link ClawChatRunError} on `error`/`aborted`. */
  fromEvent(e: ChatEvent): StreamPart | undefined {
    if (e.state === 'delta') {
      const full = textOfMessage(e.message)
      if (e.replace !== true && !this.#restarted)
        return this.#advanceTo(
          full !== undefined && full.startsWith(this.#text) ? full : this.#text + e.deltaText,
          'delta',
          false,
        )
      // Start over: the gateway retried a cut model stream, or this is the first delta of a re-sent run.
      this.#text = e.replace === true ? e.deltaText : (full ?? e.deltaText)
      this.#restarted = false
      return this.#part(this.#text, true, 'delta', false)
    }
    if (e.state === 'final') {
      this.ended = true
      return this.#advanceTo(textOfMessage(e.message) ?? this.#text, 'final', false, e.stopReason)
    }
    if (e.state === 'error' || e.state === 'aborted') {
      this.ended = true
      const why = e.errorMessage ?? e.stopReason ?? e.state
      const kind = e.state === 'error' ? e.errorKind : undefined
      throw new ClawChatRunError(e.state, this.runId, `run ${this.runId} ${e.state}: ${why}`, kind)
    }
    return undefined
  }

  /**
   * A `resync` or a quiet check: looks the run up in the history and yields what it adds, ends the
   * stream when the reply is complete, sends the message again when the gateway lost it, or throws
   * `lost` after {@link MAX_QUIET_CHECKS} quiet checks.
   */
  async fromHistory(item: 'resync' | 'check'): Promise<StreamPart | undefined> {
    if (item === 'resync') this.#recovering = true
    let found, alive
    try {
      const h = await this.host.history(this.sessionKey)
      found = findReply(h.messages ?? [], this.message, this.runId)
      // The gateway says the run is in flight: it is alive, whatever the quiet.
      alive = h.inFlightRun?.runId === this.runId || h.activeRunIds?.includes(this.runId) === true
    } catch {
      this.#armQuiet() // the history is not available yet (gateway still away): ask again later
      return undefined
    }
    const reply = found.reply && textOfMessage(found.reply)
    let part: StreamPart | undefined
    if (reply !== undefined) {
      const stopReason = found.reply?.stopReason
      if (stopReason !== undefined || (item === 'check' && reply === this.#lastRecovered)) {
        this.ended = true
        return this.#advanceTo(reply, 'final', true, stopReason)
      }
      if (reply !== this.#lastRecovered) this.#quietChecks = 0
      this.#lastRecovered = reply
      part = this.#advanceTo(reply, 'delta', true)
    } else if (!found.user && this.#accepted) {
      // The gateway lost the message (a crash before it was stored): send it again with the same key.
      this.#restarted = true
      this.#accepted = false
      this.send()
    } else if (alive) {
      this.#quietChecks = 0
    } else if (item === 'check' && !this.#waiting && ++this.#quietChecks >= MAX_QUIET_CHECKS) {
      this.ended = true
      const message = `run ${this.runId} was lost while the connection was down; send the message again`
      throw new ClawChatRunError('lost', this.runId, message)
    }
    this.#armQuiet()
    return part
  }

  #armQuiet(): void {
    if (this.#recovering) this.#quiet.set(this.host.quietMs, () => this.inbox.push('check'))
    else this.#quiet.clear()
  }

  #part(deltaText: string, replace: boolean, state: 'delta' | 'final', recovered: boolean, stopReason?: string) {
    const { runId, sessionKey } = this
    const p: StreamPart = { deltaText, text: this.#text, replace, state, runId, sessionKey, recovered }
    if (stopReason !== undefined) p.stopReason = stopReason
    return p
  }

  /** Moves the text to `full` and describes the step (a remainder, or a restart when it is no continuation). */
  #advanceTo(full: string, state: 'delta' | 'final', recovered: boolean, stopReason?: string): StreamPart | undefined {
    const replace = !full.startsWith(this.#text)
    const delta = replace ? full : full.slice(this.#text.length)
    this.#text = full
    return delta || replace || state === 'final' ? this.#part(delta, replace, state, recovered, stopReason) : undefined
  }
}
