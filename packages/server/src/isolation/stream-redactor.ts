/**
 * Redaction of the text STREAMS of runs (issue 16.5). The per-frame redactor replaces a secret
 * that is whole inside one frame; an agent that prints the gateway token in two deltas gets past it,
 * since a browser joins the `deltaText`s (and the `agent` twins' `delta`s) back into the token. So
 * the router passes each run's text through a {@link StreamRedactor} once per event, before the
 * fan-out: a secret is replaced by `[redacted]` in the text stream itself, and while a run streams,
 * a tail that could still become a secret (a proper prefix of one, at most secretLength-1
 * characters) is held back, then sent with the next delta — or dropped when the text starts over.
 * `deltaText` and `message` (the whole text so far) stay consistent with each other: joining the
 * deltas gives exactly the message's text. Finals carry the whole text (whole-frame redaction
 * covers them); an agent stream's held tail is sent in an `assistant` event of its own just
 * before its run's lifecycle `end`/`error`.
 *
 * Fast path: a delta without any secret in it whose end cannot start one (no character among the
 * last secretLength-1 starts a secret prefix) passes through as the same object, with no copy.
 *
 * The parts: `secret-scan.ts` finds secrets in text, `text-stream.ts` advances one run's stream,
 * `message-text.ts` reads and rewrites a message's text, `tool-redaction.ts` covers what the run's
 * tools print (`tool` results, `command_output`); this file ties them to the gateway's events.
 */

import { isRecord, type Json } from '../common/records.js'
import { TRUNCATION_MARKER, redactAcrossParts, textOf, withText } from './message-text.js'
import { REDACTED, Secrets } from './secret-scan.js'
import { advanceStream, type TextStream } from './text-stream.js'
import { ToolOutputRedactor } from './tool-redaction.js'

export { REDACTED }

/**
 * Per-run stream redaction, for the router (one instance per proxy, one call per gateway event).
 *
 * @example
 * const streams = new StreamRedactor([token])
 * link.on('event', (frame) => {
 *   for (const payload of streams.redact(frame.event, frame.payload)) fanOut(frame.event, payload)
 * })
 */
export class StreamRedactor {
  private readonly secrets: Secrets
  /** The `chat` and the `agent` streams of the runs, by upstream run id. */
  private readonly chats = new Map<string, TextStream>()
  private readonly agents = new Map<string, TextStream>()
  /** What the runs' tools print. */
  private readonly tools: ToolOutputRedactor

  constructor(secrets: readonly (string | undefined)[]) {
    this.secrets = new Secrets(secrets)
    this.tools = new ToolOutputRedactor(this.secrets)
  }

  /**
   * A `chat.history` answer with the secrets that only the text parts of one of its messages form
   * together replaced (a browser joins them), and its run in progress without a tail that could
   * start a secret; the same object when there are none. A secret inside one string is left to the
   * frame's own redaction.
   *
   * @example
   * conn.respond(id, method === 'chat.history' ? streams.history(payload) : payload)
   */
  history(payload: unknown): unknown {
    if (this.secrets.list.length === 0 || !isRecord(payload) || !Array.isArray(payload.messages)) return payload
    let changed = false
    const messages = payload.messages.map((m: unknown) => {
      let out = redactAcrossParts(this.secrets, m)
      // A text the gateway cut short (`maxChars`) may end in the first characters of a secret.
      if (isRecord(out) && out.truncated === true) {
        const text = textOf(out)
        const trimmed = text === undefined ? text : this.trimCut(text)
        if (trimmed !== text && trimmed !== undefined) out = withText(out, trimmed)
      }
      if (out !== m) changed = true
      return out
    })
    const inFlight = this.inFlightRun(payload.inFlightRun)
    if (!changed && inFlight === payload.inFlightRun) return payload
    return { ...payload, messages, ...(inFlight === undefined ? {} : { inFlightRun: inFlight }) }
  }

  /**
   * A run's text in progress (`chat.history`'s `inFlightRun`) is a text cut short, like a stream's:
   * it may end in the first characters of a secret, which are held back (the same object when not).
   */
  private inFlightRun(run: unknown): unknown {
    if (!isRecord(run) || typeof run.text !== 'string') return run
    const text = this.trimCut(run.text)
    return text === run.text ? run : { ...run, text }
  }

