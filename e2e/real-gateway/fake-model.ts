// A fake OpenAI-compatible model server of our own, on 127.0.0.1, for the real gateway to call.
// Replies are deterministic (derived from the last user message) and switchable per message by
// markers, or from the test by a runtime API. Every request is recorded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  contentText,
  openAiToolCalls,
  parseToolMarkers,
  stripToolMarkers,
  toolResultsAfterLastUser,
  type FakeToolCall,
  type FakeToolResult,
} from './fake-model-tools.js'

export type { FakeToolCall, FakeToolResult } from './fake-model-tools.js'
export { parseToolMarkers } from './fake-model-tools.js'

/** What the fake model does with one chat-completions request. */
export type FakeModelBehaviour =
  /** Answer `ECHO<<text>>` at once (one content chunk when streaming). */
  | { kind: 'echo' }
  /** Stream `chunks` pieces `delayMs` apart: `chunk01 `, `chunk02 `, …, the last one `ECHO<<text>>`. */
  | { kind: 'slow'; chunks: number; delayMs: number }
  /**
   * Answer an HTTP error with an OpenAI error body. 400 (the default) and 404 surface as a chat
   * `error` in about a second and are not retried; 429/500 are retried by the gateway for 65–160 s
   * and 401 disables the provider for 30–60 s (see MORE-BEHAVIOURS.md) — avoid those on a shared
   * gateway.
   */
  | { kind: 'fail'; status: number; message?: string }

/** One request the fake model received. */
export interface FakeModelRequest {
  /** 1, 2, 3… in arrival order. */
  seq: number
  /** `Date.now()` when the request arrived. */
  receivedAt: number
  method: string
  path: string
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  body: unknown
  /**
   * The last user message as the gateway forwarded it ('' when none): the user's text behind a
   * `[Tue 2026-11-24 15:50 UTC] ` timestamp, plus a `Runtime: …` trailer on a session's first
   * message. The gateway's own trailing internal-context user message is skipped.
   */
  lastUserText: string
  /** The user's own text: `lastUserText` without timestamp and trailer. */
  userText: string
  /** `userText` without the `[[…]]` markers, whitespace collapsed: what the reply echoes. */
  echoText: string
  /** Whether the gateway asked for a stream. */
  stream: boolean
  /** The behaviour chosen (chat completions only). */
  behaviour?: FakeModelBehaviour
  /** The tool calls this answer made (`[[TOOL:…]]` markers, first request of a turn); none for a text answer. */
  toolCalls: Array<FakeToolCall & { id: string }>
  /** The `tool` messages after the last real user message: the results of the previous answer's calls. */
  toolResults: FakeToolResult[]
  /** How the answer ended: still streaming, fully sent, failed on purpose, or cut by the caller. */
  outcome: 'pending' | 'completed' | 'failed' | 'client-closed' | 'not-found'
}

export interface FakeModelOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** The model id announced by `GET /v1/models` (default `fake-1`). Any id is accepted in requests. */
  modelId?: string
  /** Behaviour for messages without a marker and with nothing queued (default `{kind:'echo'}`). */
  defaultBehaviour?: FakeModelBehaviour
  /** Chunks and delay of a bare `[[SLOW]]` (default 20 × 300 ms, as in SESSIONS-AND-BROADCAST.md). */
  slowDefaults?: { chunks: number; delayMs: number }
}

export interface FakeModel {
  /** `http://127.0.0.1:<port>/v1`: the `baseUrl` to give the gateway. */
  baseUrl: string
  /** `http://127.0.0.1:<port>` */
  origin: string
  port: number
  /** A copy of every request received so far (chat completions, models, anything else). */
  requests(): FakeModelRequest[]
  /** The chat-completions requests only. */
  chatRequests(): FakeModelRequest[]
  /** Resolves with the first chat request (arrived already or later) whose `lastUserText` contains `text`. */
  waitForChatRequest(text: string, timeoutMs?: number): Promise<FakeModelRequest>
  /** Makes the next chat request (not carrying a marker) behave so; queued in order. */
  enqueue(behaviour: FakeModelBehaviour): void
  /** Changes the behaviour of unmarked messages from now on. */
  setDefaultBehaviour(behaviour: FakeModelBehaviour): void
  /** Forgets recorded requests and queued behaviours (the default behaviour stays). */
  reset(): void
  /** Ends open streams, closes every connection and the server. Idempotent. */
  stop(): Promise<void>
}

