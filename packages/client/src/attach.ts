import type { ChatHistoryResult, ClawChatRunsResult } from '@clawchat/protocol'
import type { AgentWork } from './agent-work.js'
import { AttachRun, type AttachHost } from './attach-run.js'
import type { Connection } from './connection.js'
import { ClawChatAbortError } from './errors.js'
import { PLAIN } from './request-manager.js'
import type { StreamPart } from './stream.js'

/**
 * Options of `chat.attach()`.
 *
 * @example
 * const reply = await chat.attach({ sessionKey: 'work', signal: controller.signal })
 */
export interface AttachOptions {
  /** The session; default the client's own (`main`). */
  sessionKey?: string
  /** Stops following (the run itself goes on: attaching only watches it). */
  signal?: AbortSignal
}

/**
 * The {@link AttachHost} of a client. Proxy mode asks `clawchat.runs` for the text so far and
 * matches session keys exactly; direct mode takes the text from `chat.history`'s `inFlightRun`
 * and also matches the gateway's own form of a key (`agent:main:<key>`).
 *
 * @example
 * chatAttach(attachHost(conn, work, 30_000, false), 'main', {})
 */
export function attachHost(conn: Connection, work: AgentWork, quietMs: number, direct: boolean): AttachHost {
  const call = (method: string, params: Record<string, unknown>) => conn.requests.call(method, params, {}, PLAIN)
  return {
    events: conn.events,
    quietMs,
    history: (sessionKey) => call('chat.history', { sessionKey, limit: 20 }) as Promise<ChatHistoryResult>,
    runs: direct ? undefined : () => call('clawchat.runs', {}) as Promise<ClawChatRunsResult>,
    sameSession: (key, sessionKey) =>
      key === sessionKey || (direct && typeof key === 'string' && key.endsWith(`:${sessionKey}`)),
    pending: () => ({ approvals: work.approvals.items, questions: work.questions.items }),
    waitingOf: (runId) => work.waitingOf(runId),
  }
}

/**
 * `chat.attach()`: looks whether a run is in progress in the session (`chat.history`'s
 * `hasActiveRun` / `activeRunIds` / `inFlightRun`, and in proxy mode `clawchat.runs` for its text)
 * and, when one is, returns the stream of it — its first part carrying the text so far — else
 * `null`. A `sessionKey` that is an error (the key was not valid) is thrown.
 */
export async function chatAttach(
  host: AttachHost,
  sessionKey: string | Error,
  opts: AttachOptions,
): Promise<AsyncGenerator<StreamPart, void, undefined> | null> {
  if (sessionKey instanceof Error) throw sessionKey
  const run = new AttachRun(host, sessionKey)
  const stop = run.listen() // before asking: nothing that happens meanwhile is missed
  let first: StreamPart | undefined
  try {
    if (opts.signal?.aborted) throw new ClawChatAbortError('attach', opts.signal.reason)
    const [history, runs] = await Promise.all([host.history(sessionKey), host.runs?.()])
    first = run.start(history, runs)
  } catch (err) {
    stop()
    throw err
  }
  if (!first) {
    stop()
    return null
  }
  return follow(run, first, stop, opts.signal)
}

async function* follow(
  run: AttachRun,
  first: StreamPart,
  stop: () => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamPart, void, undefined> {
  const onAbort = () => run.inbox.fail(new ClawChatAbortError('attach', signal?.reason))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    yield first
    yield* run.opening()
    while (!run.ended) {
      const item = await run.inbox.next()
      const part = item === 'resync' || item === 'check' ? await run.fromHistory(item) : run.fromItem(item)
      if (part) yield part
    }
  } finally {
    stop()
    signal?.removeEventListener('abort', onAbort)
  }
}
