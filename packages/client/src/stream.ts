import type { ChatAttachment, ChatEvent, ChatHistoryResult, ChatSendResult } from '@clawchat/protocol'
import { ClawChatAbortError, ClawChatClosedError, ClawChatRunError } from './errors.js'
import type { Emitter } from './events.js'
import { findReply, messageText } from './history-match.js'
import { uuid } from './ids.js'

/**
 * One part of a streamed reply.
 *
 * @example
 * for await (const part of chat.stream('Hello')) {
 *   if (part.replace) el.textContent = ''
 *   el.textContent += part.deltaText   // or: el.textContent = part.text
 * }
 */
export interface StreamPart {
  /** The new text since the previous part (may be `''` on the final part). */
  deltaText: string
  /** The whole reply so far. */
  text: string
  /** The reply started over (the gateway retried a cut model stream): `text` is all there is now. */
  replace: boolean
  /** `delta` while the reply grows; `final` on the last part. */
  state: 'delta' | 'final'
  /** The run (the `idempotencyKey` the SDK sent). */
  runId: string
  sessionKey: string
  /** This part was filled in from `chat.history` after a reconnect (its events were missed). */
  recovered: boolean
  /** On the final part: why the model stopped, when known. */
  stopReason?: string
}

/**
 * Options of `chat.stream()`.
 *
 * @example
 * chat.stream('Hello', { sessionKey: 'work', signal: controller.signal })
 */
export interface StreamOptions {
  /** The session; default `main` (the user's own session). */
  sessionKey?: string
  /** Stops the stream and aborts the run upstream (`chat.abort`). */
  signal?: AbortSignal
  attachments?: ChatAttachment[]
}

/** What a stream needs from its client. */
export interface StreamHost {
  readonly events: Emitter
  readonly quietMs: number
  /** Sends `chat.send`; after acceptance, `signal` aborting means `chat.abort` for the run. */
  startSend(
    params: { message: string; sessionKey: string; idempotencyKey: string; attachments?: ChatAttachment[] },
    signal: AbortSignal,
  ): Promise<ChatSendResult>
  history(sessionKey: string): Promise<ChatHistoryResult>
}

type Item = ChatEvent | 'resync' | 'check'

/** A one-reader queue that can be failed (the failure overtakes whatever still waits). */
class Inbox<T> {
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
 * The generator behind `chat.stream()`: sends the message, yields the run's text in order, ends at
 * `final`, throws {@link ClawChatRunError} on `error`/`aborted`, and aborts the run upstream when the
 * signal fires or the loop stops early. After a reconnect it completes from `chat.history` — only
 * the text not yet yielded — instead of hanging or repeating text.
 */
export async function* chatStream(
  host: StreamHost,
  message: string,
  sessionKey: string,
  opts: StreamOptions,
): AsyncGenerator<StreamPart, void, undefined> {
  const runId = uuid()
  const inbox = new Inbox<Item>()
  const ac = new AbortController()
  const { signal } = opts
  let text = ''
  let ended = false
  let accepted = false
  let recovering = false
  let restarted = false
  let quietChecks = 0
  let lastRecovered: string | undefined
  let quiet: ReturnType<typeof setTimeout> | undefined
  const armQuiet = () => {
    clearTimeout(quiet)
    if (recovering) quiet = setTimeout(() => inbox.push('check'), host.quietMs)
  }
  const part = (
    deltaText: string,
    replace: boolean,
    state: 'delta' | 'final',
    recovered: boolean,
    stopReason?: string,
  ): StreamPart => {
    const p: StreamPart = { deltaText, text, replace, state, runId, sessionKey, recovered }
    if (stopReason !== undefined) p.stopReason = stopReason
    return p
  }
  /** Moves `text` to `full` and describes the step (a remainder, or a restart when it is no continuation). */
  const advanceTo = (
    full: string,
    state: 'delta' | 'final',
    recovered: boolean,
    stopReason?: string,
  ): StreamPart | undefined => {
    const replace = !full.startsWith(text)
    const delta = replace ? full : full.slice(text.length)
    text = full
    return delta || replace || state === 'final' ? part(delta, replace, state, recovered, stopReason) : undefined
  }
  const send = () =>
    host
      .startSend(
        { message, sessionKey, idempotencyKey: runId, ...(opts.attachments ? { attachments: opts.attachments } : {}) },
        ac.signal,
      )
      .then(
        () => void (accepted = true),
        (err) => inbox.fail(err),
      )
  const onAbort = () => inbox.fail(new ClawChatAbortError('stream', signal?.reason))
  const offChat = host.events.on('chat', (e) => {
    if (e.runId !== runId) return
    inbox.push(e)
    armQuiet()
  })
  const offResync = host.events.on('resync', () => inbox.push('resync'))
  const offState = host.events.on('state', (s) => {
    if (s.state === 'closed') inbox.fail(new ClawChatClosedError(s.reason ?? 'closed'))
  })

  try {
    if (signal?.aborted) throw new ClawChatAbortError('stream', signal.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    void send()
    for (;;) {
      const item = await inbox.next()
      if (item === 'resync' || item === 'check') {
        if (item === 'resync') recovering = true
        let found
        try {
          found = findReply((await host.history(sessionKey)).messages ?? [], message, runId)
        } catch {
          armQuiet() // the history is not available yet (gateway still away): ask again later
          continue
        }
        const reply = found.reply && messageText(found.reply)
        if (reply !== undefined) {
          const stopReason = found.reply?.stopReason
          if (stopReason !== undefined || (item === 'check' && reply === lastRecovered)) {
            ended = true
            yield advanceTo(reply, 'final', true, stopReason)!
            return
          }
          if (reply !== lastRecovered) quietChecks = 0
          lastRecovered = reply
          const p = advanceTo(reply, 'delta', true)
          if (p) yield p
        } else if (!found.user && accepted) {
          // The gateway lost the message (a crash before it was stored): send it again with the same key.
          restarted = true
          accepted = false
          void send()
        } else if (item === 'check' && ++quietChecks >= MAX_QUIET_CHECKS) {
          ended = true
          throw new ClawChatRunError(
            'lost',
            runId,
            `run ${runId} was lost while the connection was down; send the message again`,
          )
        }
        armQuiet()
        continue
      }
      const e = item
      if (e.state === 'delta') {
        const full = messageText(e.message)
        if (e.replace === true || restarted) {
          // Start over: the gateway retried a cut model stream, or this is the first delta of a re-sent run.
          text = e.replace === true ? e.deltaText : (full ?? e.deltaText)
          restarted = false
          yield part(text, true, 'delta', false)
        } else {
          const p = advanceTo(full !== undefined && full.startsWith(text) ? full : text + e.deltaText, 'delta', false)
          if (p) yield p
        }
      } else if (e.state === 'final') {
        ended = true
        yield advanceTo(messageText(e.message) ?? text, 'final', false, e.stopReason)!
        return
      } else if (e.state === 'error' || e.state === 'aborted') {
        ended = true
        throw new ClawChatRunError(
          e.state,
          runId,
          `run ${runId} ${e.state}: ${e.errorMessage ?? e.stopReason ?? e.state}`,
          e.state === 'error' ? e.errorKind : undefined,
        )
      }
    }
  } finally {
    offChat()
    offResync()
    offState()
    clearTimeout(quiet)
    signal?.removeEventListener('abort', onAbort)
    if (!ended) ac.abort(signal?.reason)
  }
}