/** Markers understood in the last user message. */
export const FAKE_MODEL_MARKERS = {
  /** `[[SLOW]]` or `[[SLOW:<chunks>x<delayMs>]]`, e.g. `[[SLOW:10x200]]`. */
  slow: /\[\[SLOW(?::(\d+)x(\d+))?\]\]/,
  /** `[[FAIL]]` (HTTP 400) or `[[FAIL:<status>]]`, e.g. `[[FAIL:404]]`. */
  fail: /\[\[FAIL(?::(\d{3}))?\]\]/,
  /**
   * `[[TOOL:<name>]] [[ARGS:<json>]]` (one or more): the first answer calls these tools; once their
   * results are back, the text answer (`ECHO<<text>>`, or slow). See `parseToolMarkers`.
   */
  tool: /\[\[TOOL:([A-Za-z0-9_.-]+)\]\]/,
  /**
   * `[[CUTONCE:<id>]]` (with a streamed answer): the first request carrying this marker sends its
   * first piece, then the socket is destroyed 100 ms later (MORE-BEHAVIOURS.md's `[[CUT]]`); every
   * later request carrying the same id (the gateway's retry, whose user text it rewrites) answers in
   * full. The gateway's client sees the partial text, a `replace` delta, then the retried reply.
   */
  cutOnce: /\[\[CUTONCE:([A-Za-z0-9_-]+)\]\]/,
} as const

const ANY_MARKER = /\[\[[A-Z]+(?::[^\]]*)?\]\]/g

/**
 * The full reply text the fake model produces for a message, so tests can predict it. A bare
 * `[[SLOW]]` is computed with the 20 × 300 ms default; pass `behaviour` if the model was started
 * with other `slowDefaults` or the behaviour came from the runtime API.
 *
 * @example
 * fakeModelReply('hi [[SLOW:3x10]]') // 'chunk01 chunk02 ECHO<<hi>>'
 * fakeModelReply('hello')            // 'ECHO<<hello>>'
 */
export function fakeModelReply(userText: string, behaviour?: FakeModelBehaviour): string {
  const echo = `ECHO<<${stripMarkers(userText)}>>`
  const b = behaviour ?? behaviourFromMarkers(userText, { chunks: 20, delayMs: 300 }) ?? { kind: 'echo' }
  if (b.kind === 'slow') return [...slowPieces(b.chunks, echo)].join('')
  return echo
}

