// A test-side operator connection to the real gateway through the official GatewayClient
// (`gateway-client`/`backend`, token only, explicit scopes), recording every event so tests can
// wait for a run's chat events.
import { randomUUID } from 'node:crypto'
import { GatewayClient } from '@openclaw/gateway-client'

/** A `chat` event payload as the gateway sends it (only the fields the harness reads are typed). */
export interface ChatEventPayload {
  runId: string
  sessionKey: string
  state: 'status' | 'delta' | 'final' | 'error' | 'aborted' | string
  seq?: number
  deltaText?: string
  replace?: boolean
  errorMessage?: string
  stopReason?: string
  message?: { role?: string; content?: Array<{ type?: string; text?: string }> }
  [key: string]: unknown
}

/** An event the operator received. */
export interface RecordedEvent {
  event: string
  payload: unknown
  /** `Date.now()` on arrival. */
  at: number
}

export interface OperatorClientOptions {
  /** `ws://127.0.0.1:<port>` */
  url: string
  token: string
  /** Scopes to ask for (default read + write; add `operator.admin` for admin calls). */
  scopes?: string[]
  /** Give up connecting after this long (default 30 000 ms). */
  connectTimeoutMs?: number
}

export interface OperatorClient {
  /** The official client, for any request the helpers do not cover. */
  readonly client: GatewayClient
  /** The `hello-ok` payload. */
  readonly hello: Record<string, unknown>
  /** Every event received so far, in order. */
  readonly events: RecordedEvent[]
  /** `chat.send` with a fresh UUID idempotency key; resolves with the run id (= that key) once acknowledged. */
  sendChat(sessionKey: string, message: string): Promise<string>
  /** The `chat` event payloads of one run, in arrival order. */
  chatEvents(runId: string): ChatEventPayload[]
  /** Resolves with the first `chat` event of `runId` whose state is one of `states` (already received or later). */
  waitForChat(runId: string, states: string[], timeoutMs?: number): Promise<ChatEventPayload>
  /** Stops the client and waits for the socket to close. */
  close(): Promise<void>
}

/** The text of a chat event's `message` (its text parts joined). */
export function chatText(payload: ChatEventPayload | undefined): string {
  return (payload?.message?.content ?? []).map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('')
}

/**
 * Connects to the gateway as a trusted local backend and waits for `hello-ok`.
 *
 * @example
 * const op = await connectOperator({ url: gw.url, token: gw.token })
 * const runId = await op.sendChat('clawchat:alice:main', 'hello')
 * const final = await op.waitForChat(runId, ['final', 'error'])
 * console.log(chatText(final)) // ECHO<<hello>>
 * await op.close()
 */
export async function connectOperator(opts: OperatorClientOptions): Promise<OperatorClient> {
  if (typeof opts.url !== 'string' || !/^wss?:\/\//.test(opts.url))
    throw new Error(`connectOperator: option "url" must be a ws:// URL, got ${JSON.stringify(opts.url)}`)
  if (typeof opts.token !== 'string' || opts.token === '')
    throw new Error('connectOperator: option "token" must be a non-empty string')
  if (opts.scopes !== undefined && (!Array.isArray(opts.scopes) || opts.scopes.some((s) => typeof s !== 'string')))
    throw new Error('connectOperator: option "scopes" must be an array of strings')
  const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000
  const events: RecordedEvent[] = []
  const listeners = new Set<() => void>()
  let resolveHello!: (h: Record<string, unknown>) => void
  let rejectHello!: (e: Error) => void
  const helloPromise = new Promise<Record<string, unknown>>((res, rej) => {
    resolveHello = res
    rejectHello = rej
  })

  const client = new GatewayClient({
    url: opts.url,
    token: opts.token,
    clientName: 'gateway-client',
    mode: 'backend',
    role: 'operator',
    clientVersion: '0.0.0-clawchat-e2e',
    platform: process.platform,
    scopes: opts.scopes ?? ['operator.read', 'operator.write'],
    deviceIdentity: null,
    onHelloOk: (hello) => resolveHello(hello as unknown as Record<string, unknown>),
    onConnectError: (err) =>
      rejectHello(new Error(`connectOperator: connect failed: ${err.message.split(opts.token).join('<token>')}`)),
    onEvent: (frame) => {
      events.push({ event: frame.event, payload: frame.payload, at: Date.now() })
      for (const l of listeners) l()
    },
  })
  client.start()
  let timer: NodeJS.Timeout | undefined
  let hello: Record<string, unknown>
  try {
    hello = await Promise.race([
      helloPromise,
      new Promise<never>((_, rej) => {
        timer = setTimeout(
          () => rej(new Error(`connectOperator: no hello-ok from ${opts.url} within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        )
      }),
    ])
  } catch (err) {
    client.stop()
    throw err
  } finally {
    clearTimeout(timer)
  }

  const chatEvents = (runId: string) =>
    events
      .filter((e) => e.event === 'chat' && (e.payload as ChatEventPayload | undefined)?.runId === runId)
      .map((e) => e.payload as ChatEventPayload)

  return {
    client,
    hello,
    events,
    async sendChat(sessionKey, message) {
      const idempotencyKey = randomUUID()
      const res = await client.request<{ runId: string; status: string }>('chat.send', {
        sessionKey,
        message,
        idempotencyKey,
      })
      if (res.status !== 'started')
        throw new Error(`chat.send answered status ${JSON.stringify(res.status)}, expected "started"`)
      return res.runId
    },
    chatEvents,
    waitForChat(runId, states, timeoutMs = 30_000) {
      const find = () => chatEvents(runId).find((p) => states.includes(p.state))
      const hit = find()
      if (hit) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find()
          if (!found) return
          listeners.delete(check)
          clearTimeout(t)
          resolve(found)
        }
        const t = setTimeout(() => {
          listeners.delete(check)
          const seen =
            chatEvents(runId)
              .map((p) => p.state)
              .join(', ') || 'none'
          reject(
            new Error(
              `no chat ${states.join('/')} event for run ${runId} within ${timeoutMs} ms (states seen: ${seen})`,
            ),
          )
        }, timeoutMs)
        listeners.add(check)
      })
    },
    async close() {
      listeners.clear()
      await client.stopAndWait({ timeoutMs: 5000 }).catch(() => client.stop())
    },
  }
}
