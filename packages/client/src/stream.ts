import type { ChatAttachment, ChatHistoryResult, ChatSendResult } from '@clawchat/protocol'
import { ClawChatAbortError } from './errors.js'
import type { Emitter } from './events.js'
import type { Waiting } from './pending-work.js'
import { StreamRun } from './stream-run.js'
import type { ToolCall } from './tool-calls.js'

/**
 * One part of a streamed reply.
 *
 * @example
 * for await (const part of chat.stream('Hello')) {
 *   if (part.replace) el.textContent = ''
 *   el.textContent += part.deltaText   // or: el.textContent = part.text
 *   if (part.tool) renderToolCard(part.tool)
 *   if (part.waiting !== undefined) renderWaiting(part.waiting) // null: the run goes on
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
  /** Set on a part (with `deltaText: ''`) made because a tool call of the run started or changed. */
  tool?: ToolCall
  /**
   * Set on a part (with `deltaText: ''`) made because the run started waiting — for an approval, or
   * an answer to a question — or, with `null`, because it goes on again.
   */
  waiting?: Waiting | null
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
  /** What run `runId` waits for now; re-read at each `approvals` / `questions` event. */
  waitingOf(runId: string): Waiting | null
}

/**
 * The generator behind `chat.stream()`: sends the message, yields the run's text in order, ends at
 * `final`, throws {@link ClawChatRunError} on `error`/`aborted`, and aborts the run upstream when the
 * signal fires or the loop stops early. After a reconnect it completes from `chat.history` — only
 * the text not yet yielded — instead of hanging or repeating text (see {@link StreamRun}). A
 * `sessionKey` that is an error (the key was not valid) is thrown at the first step, before anything is sent.
 */
export async function* chatStream(
  host: StreamHost,
  message: string,
  sessionKey: string | Error,
  opts: StreamOptions,
): AsyncGenerator<StreamPart, void, undefined> {
  if (sessionKey instanceof Error) throw sessionKey
  const { signal } = opts
  const run = new StreamRun(host, message, sessionKey, opts.attachments)
  const onAbort = () => run.inbox.fail(new ClawChatAbortError('stream', signal?.reason))
  const stopListening = run.listen()
  try {
    if (signal?.aborted) throw new ClawChatAbortError('stream', signal.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    run.send()
    for (;;) {
      const item = await run.inbox.next()
      const part = typeof item === 'string' ? await run.fromHistory(item) : run.fromItem(item)
      if (part) yield part
      if (run.ended) return
    }
  } finally {
    stopListening()
    signal?.removeEventListener('abort', onAbort)
    if (!run.ended) run.abort(signal?.reason)
  }
}
