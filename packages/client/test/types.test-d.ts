import { describe, expectTypeOf, it } from 'vitest'
import WebSocket from 'ws'
import type {
  ApprovalItem,
  ApprovalResolvedEvent,
  ChatAbortResult,
  ChatEvent,
  ChatHistoryResult,
  ChatSendResult,
  ClawChatGatewayPayload,
  ClawChatSessionPayload,
  ClawChatUser,
  QuestionItem,
  QuestionResolvedEvent,
  SessionsDeleteResult,
  SessionsListResult,
  SessionsPatchResult,
  SessionsResetResult,
  SessionsRewindResult,
} from '@clawchat/protocol'
import {
  ClawChat,
  ClawChatAbortError,
  ClawChatError,
  ClawChatRequestError,
  ClawChatRunError,
  ClawChatTimeoutError,
  type ClawChatState,
  type CloseReason,
  type ResyncInfo,
  type StateChange,
  type StreamPart,
  type ToolCall,
  type Waiting,
  toolCallsFromHistory,
} from '../src/index.js'
import { ClawChat as DirectClawChat } from '../src/direct.js'

declare const chat: ClawChat

describe('ClawChat typed API', () => {
  it('issue 20: attach, sessions, regenerate/edit, restored are typed', () => {
    expectTypeOf(chat.attach()).toEqualTypeOf<Promise<AsyncGenerator<StreamPart, void, undefined> | null>>()
    expectTypeOf(chat.sessions.rename('work', null)).toEqualTypeOf<Promise<SessionsPatchResult>>()
    expectTypeOf(chat.sessions.delete('work')).toEqualTypeOf<Promise<SessionsDeleteResult>>()
    expectTypeOf(chat.sessions.list({ archived: 'all' })).toEqualTypeOf<Promise<SessionsListResult>>()
    expectTypeOf(chat.regenerate()).toEqualTypeOf<AsyncGenerator<StreamPart, void, undefined>>()
    expectTypeOf(chat.edit('e1', 'new')).toEqualTypeOf<AsyncGenerator<StreamPart, void, undefined>>()
    expectTypeOf(chat.request('sessions.rewind', { sessionKey: 'main', entryId: 'e1' })).toEqualTypeOf<
      Promise<SessionsRewindResult>
    >()
    expectTypeOf(chat.restored[0]!.result).toEqualTypeOf<Promise<ChatSendResult>>()
    // @ts-expect-error a label is a string or null
    void chat.sessions.rename('work', 42)
  })

  it('request() is typed by the method map of @clawchat/protocol', () => {
    expectTypeOf(chat.request('sessions.list', {})).toEqualTypeOf<Promise<SessionsListResult>>()
    expectTypeOf(chat.request('chat.send', { message: 'x' })).toEqualTypeOf<Promise<ChatSendResult>>()
    expectTypeOf(chat.request('sessions.reset', { key: 'main' })).toEqualTypeOf<Promise<SessionsResetResult>>()
    // @ts-expect-error chat.send needs a message
    void chat.request('chat.send', {})
    // @ts-expect-error limit is a number
    void chat.request('chat.history', { limit: 'ten' })
    // @ts-expect-error sessions.reset takes `key`, not `sessionKey` (extra property)
    void chat.request('sessions.reset', { sessionKey: 'x' })
    expectTypeOf(chat.request('some.gateway.method', { anything: 1 })).toEqualTypeOf<Promise<unknown>>()
  })

  it('send, history, abort and stream return typed results', () => {
    expectTypeOf(chat.send('Hello')).toEqualTypeOf<Promise<ChatSendResult>>()
    expectTypeOf(
      chat.send('Hello', { sessionKey: 'work', signal: new AbortController().signal, attachments: [] }),
    ).toEqualTypeOf<Promise<ChatSendResult>>()
    expectTypeOf(chat.history({ sessionKey: 'main', limit: 10 })).toEqualTypeOf<Promise<ChatHistoryResult>>()
    expectTypeOf(chat.abort({ runId: 'r' })).toEqualTypeOf<Promise<ChatAbortResult>>()
    expectTypeOf(chat.stream('Hello')).toMatchTypeOf<AsyncIterable<StreamPart>>()
    expectTypeOf<StreamPart['deltaText']>().toEqualTypeOf<string>()
    expectTypeOf<StreamPart['text']>().toEqualTypeOf<string>()
    expectTypeOf<StreamPart['replace']>().toEqualTypeOf<boolean>()
    expectTypeOf<StreamPart['state']>().toEqualTypeOf<'delta' | 'final'>()
    // @ts-expect-error the message is a string
    void chat.send(42)
  })

  it('on() types the known events and returns an unsubscribe function', () => {
    expectTypeOf(chat.on('chat', (e) => expectTypeOf(e).toEqualTypeOf<ChatEvent>())).toEqualTypeOf<() => void>()
    chat.on('state', (s) => expectTypeOf(s).toEqualTypeOf<StateChange>())
    chat.on('session', (s) => expectTypeOf(s).toEqualTypeOf<ClawChatSessionPayload>())
    chat.on('resync', (r) => expectTypeOf(r).toEqualTypeOf<ResyncInfo>())
    chat.on('error', (e) => expectTypeOf(e).toEqualTypeOf<Error>())
    chat.on('clawchat.gateway', (g) => expectTypeOf(g).toEqualTypeOf<ClawChatGatewayPayload>())
    chat.on('sessions.changed', (p) => expectTypeOf(p).toEqualTypeOf<unknown>())
    expectTypeOf<ResyncInfo['reason']>().toEqualTypeOf<'reconnect' | 'slow-consumer' | 'gateway-up' | 'gap'>()
  })

  it("types the agent's work: tool calls, approvals, questions, and the stream parts that carry them", () => {
    chat.on('tool', (c) => expectTypeOf(c).toEqualTypeOf<ToolCall>())
    chat.on('approvals', (items) => expectTypeOf(items).toEqualTypeOf<ApprovalItem[]>())
    chat.on('questions', (items) => expectTypeOf(items).toEqualTypeOf<QuestionItem[]>())
    chat.on('exec.approval.requested', (a) => expectTypeOf(a).toEqualTypeOf<ApprovalItem>())
    chat.on('plugin.approval.resolved', (r) => expectTypeOf(r).toEqualTypeOf<ApprovalResolvedEvent>())
    chat.on('question.requested', (q) => expectTypeOf(q).toEqualTypeOf<QuestionItem>())
    chat.on('question.resolved', (r) => expectTypeOf(r).toEqualTypeOf<QuestionResolvedEvent>())
    expectTypeOf(chat.pendingApprovals()).toEqualTypeOf<ApprovalItem[]>()
    expectTypeOf(chat.pendingQuestions()).toEqualTypeOf<QuestionItem[]>()
    expectTypeOf(chat.resolveApproval('id', 'allow-once')).toEqualTypeOf<Promise<void>>()
    expectTypeOf(chat.answerQuestion('id', { color: ['blue'] })).toEqualTypeOf<Promise<void>>()
    expectTypeOf(chat.cancelQuestion('id')).toEqualTypeOf<Promise<void>>()
    // @ts-expect-error not one of OpenClaw's decisions
    void chat.resolveApproval('id', 'yes')
    // @ts-expect-error answers are lists of labels
    void chat.answerQuestion('id', { color: 'blue' })
    expectTypeOf<StreamPart['tool']>().toEqualTypeOf<ToolCall | undefined>()
    expectTypeOf<StreamPart['waiting']>().toEqualTypeOf<Waiting | null | undefined>()
    expectTypeOf<ToolCall['status']>().toEqualTypeOf<'running' | 'done' | 'failed'>()
    expectTypeOf(toolCallsFromHistory).returns.toEqualTypeOf<ToolCall[]>()
  })

  it('exposes state, closeReason and the session facts', () => {
    expectTypeOf(chat.state).toEqualTypeOf<ClawChatState>()
    expectTypeOf<ClawChatState>().toEqualTypeOf<
      'connecting' | 'open' | 'reconnecting' | 'gateway-down' | 'misconfigured' | 'closed'
    >()
    expectTypeOf(chat.closeReason).toEqualTypeOf<CloseReason | undefined>()
    expectTypeOf<CloseReason>().toEqualTypeOf<'logged-out' | 'closed' | 'auth-failed'>()
    expectTypeOf(chat.ready).toEqualTypeOf<Promise<void>>()
    expectTypeOf(chat.user).toEqualTypeOf<ClawChatUser | undefined>()
    expectTypeOf(chat.sessionKey).toEqualTypeOf<string>()
    expectTypeOf(chat.methods).toEqualTypeOf<readonly string[]>()
  })

  it('options: the ws package WebSocket fits, unknown options do not', () => {
    expectTypeOf(ClawChat).toBeConstructibleWith({
      url: 'ws://127.0.0.1/clawchat',
      WebSocket,
      requestTimeoutMs: 1000,
      reconnect: { initialDelayMs: 10 },
    })
    expectTypeOf(ClawChat).toBeConstructibleWith()
    // @ts-expect-error a typo is not an option
    void new ClawChat({ requestTimeOutMs: 1000 })
  })

  it('the error classes carry their facts', () => {
    expectTypeOf<ClawChatRequestError>().toMatchTypeOf<ClawChatError>()
    expectTypeOf<ClawChatRequestError['retryAfterMs']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ClawChatRequestError['code']>().toEqualTypeOf<string>()
    expectTypeOf<ClawChatRequestError['retryable']>().toEqualTypeOf<boolean>()
    expectTypeOf<ClawChatTimeoutError['timeoutMs']>().toEqualTypeOf<number>()
    expectTypeOf<ClawChatRunError['state']>().toEqualTypeOf<'error' | 'aborted' | 'lost'>()
    expectTypeOf<ClawChatAbortError>().toMatchTypeOf<Error>()
  })

  it('direct mode has the same API and needs url and token', () => {
    expectTypeOf(DirectClawChat).toBeConstructibleWith({ url: 'ws://127.0.0.1:18789', token: 't' })
    expectTypeOf<DirectClawChat>().toMatchTypeOf<ClawChat>()
    // @ts-expect-error the token is required
    void new DirectClawChat({ url: 'ws://127.0.0.1:18789' })
    // @ts-expect-error there is no proxy to ask in direct mode
    void new DirectClawChat({ url: 'ws://127.0.0.1:18789', token: 't', fetch })
  })
})