/**
 * Starts the fake model on 127.0.0.1.
 *
 * @example
 * const model = await startFakeModel()
 * // give the gateway model.baseUrl; then in a test:
 * model.enqueue({ kind: 'slow', chunks: 10, delayMs: 200 })
 * const req = await model.waitForChatRequest('hello')
 * await model.stop()
 */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`startFakeModel: option "port" must be an integer 0–65535, got ${String(options.port)}`)
  const modelId = options.modelId ?? 'fake-1'
  if (typeof modelId !== 'string' || modelId === '')
    throw new Error('startFakeModel: option "modelId" must be a non-empty string')
  const slowDefaults = options.slowDefaults ?? { chunks: 20, delayMs: 300 }
  validateBehaviour({ kind: 'slow', ...slowDefaults }, 'slowDefaults')
  let defaultBehaviour: FakeModelBehaviour = options.defaultBehaviour ?? { kind: 'echo' }
  validateBehaviour(defaultBehaviour, 'defaultBehaviour')

  const recorded: FakeModelRequest[] = []
  const queue: FakeModelBehaviour[] = []
  const waiters = new Set<{ text: string; resolve: (r: FakeModelRequest) => void }>()
  const sockets = new Set<Socket>()
  const openStreams = new Set<ServerResponse>()
  /** The ids of the `[[CUTONCE:<id>]]` markers whose first answer was cut already. */
  const cutIds = new Set<string>()
  let completionCount = 0
  let stopping = false

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { message: `fake model crashed: ${String(err)}`, type: 'server_error', param: null, code: null },
        })
      else res.destroy()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    let body: unknown
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined
    } catch {
      body = undefined
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const lastUserText = extractLastUserText(body)
    const userText = userTextOf(lastUserText)
    const messages = isObject(body) && Array.isArray(body.messages) ? (body.messages as unknown[]) : []
    const rec: FakeModelRequest = {
      seq: recorded.length + 1,
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      path,
      body,
      lastUserText,
      userText,
      echoText: stripMarkers(userText),
      stream: isObject(body) && body.stream === true,
      toolCalls: [],
      toolResults: toolResultsAfterLastUser(messages, (m) => !isInternalContext(contentText(m.content))),
      outcome: 'pending',
    }
    recorded.push(rec)

    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      rec.outcome = 'completed'
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: modelId, object: 'model', created: 0, owned_by: 'clawchat-fake' }],
      })
      return
    }
    if (req.method !== 'POST' || !(path === '/v1/chat/completions' || path === '/chat/completions')) {
      rec.outcome = 'not-found'
      sendJson(res, 404, {
        error: {
          message: `fake model: no route ${req.method} ${path}`,
          type: 'invalid_request_error',
          param: null,
          code: 'not_found',
        },
      })
      return
    }

    const behaviour = behaviourFromMarkers(userText, slowDefaults) ?? queue.shift() ?? defaultBehaviour
    rec.behaviour = behaviour
    for (const w of waiters) {
      if (lastUserText.includes(w.text)) {
        waiters.delete(w)
        w.resolve({ ...rec })
      }
    }

    if (behaviour.kind === 'fail') {
      rec.outcome = 'failed'
      sendJson(res, behaviour.status, {
        error: {
          message: behaviour.message ?? `Invalid 'messages[1].content': fake bad request from the ClawChat fake model`,
          type:
            behaviour.status === 404
              ? 'invalid_request_error'
              : behaviour.status >= 500
                ? 'server_error'
                : 'invalid_request_error',
          param: null,
          code: behaviour.status === 404 ? 'model_not_found' : null,
        },
      })
      return
    }

    completionCount++
    const id = `chatcmpl-fake-${completionCount}`
    const created = Math.floor(Date.now() / 1000)
    const model = isObject(body) && typeof body.model === 'string' ? body.model : modelId
    if (rec.toolResults.length === 0) {
      let calls: FakeToolCall[]
      try {
        calls = parseToolMarkers(userText).calls
      } catch (err) {
        rec.outcome = 'failed'
        const message = err instanceof Error ? err.message : String(err)
        sendJson(res, 400, { error: { message, type: 'invalid_request_error', param: null, code: null } })
        return
      }
      if (calls.length > 0) {
        const toolCalls = openAiToolCalls(calls, completionCount)
        rec.toolCalls = toolCalls.map((t, i) => ({ ...calls[i]!, id: t.id }))
        answerToolCalls(res, rec, { id, created, model }, toolCalls)
        return
      }
    }
    const echo = `ECHO<<${rec.echoText}>>`
    const pieces = behaviour.kind === 'slow' ? [...slowPieces(behaviour.chunks, echo)] : [echo]
    const fullText = pieces.join('')
    const usage = { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length }

    if (!rec.stream) {
      if (behaviour.kind === 'slow') await sleep(behaviour.chunks * behaviour.delayMs)
      rec.outcome = 'completed'
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: fullText }, finish_reason: 'stop' }],
        usage,
      })
      return
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    openStreams.add(res)
    let closed = false
    res.on('close', () => {
      openStreams.delete(res)
      if (!res.writableFinished) {
        closed = true
        if (rec.outcome === 'pending') rec.outcome = 'client-closed'
      }
    })
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      sse(res, {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })

    const cutId = FAKE_MODEL_MARKERS.cutOnce.exec(userText)?.[1]
    const cutNow = cutId !== undefined && !cutIds.has(cutId)
    if (cutNow) cutIds.add(cutId)
    chunk({ role: 'assistant', content: '' }, null)
    for (let i = 0; i < pieces.length; i++) {
      if (closed || stopping) break
      if (i > 0 && behaviour.kind === 'slow') await sleep(behaviour.delayMs)
      if (closed || stopping) break
      chunk({ content: pieces[i] }, null)
      if (cutNow) {
        await sleep(100)
        rec.outcome = 'failed'
        res.destroy()
        return
      }
    }
    if (closed || stopping) {
      if (!res.writableEnded) res.destroy()
      return
    }
    chunk({}, 'stop')
    sse(res, { id, object: 'chat.completion.chunk', created, model, choices: [], usage })
    res.write('data: [DONE]\n\n')
    rec.outcome = 'completed'
    res.end()
  }

  /** The first answer of a turn with tool markers: the calls, `finish_reason: "tool_calls"`. */
  function answerToolCalls(
    res: ServerResponse,
    rec: FakeModelRequest,
    head: { id: string; created: number; model: string },
    toolCalls: ReturnType<typeof openAiToolCalls>,
  ): void {
    const usage = { prompt_tokens: 10, completion_tokens: toolCalls.length, total_tokens: 10 + toolCalls.length }
    rec.outcome = 'completed'
    if (!rec.stream) {
      const calls = toolCalls.map(({ index: _index, ...c }) => c)
      sendJson(res, 200, {
        ...head,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' },
        ],
        usage,
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      sse(res, { ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })
    chunk({ role: 'assistant', content: null }, null)
    for (const t of toolCalls) {
      chunk({ tool_calls: [{ ...t, function: { name: t.function.name, arguments: '' } }] }, null)
      chunk({ tool_calls: [{ index: t.index, function: { arguments: t.function.arguments } }] }, null)
    }
    chunk({}, 'tool_calls')
    sse(res, { ...head, object: 'chat.completion.chunk', choices: [], usage })
    res.write('data: [DONE]\n\n')
    res.end()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const actualPort = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${actualPort}`
  let stopped: Promise<void> | undefined

  return {
    baseUrl: `${origin}/v1`,
    origin,
    port: actualPort,
    requests: () => recorded.map((r) => ({ ...r })),
    chatRequests: () => recorded.filter((r) => r.behaviour !== undefined).map((r) => ({ ...r })),
    waitForChatRequest(text, timeoutMs = 30_000) {
      const found = recorded.find((r) => r.behaviour !== undefined && r.lastUserText.includes(text))
      if (found) return Promise.resolve({ ...found })
      return new Promise((resolve, reject) => {
        const w = {
          text,
          resolve: (r: FakeModelRequest) => {
            clearTimeout(timer)
            resolve(r)
          },
        }
        const timer = setTimeout(() => {
          waiters.delete(w)
          reject(
            new Error(
              `fake model: no chat request containing ${JSON.stringify(text)} within ${timeoutMs} ms (got ${recorded.length} requests)`,
            ),
          )
        }, timeoutMs)
        waiters.add(w)
      })
    },
    enqueue(behaviour) {
      validateBehaviour(behaviour, 'enqueue(behaviour)')
      queue.push(behaviour)
    },
    setDefaultBehaviour(behaviour) {
      validateBehaviour(behaviour, 'setDefaultBehaviour(behaviour)')
      defaultBehaviour = behaviour
    },
    reset() {
      recorded.length = 0
      queue.length = 0
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopping = true
        for (const r of openStreams) r.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      })
      return stopped
    },
  }
}

/**
 * The text pieces the fake model streams for a message, in order (one piece for an echo, `chunks`
 * pieces for a slow reply; none for a failure), and the behaviour that chose them. Lets another
 * gateway's agent (the mock's) reply exactly as the fake model does.
 *
 * @example
 * fakeModelPieces('hi [[SLOW:3x10]]') // { behaviour: { kind: 'slow', chunks: 3, delayMs: 10 }, pieces: ['chunk01 ', 'chunk02 ', 'ECHO<<hi>>'] }
 */
export function fakeModelPieces(
  userText: string,
  slowDefaults = { chunks: 20, delayMs: 300 },
): { behaviour: FakeModelBehaviour; pieces: string[] } {
  const behaviour = behaviourFromMarkers(userText, slowDefaults) ?? { kind: 'echo' as const }
  const echo = `ECHO<<${stripMarkers(userText)}>>`
  if (behaviour.kind === 'fail') return { behaviour, pieces: [] }
  return { behaviour, pieces: behaviour.kind === 'slow' ? [...slowPieces(behaviour.chunks, echo)] : [echo] }
}

function* slowPieces(chunks: number, echo: string): Generator<string> {
  for (let i = 1; i < chunks; i++) yield `chunk${String(i).padStart(2, '0')} `
  yield echo
}

function behaviourFromMarkers(
  text: string,
  slowDefaults: { chunks: number; delayMs: number },
): FakeModelBehaviour | undefined {
  const fail = FAKE_MODEL_MARKERS.fail.exec(text)
  if (fail) return { kind: 'fail', status: fail[1] ? Number(fail[1]) : 400 }
  const slow = FAKE_MODEL_MARKERS.slow.exec(text)
  if (slow) {
    return slow[1] && slow[2]
      ? { kind: 'slow', chunks: Math.max(1, Number(slow[1])), delayMs: Number(slow[2]) }
      : { kind: 'slow', ...slowDefaults }
  }
  return undefined
}

function stripMarkers(text: string): string {
  return stripToolMarkers(text).replace(ANY_MARKER, '').replace(/\s+/g, ' ').trim()
}

function validateBehaviour(b: FakeModelBehaviour, where: string): void {
  if (!isObject(b)) throw new Error(`fake model: ${where} must be an object with a "kind"`)
  if (b.kind === 'echo') return
  if (b.kind === 'slow') {
    if (!Number.isInteger(b.chunks) || b.chunks < 1 || b.chunks > 10_000)
      throw new Error(`fake model: ${where}.chunks must be an integer 1–10000, got ${String(b.chunks)}`)
    if (!Number.isFinite(b.delayMs) || b.delayMs < 0 || b.delayMs > 60_000)
      throw new Error(`fake model: ${where}.delayMs must be 0–60000, got ${String(b.delayMs)}`)
    return
  }
  if (b.kind === 'fail') {
    if (!Number.isInteger(b.status) || b.status < 400 || b.status > 599)
      throw new Error(`fake model: ${where}.status must be an HTTP error status 400–599, got ${String(b.status)}`)
    return
  }
  throw new Error(
    `fake model: ${where}.kind must be "echo", "slow" or "fail", got ${JSON.stringify((b as { kind?: unknown }).kind)}`,
  )
}

/**
 * The raw text of the last user message of an OpenAI chat body that the user wrote, i.e. skipping
 * the gateway's own trailing `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>` user message.
 */
function extractLastUserText(body: unknown): string {
  if (!isObject(body) || !Array.isArray(body.messages)) return ''
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m: unknown = body.messages[i]
    if (!isObject(m) || m.role !== 'user') continue
    const text = contentText(m.content)
    if (isInternalContext(text)) continue
    return text
  }
  return ''
}

const INTERNAL_CONTEXT_OPEN = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>'
/** The gateway's own trailing user message (not the user's). */
function isInternalContext(text: string): boolean {
  return text.trimStart().startsWith(INTERNAL_CONTEXT_OPEN)
}
/** `[Tue 2026-11-24 15:50 UTC] ` that the gateway puts before the user's text. */
const TIMESTAMP_PREFIX = /^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?: [^\]]*)?\] /
/** `\n\nRuntime: agent=main | session=… | …` that the gateway appends to a session's first message. */
const RUNTIME_SUFFIX = /\n\nRuntime: agent=[\s\S]*$/
/**
 * The sender block the gateway puts before the text of a device-signed client's message (seen with
 * `webchat-ui`/`webchat` in direct mode): ``Conversation info: ⟦openclaw:ctx⟧ ```json {"sender":…} ``` ``.
 */
const CONVERSATION_INFO_PREFIX = /^Conversation info: ⟦openclaw:ctx⟧\s*```[a-z]*\s*[\s\S]*?```\s*/

/**
 * The user's own text inside a user message as the gateway forwards it: without its timestamp
 * prefix, the sender block of device-signed clients and its `Runtime:` trailer.
 *
 * @example
 * userTextOf('[Tue 2026-11-24 15:50 UTC] hi\n\nRuntime: agent=main | …') // 'hi'
 */
export function userTextOf(forwarded: string): string {
  return forwarded.replace(TIMESTAMP_PREFIX, '').replace(CONVERSATION_INFO_PREFIX, '').replace(RUNTIME_SUFFIX, '')
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function sse(res: ServerResponse, data: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`)
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    req.on('error', reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