  /**
   * A `sessions.list` answer whose previews (`lastMessagePreview`, a message cut short) end in no
   * first characters of a secret; the same object when none does.
   */
  sessionsList(payload: unknown): unknown {
    if (this.secrets.list.length === 0 || !isRecord(payload) || !Array.isArray(payload.sessions)) return payload
    let changed = false
    const sessions = payload.sessions.map((row: unknown) => {
      if (!isRecord(row) || typeof row.lastMessagePreview !== 'string') return row
      const preview = this.trimCut(row.lastMessagePreview)
      if (preview === row.lastMessagePreview) return row
      changed = true
      return { ...row, lastMessagePreview: preview }
    })
    return changed ? { ...payload, sessions } : payload
  }

  /**
   * A text that was cut short (before the gateway's "\n...(truncated)..." marker, or at its end),
   * without a tail that could be the start of a secret: the rest of the secret is gone, so the
   * per-frame redaction cannot see it, but its start must not show either.
   */
  private trimCut(text: string): string {
    const marked = text.endsWith(TRUNCATION_MARKER)
    const body = marked ? text.slice(0, -TRUNCATION_MARKER.length) : text
    const keep = this.secrets.holdFrom(body, 0)
    if (keep >= body.length) return text
    return body.slice(0, keep) + (marked ? TRUNCATION_MARKER : '')
  }

  /** How many run streams are remembered (for tests and monitoring). */
  get size(): number {
    return this.chats.size + this.agents.size
  }

  /**
   * The payloads to deliver for one gateway event: usually `[payload]` itself; a copy when its text
   * had to change; before an agent run's lifecycle `end`/`error`, an `assistant` event with the
   * tail it held back.
   */
  redact(event: string, payload: Json): Json[] {
    if (this.secrets.list.length === 0 || typeof payload.runId !== 'string') return [payload]
    if (event === 'chat') return [this.chat(payload.runId, payload)]
    if (event === 'agent') return this.agent(payload.runId, payload)
    return [payload]
  }

  private chat(runId: string, payload: Json): Json {
    if (payload.state !== 'delta') {
      if (payload.state === 'final' || payload.state === 'aborted' || payload.state === 'error')
        this.chats.delete(runId)
      const message = redactAcrossParts(this.secrets, payload.message)
      return message === payload.message ? payload : { ...payload, message }
    }
    const full = textOf(payload.message)
    const sent = advanceStream(this.secrets, this.chats, runId, this.chats.get(runId), {
      delta: typeof payload.deltaText === 'string' ? payload.deltaText : undefined,
      full,
      reset: payload.replace === true,
      newItem: false,
    })
    if (sent === null) return payload
    const out: Json = { ...payload, deltaText: sent.delta }
    if (sent.text === null) delete out.message
    else if (sent.text !== undefined && payload.message !== undefined)
      out.message = withText(payload.message, sent.text)
    return out
  }

  private agent(runId: string, payload: Json): Json[] {
    const data = payload.data
    if (!isRecord(data)) return [payload]
    if (payload.stream === 'tool' || payload.stream === 'command_output') return [this.tools.redact(payload)]
    if (payload.stream === 'lifecycle' && (data.phase === 'end' || data.phase === 'error')) {
      const stream = this.agents.get(runId)
      this.agents.delete(runId)
      if (!stream || stream.held === '') return [payload]
      // The run is over: what was held back cannot become a secret any more.
      const text = stream.sent === null ? undefined : stream.sent + stream.held
      const released: Json = {
        ...pickRun(payload),
        stream: 'assistant',
        data: text === undefined ? { delta: stream.held } : { text, delta: stream.held },
      }
      return [released, payload]
    }
    if (payload.stream !== 'assistant') return [payload]
    const previous = this.agents.get(runId)
    const newItem =
      data.replace !== true &&
      previous?.itemId !== undefined &&
      data.itemId !== undefined &&
      data.itemId !== previous.itemId
    const sent = advanceStream(this.secrets, this.agents, runId, previous, {
      delta: typeof data.delta === 'string' ? data.delta : undefined,
      full: typeof data.text === 'string' ? data.text : undefined,
      reset: data.replace === true,
      newItem,
    })
    const stream = previous ?? this.agents.get(runId)
    if (stream) stream.itemId = data.itemId
    if (sent === null) return [payload]
    const outData: Json = { ...data, delta: sent.delta }
    if (sent.text === null) delete outData.text
    else if (sent.text !== undefined && typeof data.text === 'string') outData.text = sent.text
    return [{ ...payload, data: outData }]
  }
}

/** The run fields of an agent payload, for an event the redactor adds. */
function pickRun(payload: Json): Json {
  const out: Json = {}
  for (const field of ['runId', 'sessionKey', 'seq', 'ts'])
    if (payload[field] !== undefined) out[field] = payload[field]
  return out
}
