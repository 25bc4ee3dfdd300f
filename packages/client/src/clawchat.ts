import type {
  ApprovalDecision,
  ApprovalItem,
  ChatAbortResult,
  ChatHistoryResult,
  ChatSendResult,
  ClawChatSessionPayload,
  ClawChatUser,
  MethodName,
  MethodParams,
  MethodResult,
  QuestionAnswers,
  QuestionItem,
} from '@clawchat/protocol'
import { agentWorkOf, type AgentWork } from './agent-work.js'
import { Connection } from './connection.js'
import { ClawChatRequestError, type CloseReason } from './errors.js'
import type { ClawChatEventMap, ClawChatState } from './events.js'
import { HANDSHAKE, proxyHandshake, type ModeOptions } from './handshake.js'
import { uuid } from './ids.js'
import { resolveOptions, type ClawChatOptions } from './options.js'
import { PLAIN, TRACKED_SEND } from './request-manager.js'
import type { AbortRunOptions, HistoryOptions, RequestOptions, SendOptions } from './request-options.js'
import { chatStream, type StreamOptions, type StreamPart } from './stream.js'
import { streamHost } from './stream-host.js'

/** Methods whose params carry a `sessionKey` the SDK fills in and checks. */
const SESSION_METHODS = ['chat.send', 'chat.history', 'chat.abort']

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
export class ClawChat {
  /**
   * Resolves once the first connection is ready (then `user`, `sessionKey` and `methods` are set);
   * rejects with {@link ClawChatClosedError} when the client closes before that.
   *
   * @example
   * await chat.ready
   */
  readonly ready: Promise<void>
  readonly #conn: Connection
  /** Tool calls, pending approvals and questions. */
  readonly #work: AgentWork
  /** How long a stream in recovery waits for a sign of its run before it looks in the history again. */
  readonly #quietMs: number

