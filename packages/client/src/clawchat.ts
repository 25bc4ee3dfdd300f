import type {
  ApprovalDecision,
  ApprovalItem,
  ChatAbortResult,
  ChatHistoryResult,
  ChatSendResult,
  QuestionAnswers,
  QuestionItem,
} from '@clawchat/protocol'
import { attachHost, chatAttach, type AttachOptions } from './attach.js'
import { ClawChatBase, coreOf } from './clawchat-base.js'
import type { ClawChatOptions } from './options.js'
import type { RestoredSend } from './persisted-sends.js'
import type { AbortRunOptions, HistoryOptions, RequestOptions, SendOptions } from './request-options.js'
import { chatRewind, lastUserMessage, userMessage, type RewindOptions, type RewindTarget } from './rewind.js'
import { ChatSessions, type Call } from './sessions-api.js'
import { chatStream, type StreamOptions, type StreamPart } from './stream.js'
import { streamHost } from './stream-host.js'

/**
 * The ClawChat browser SDK: typed requests, typed events, streamed replies, and a reconnecting socket
 * that loses and duplicates nothing (docs/ARCHITECTURE.md "The wire").
 *
 * @example
 * import { ClawChat } from '@clawchat/client'
 * const chat = new ClawChat()                 // same origin + /clawchat, the page's own login cookie
 * await chat.ready
 * console.log(`hello ${chat.user?.name}`)
 * for await (const part of chat.stream('Hello')) output.textContent = part.text
 */
export class ClawChat extends ClawChatBase {
  /**
   * The user's own chats: `list()`, `rename()`, `pin()`, `archive()`, `delete()`.
   *
   * @example
   * await chat.sessions.rename('work', 'Trip to Lisbon')
   */
  readonly sessions: ChatSessions

