import type { ChatHistoryResult, ChatSendResult } from '@clawchat/protocol'
import type { AgentWork } from './agent-work.js'
import type { Connection } from './connection.js'
import { PLAIN, STREAM_SEND } from './request-manager.js'
import type { StreamHost } from './stream.js'

/**
 * What `chat.stream()` needs from its client: the events, the quiet spell of recovery, the
 * `chat.send` (whose abort after acceptance is a `chat.abort` of the run), the history, and what a
 * run waits for.
 *
 * @example
 * chatStream(streamHost(conn, work, options.requestTimeoutMs), 'Hello', 'main', {})
 */
export function streamHost(conn: Connection, work: AgentWork, quietMs: number): StreamHost {
  const requests = conn.requests
  return {
    events: conn.events,
    quietMs,
    startSend: (params, signal) => {
      const promise = requests.call('chat.send', params, { signal }, STREAM_SEND) as Promise<ChatSendResult>
      promise.then(
        () => {
          const abort = () => requests.abortRun(params.sessionKey, params.idempotencyKey)
          if (signal.aborted) abort()
          else signal.addEventListener('abort', abort, { once: true })
        },
        () => {},
      )
      return promise
    },
    history: (sessionKey) =>
      requests.call('chat.history', { sessionKey, limit: 100 }, {}, PLAIN) as Promise<ChatHistoryResult>,
    waitingOf: (runId) => work.waitingOf(runId),
  }
}
