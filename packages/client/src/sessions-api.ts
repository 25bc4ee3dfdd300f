import type {
  MethodName,
  MethodParams,
  MethodResult,
  SessionsDeleteResult,
  SessionsListParams,
  SessionsListResult,
  SessionsPatchResult,
} from '@clawchat/protocol'
import { ClawChatRequestError } from './errors.js'
import type { RequestOptions } from './request-options.js'

/** A typed request of the client. */
export type Call = <M extends MethodName>(
  method: M,
  params: MethodParams<M>,
  options: RequestOptions,
) => Promise<MethodResult<M>>

/**
 * Options of `chat.sessions.list()`.
 *
 * @example
 * await chat.sessions.list({ limit: 50, archived: 'all' })
 */
export interface SessionsListOptions extends SessionsListParams, RequestOptions {}

/** Rejects: `<name> must be <must>, got <value>`. */
const invalid = (method: string, name: string, must: string, got: unknown) =>
  Promise.reject(
    new ClawChatRequestError(method, {
      code: 'INVALID_REQUEST',
      message: `${name} must be ${must}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`,
    }),
  )

/**
 * The user's own chats: list, rename, pin, archive, delete (`sessions.list`, `sessions.patch`,
 * `sessions.delete`). Through the proxy every key is one of the user's own and labels are the
 * user's own. A bad argument rejects with an `INVALID_REQUEST` {@link ClawChatRequestError} naming it.
 *
 * @example
 * const { sessions } = await chat.sessions.list()
 * await chat.sessions.rename('work', 'Trip to Lisbon')
 * await chat.sessions.pin('work')
 * await chat.sessions.delete('old')
 */
export class ChatSessions {
  constructor(private readonly call: Call) {}

  /**
   * One page of the user's sessions, by last activity (newest first); `archived` ones only when asked.
   *
   * @example
   * const { sessions, hasMore, nextOffset } = await chat.sessions.list({ limit: 20 })
   */
  list(options: SessionsListOptions = {}): Promise<SessionsListResult> {
    const { signal, timeoutMs, ...params } = options
    const { archived } = params
    if (archived !== undefined && typeof archived !== 'boolean' && archived !== 'all')
      return invalid('sessions.list', 'archived', "true, false or 'all'", archived)
    return this.call('sessions.list', params, { signal, timeoutMs })
  }

  /**
   * Names session `key` (1–100 characters); `null` clears the name (the list then shows its derived title).
   *
   * @example
   * await chat.sessions.rename('work', 'Trip to Lisbon')
   */
  rename(key: string, label: string | null, options: RequestOptions = {}): Promise<SessionsPatchResult> {
    if (label !== null && (typeof label !== 'string' || !label.trim()))
      return invalid('sessions.patch', 'label', 'a non-empty string or null', label)
    return this.#patch(key, { label: label === null ? null : label.trim() }, options)
  }

  /**
   * Pins session `key` (or, with `false`, unpins it).
   *
   * @example
   * await chat.sessions.pin('work', false)
   */
  pin(key: string, pinned = true, options: RequestOptions = {}): Promise<SessionsPatchResult> {
    return this.#patch(key, { pinned }, options)
  }

  /**
   * Archives session `key` (left out of `list()` unless asked for), or with `false` brings it back.
   *
   * @example
   * await chat.sessions.archive('work')
   */
  archive(key: string, archived = true, options: RequestOptions = {}): Promise<SessionsPatchResult> {
    return this.#patch(key, { archived }, options)
  }

  /**
   * Deletes session `key` and its messages; `deleted: false` when there was no such session.
   *
   * @example
   * const { deleted } = await chat.sessions.delete('old')
   */
  delete(key: string, options: RequestOptions = {}): Promise<SessionsDeleteResult> {
    if (typeof key !== 'string' || !key) return invalid('sessions.delete', 'key', 'a session key', key)
    return this.call('sessions.delete', { key }, options)
  }

  #patch(
    key: string,
    fields: { label?: string | null; pinned?: boolean; archived?: boolean },
    options: RequestOptions,
  ): Promise<SessionsPatchResult> {
    if (typeof key !== 'string' || !key) return invalid('sessions.patch', 'key', 'a session key', key)
    for (const [name, v] of Object.entries(fields))
      if (name !== 'label' && typeof v !== 'boolean') return invalid('sessions.patch', name, 'true or false', v)
    return this.call('sessions.patch', { key, ...fields }, options)
  }
}
