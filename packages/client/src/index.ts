/**
 * `@clawchat/client`: the typed browser SDK of ClawChat. Talks to the ClawChat proxy
 * (`@clawchat/server`) over one WebSocket with the page's own login; for a gateway without a proxy
 * see `@clawchat/client/direct`.
 *
 * @example
 * import { ClawChat } from '@clawchat/client'
 * const chat = new ClawChat()
 * for await (const part of chat.stream('Hello')) console.log(part.deltaText)
 */
export { ClawChat } from './clawchat.js'
export type { RequestOptions, SendOptions, HistoryOptions, AbortRunOptions } from './request-options.js'
export type { HelloPayload, Challenge } from './handshake.js'
export type { StreamPart, StreamOptions } from './stream.js'
export type { AttachOptions } from './attach.js'
export type { RewindOptions } from './rewind.js'
export type { ChatSessions, SessionsListOptions } from './sessions-api.js'
export { PERSIST_KEY, type PersistOptions, type RestoredSend, type SendStorage } from './persisted-sends.js'
export type { ToolCall } from './tool-calls.js'
export type { Waiting } from './pending-work.js'
export { toolCallsFromHistory } from './tool-history.js'
export type { ClawChatOptions, ReconnectOptions, WebSocketLike, WebSocketConstructor, FetchLike } from './options.js'
export { RECONNECT_DEFAULTS } from './options.js'
export type { ClawChatState, ClawChatEventMap, StateChange, ResyncInfo } from './events.js'
export {
  ClawChatError,
  ClawChatRequestError,
  ClawChatTimeoutError,
  ClawChatClosedError,
  ClawChatAbortError,
  ClawChatRunError,
  type CloseReason,
  type RunFailure,
} from './errors.js'
export { SDK_VERSION } from './version.js'
export { messageText } from './message-text.js'
export type {
  ActivityItem,
  AgentEvent,
  ApprovalDecision,
  ApprovalItem,
  ApprovalRequest,
  ApprovalResolvedEvent,
  ChatAbortResult,
  ChatAttachment,
  ChatEvent,
  ChatHistoryResult,
  ChatMessage,
  ChatSendResult,
  ClawChatGatewayPayload,
  InFlightRun,
  SessionSummary,
  SessionsDeleteResult,
  SessionsListParams,
  SessionsListResult,
  SessionsPatchParams,
  SessionsPatchResult,
  SessionsRewindResult,
  ClawChatMethods,
  ClawChatSessionPayload,
  ClawChatUser,
  MethodName,
  MethodParams,
  MethodResult,
  Question,
  QuestionAnswers,
  QuestionItem,
  QuestionResolvedEvent,
} from '@clawchat/protocol'