  /**
   * Creates the client and starts connecting at once. Options are checked here; a bad one throws a
   * `TypeError` naming it.
   *
   * @example
   * const chat = new ClawChat({ url: 'wss://app.example/clawchat', persist: { storage: sessionStorage } })
   */
  constructor(options: ClawChatOptions = {}) {
    super(options)
    this.sessions = new ChatSessions(this.#call)
  }

  /**
   * The `chat.send`s found in the `persist` storage at start (sent once the client is ready, unless
   * the history shows them stored already): show them, then `attach()` to their session.
   *
   * @example
   * for (const r of chat.restored) showOwnMessage(r.sessionKey, r.message)
   */
  get restored(): readonly RestoredSend[] {
    return coreOf(this).conn.requests.restored
  }
  /**
   * Sends a message; resolves with its `runId` once the server accepted it. The SDK makes the
   * `idempotencyKey` (= `runId`) itself, so a send queued while offline, or re-sent after a lost
   * connection, runs once. Follow the reply with `on('chat')`, or use {@link ClawChat.stream}.
   *
   * @example
   * const { runId } = await chat.send('Hello', { sessionKey: 'work' })
   */
  send(message: string, options: SendOptions = {}): Promise<ChatSendResult> {
    const { signal, timeoutMs, sessionKey, attachments } = options
    const params = { message, sessionKey, ...(attachments ? { attachments } : {}) }
    return this.request('chat.send', params, { signal, timeoutMs })
  }

  /**
   * Sends a message and yields the reply as it grows: parts `{ deltaText, text, replace, state, … }`
   * in order, the last one with `state: 'final'`. Throws {@link ClawChatRunError} when the run fails or
   * is aborted elsewhere; aborts the run upstream when `signal` fires or the loop stops early. A
   * reconnect in the middle is invisible: the missing text comes from `chat.history`, never twice.
   *
   * @example
   * for await (const part of chat.stream('Tell me a story', { signal })) {
   *   output.textContent = part.text
   * }
   */
  stream(message: string, options: StreamOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    const key = this.#keyOrError('chat.send', options.sessionKey)
    const { conn, work, quietMs } = coreOf(this)
    return chatStream(streamHost(conn, work, quietMs), message, key, options)
  }

  /**
   * A session's messages (the latest `limit`).
   *
   * @example
   * const { messages } = await chat.history({ sessionKey: 'main', limit: 50 })
   */
  history(options: HistoryOptions = {}): Promise<ChatHistoryResult> {
    const { signal, timeoutMs, sessionKey, limit } = options
    const params = { sessionKey, ...(limit !== undefined ? { limit } : {}) }
    return this.request('chat.history', params, { signal, timeoutMs })
  }

  /**
   * Aborts the session's active run, or the run `runId`.
   *
   * @example
   * await chat.abort({ runId })
   */
  abort(options: AbortRunOptions = {}): Promise<ChatAbortResult> {
    const { signal, timeoutMs, sessionKey, runId } = options
    return this.request('chat.abort', { sessionKey, ...(runId ? { runId } : {}) }, { signal, timeoutMs })
  }

  /**
   * The approvals waiting for a decision that this user sees, kept from events and listed again after
   * every reconnect; `on('approvals')` says when they change.
   * @example for (const a of chat.pendingApprovals()) show(a.request.command, a.request.allowedDecisions)
   */
  pendingApprovals(): ApprovalItem[] {
    return coreOf(this).work.approvals.items
  }

  /**
   * The questions of this user's runs waiting for an answer; `on('questions')` says when they change.
   * @example for (const q of chat.pendingQuestions()) ask(q.questions[0]?.question)
   */
  pendingQuestions(): QuestionItem[] {
    return coreOf(this).work.questions.items
  }

  /**
   * Sends a decision (one of `request.allowedDecisions`) for approval `id`. A refusal (`FORBIDDEN`,
   * `INVALID_REQUEST` with `details.reason: "APPROVAL_NOT_FOUND"`, …) rejects with a {@link ClawChatRequestError}.
   * @example await chat.resolveApproval(approval.id, 'allow-once')
   */
  resolveApproval(id: string, decision: ApprovalDecision, options: RequestOptions = {}): Promise<void> {
    return coreOf(this).work.resolveApproval(id, decision, options)
  }

  /**
   * Answers question `id`: question id → the chosen labels (or the user's own words).
   * @example await chat.answerQuestion(q.id, { color: ['blue'] })
   */
  answerQuestion(id: string, answers: QuestionAnswers, options: RequestOptions = {}): Promise<void> {
    return coreOf(this).work.answerQuestion(id, answers, options)
  }

  /**
   * Cancels question `id`: the agent goes on without an answer.
   * @example await chat.cancelQuestion(q.id)
   */
  cancelQuestion(id: string, options: RequestOptions = {}): Promise<void> {
    return coreOf(this).work.cancelQuestion(id, options)
  }

  /**
   * The run in progress in a session (default the client's own), followed like `stream()`: the first
   * part carries the text so far (`text` = `deltaText`), then the rest, each piece once, ending like a
   * stream (`final`, or a {@link ClawChatRunError}). Resolves `null` when nothing runs. Stopping the
   * loop only stops watching: the run goes on.
   *
   * @example
   * const reply = await chat.attach()
   * if (reply) for await (const part of reply) output.textContent = part.text
   */
  attach(options: AttachOptions = {}): Promise<AsyncGenerator<StreamPart, void, undefined> | null> {
    const { conn, work, quietMs, direct } = coreOf(this)
    const host = attachHost(conn, work, quietMs, direct)
    return chatAttach(host, this.#keyOrError('chat.history', options.sessionKey), options)
  }

  /**
   * Regenerates the last reply: rewinds the session to just before the user's last message
   * (`sessions.rewind`) and sends its text again, streamed like `stream()`. Throws when there is no
   * message to regenerate or a run is in progress.
   *
   * @example
   * for await (const part of chat.regenerate()) output.textContent = part.text
   */
  regenerate(options: RewindOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    return this.#rewind(lastUserMessage, options)
  }

  /**
   * Edits the user message `messageId` (a `chat.history` message's `id`): the session goes back to
   * just before it (it and everything after leave the history) and `text` is sent in its place,
   * streamed like `stream()`. Throws when the id is not one of the user's messages or a run is in progress.
   *
   * @example
   * for await (const part of chat.edit(message.id!, 'What about Porto?')) output.textContent = part.text
   */
  edit(messageId: string, text: string, options: RewindOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    return this.#rewind(userMessage(messageId, text), options)
  }

  #rewind(target: RewindTarget, options: RewindOptions): AsyncGenerator<StreamPart, void, undefined> {
    const stream = (text: string, o: StreamOptions) => this.stream(text, o)
    return chatRewind(this.#call, stream, this.#keyOrError('sessions.rewind', options.sessionKey), target, options)
  }

  readonly #call = ((method: string, params: unknown, options: RequestOptions) =>
    this.request(method, params, options)) as Call

  #keyOrError(method: string, key: string | undefined): string | Error {
    try {
      return coreOf(this).keyOf(method, key)
    } catch (err) {
      return err as Error
    }
  }
}