  /**
   * Creates the client and starts connecting at once. Options are checked here; a bad one throws a
   * `TypeError` naming it.
   *
   * @example
   * const chat = new ClawChat({ url: 'wss://app.example/clawchat', requestTimeoutMs: 20_000 })
   */
  constructor(options: ClawChatOptions = {}) {
    const resolved = resolveOptions(options)
    this.#conn = new Connection(
      resolved,
      (options as ModeOptions)[HANDSHAKE] ?? proxyHandshake(resolved.assistantEvents),
    )
    this.ready = this.#conn.ready
    this.#quietMs = resolved.requestTimeoutMs
    this.#work = agentWorkOf(this.#conn)
  }

  /**
   * The connection state: `connecting`, `open`, `reconnecting`, `gateway-down`, `misconfigured` or `closed`.
   *
   * @example
   * if (chat.state !== 'open') banner.textContent = 'Reconnecting…'
   */
  get state(): ClawChatState {
    return this.#conn.shownState
  }

  /**
   * Why the client closed for good (`logged-out`, `closed`, `auth-failed`); `undefined` while it is not closed.
   *
   * @example
   * chat.on('state', (s) => {
   *   if (s.state === 'closed' && chat.closeReason === 'logged-out') location.assign('/login')
   * })
   */
  get closeReason(): CloseReason | undefined {
    const s = this.#conn.state
    return s.phase === 'closed' ? s.reason : undefined
  }

  /**
   * The logged-in user, as the proxy's `clawchat.session` said (after `ready`; none in direct mode).
   *
   * @example
   * await chat.ready; greet(chat.user?.name ?? chat.user?.id)
   */
  get user(): ClawChatUser | undefined {
    return this.#conn.identity.user
  }

  /**
   * The default session key (`main`), used when a call names none.
   *
   * @example
   * await chat.history({ sessionKey: chat.sessionKey })
   */
  get sessionKey(): string {
    return this.#conn.identity.sessionKey
  }

  /**
   * The methods this user may call (after `ready`).
   *
   * @example
   * resetButton.hidden = !chat.methods.includes('sessions.reset')
   */
  get methods(): readonly string[] {
    return this.#conn.identity.methods
  }

  /**
   * The whole `clawchat.session` payload: user, session key, methods and limits (proxy mode, after `ready`).
   *
   * @example
   * console.log(chat.session?.limits.maxPayload)
   */
  get session(): ClawChatSessionPayload | undefined {
    return this.#conn.identity.session
  }

  /**
   * Subscribes to an event; returns the function that unsubscribes. Typed: `chat`, `agent`, `state`,
   * `session`, `resync`, `error`, `clawchat.session`, `clawchat.gateway`, `tick`, `tool`, `approvals`,
   * `questions`, `exec.approval.*`, `plugin.approval.*`, `question.*`; any other gateway event name
   * works too, with an `unknown` payload.
   *
   * @example
   * const off = chat.on('chat', (e) => { if (e.state === 'delta') append(e.deltaText) })
   * chat.on('resync', () => reloadHistory())
   * chat.on('sessions.changed', (p) => console.log(p))
   * off()
   */
  on<K extends keyof ClawChatEventMap>(name: K, listener: (payload: ClawChatEventMap[K]) => void): () => void
  on(name: string, listener: (payload: unknown) => void): () => void
  on(name: string, listener: (payload: never) => void): () => void {
    return this.#conn.events.on(name, listener as (payload: unknown) => void)
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
    let key: string | Error
    try {
      key = this.#key('chat.send', options.sessionKey)
    } catch (err) {
      key = err as Error
    }
    return chatStream(streamHost(this.#conn, this.#work, this.#quietMs), message, key, options)
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
    return this.#work.approvals.items
  }

  /**
   * The questions of this user's runs waiting for an answer; `on('questions')` says when they change.
   * @example for (const q of chat.pendingQuestions()) ask(q.questions[0]?.question)
   */
  pendingQuestions(): QuestionItem[] {
    return this.#work.questions.items
  }

  /**
   * Sends a decision (one of `request.allowedDecisions`) for approval `id`. A refusal (`FORBIDDEN`,
   * `INVALID_REQUEST` with `details.reason: "APPROVAL_NOT_FOUND"`, …) rejects with a {@link ClawChatRequestError}.
   * @example await chat.resolveApproval(approval.id, 'allow-once')
   */
  resolveApproval(id: string, decision: ApprovalDecision, options: RequestOptions = {}): Promise<void> {
    return this.#work.resolveApproval(id, decision, options)
  }

  /**
   * Answers question `id`: question id → the chosen labels (or the user's own words).
   * @example await chat.answerQuestion(q.id, { color: ['blue'] })
   */
  answerQuestion(id: string, answers: QuestionAnswers, options: RequestOptions = {}): Promise<void> {
    return this.#work.answerQuestion(id, answers, options)
  }

  /**
   * Cancels question `id`: the agent goes on without an answer.
   * @example await chat.cancelQuestion(q.id)
   */
  cancelQuestion(id: string, options: RequestOptions = {}): Promise<void> {
    return this.#work.cancelQuestion(id, options)
  }

  /**
   * Calls any method. Methods of `@clawchat/protocol`'s method map are typed (params and result);
   * other names take and return `unknown`. Requests wait in the queue while disconnected; one in
   * flight at a disconnect is rejected as retryable (a `chat.send` is re-sent instead).
   *
   * @example
   * const { sessions } = await chat.request('sessions.list', {})
   * const anything = await chat.request('some.other.method', { x: 1 })
   */
  request<M extends string>(
    method: M,
    params: M extends MethodName ? MethodParams<M> : unknown,
    options: RequestOptions = {},
  ): Promise<M extends MethodName ? MethodResult<M> : unknown> {
    type R = Promise<M extends MethodName ? MethodResult<M> : unknown>
    const p: Record<string, unknown> = params && typeof params === 'object' ? { ...(params as object) } : {}
    try {
      if (SESSION_METHODS.includes(method)) p.sessionKey = this.#key(method, p.sessionKey as string | undefined)
    } catch (err) {
      return Promise.reject(err) as R
    }
    const isSend = method === 'chat.send'
    if (isSend && typeof p.idempotencyKey !== 'string') p.idempotencyKey = uuid()
    return this.#conn.requests.call(method, p, options, isSend ? TRACKED_SEND : PLAIN) as R
  }

  /**
   * Closes for good: the socket closes, nothing reconnects, every waiting request rejects with
   * {@link ClawChatClosedError} (`reason: 'closed'`).
   *
   * @example
   * window.addEventListener('pagehide', () => chat.close())
   */
  close(): void {
    this.#conn.close('closed')
  }

  /** The session key to send, or an `INVALID_REQUEST` error of `method` saying why `key` is not valid. */
  #key(method: string, key: string | undefined): string {
    try {
      return this.#conn.sessionKeyFor(key)
    } catch (err) {
      throw new ClawChatRequestError(method, { code: 'INVALID_REQUEST', message: (err as Error).message })
    }
  }
}
