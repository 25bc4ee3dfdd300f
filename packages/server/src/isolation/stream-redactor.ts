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
 */

/** What stands where a secret was. */
export const REDACTED = '[redacted]'

/** What the gateway appends to a history text it cut to `maxChars`. */
const TRUNCATION_MARKER = '\n...(truncated)...'

type Json = Record<string, unknown>

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The secrets to look for, longest first, with what the scans need. */
class Secrets {
  readonly list: readonly string[]
  /** Longest secret length minus one: the most a tail can hold back. */
  readonly maxTail: number
  private readonly firsts: Set<number>

  constructor(secrets: readonly (string | undefined)[]) {
    const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))]
    list.sort((a, b) => b.length - a.length)
    this.list = list
    this.maxTail = list.length > 0 ? list[0]!.length - 1 : 0
    this.firsts = new Set(list.map((s) => s.charCodeAt(0)))
  }

  /** The first occurrence of any secret in `text` at or after `from`: [index, length], or null. */
  find(text: string, from: number): [number, number] | null {
    let best: [number, number] | null = null
    for (const secret of this.list) {
      const at = text.indexOf(secret, from)
      if (at !== -1 && (best === null || at < best[0])) best = [at, secret.length]
    }
    return best
  }

  /**
   * The earliest index `q >= from` where `text.slice(q)` is a proper prefix of a secret (a tail
   * that could still become one); `text.length` when none. Looks at the last `maxTail` characters only.
   */
  holdFrom(text: string, from: number): number {
    const end = text.length
    for (let q = Math.max(from, end - this.maxTail); q < end; q += 1) {
      if (!this.firsts.has(text.charCodeAt(q))) continue
      const rest = end - q
      for (const secret of this.list) {
        if (secret.length <= rest) continue
        let k = 0
        while (k < rest && secret.charCodeAt(k) === text.charCodeAt(q + k)) k += 1
        if (k === rest) return q
      }
    }
    return end
  }

  /** True when `text` can pass as is: no secret in it, and no tail that could start one. */
  isClean(text: string): boolean {
    return this.find(text, 0) === null && this.holdFrom(text, 0) === text.length
  }
}

/** What {@link scan} made of a text: the output before and after `boundary`, and the held tail. */
interface Scanned {
  /** Output that comes from characters before `boundary` only (plain text). */
  before: string
  /** The rest of the output (a placeholder that spans the boundary belongs here). */
  after: string
  /** The raw tail held back (empty when `final`). */
  held: string
  /** True when a secret was replaced. */
  redacted: boolean
}

/** Replaces secrets in `text` (leftmost first) and, unless `final`, holds back a tail that could become one. */
function scan(secrets: Secrets, text: string, boundary: number, final: boolean): Scanned {
  let before = ''
  let after = ''
  let redacted = false
  const plain = (from: number, to: number) => {
    if (from < boundary) before += text.slice(from, Math.min(to, boundary))
    if (to > boundary) after += text.slice(Math.max(from, boundary), to)
  }
  let i = 0
  for (;;) {
    const hold = final ? text.length : secrets.holdFrom(text, i)
    const found = secrets.find(text, i)
    if (found && found[0] < hold) {
      plain(i, found[0])
      if (found[0] + found[1] > boundary) after += REDACTED
      else before += REDACTED
      redacted = true
      i = found[0] + found[1]
      continue
    }
    plain(i, hold)
    return { before, after, held: text.slice(hold), redacted }
  }
}

/** One text stream of one run (`chat` or `agent`), as far as the browsers were sent it. */
interface TextStream {
  /** Raw characters of the current segment seen so far (sent or held). */
  rawLen: number
  /** Raw tail not sent yet: a proper prefix of a secret. */
  held: string
  /** True once a secret was replaced in the current segment. */
  redacted: boolean
  /** The segment's text as sent, while it differs from the raw text (a tail held or a secret replaced). */
  sent: string | null
  /** The agent stream's current item. */
  itemId?: unknown
}

/** One step of a stream: the new delta, the whole text so far, whether it starts over. */
interface Step {
  delta: string | undefined
  full: string | undefined
  /** The text starts over (`replace: true`): a held tail is dropped with the old text. */
  reset: boolean
  /** A new agent item: the text starts over, but joined deltas go on (a held tail goes first). */
  newItem: boolean
}

/**
 * What to send for a step: `null` when the event passes unchanged; `text` is the whole text so far
 * (`undefined`: leave the event's own; `null`: not known safely, drop it).
 */
type Sent = { delta: string; text: string | undefined | null } | null

/** Most streams remembered at once (runs that never ended, e.g. the gateway restarted): oldest dropped. */
const MAX_STREAMS = 4096

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

  constructor(secrets: readonly (string | undefined)[]) {
    this.secrets = new Secrets(secrets)
  }

  /**
   * A `chat.history` answer with the secrets that only the text parts of one of its messages form
   * together replaced (a browser joins them); the same object when there are none. A secret inside
   * one string is left to the frame's own redaction.
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
    return changed ? { ...payload, messages } : payload
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
    const sent = this.step(this.chats, runId, this.chats.get(runId), {
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
    const sent = this.step(this.agents, runId, previous, {
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

  /** Advances one stream by one event. */
  private step(streams: Map<string, TextStream>, runId: string, known: TextStream | undefined, step: Step): Sent {
    let stream = known
    if (!stream) {
      // A stream seen from its middle (the proxy started late): what came before is not ours to hold.
      const seen =
        step.full !== undefined && step.delta !== undefined && !step.reset
          ? Math.max(0, step.full.length - step.delta.length)
          : 0
      stream = { rawLen: seen, held: '', redacted: false, sent: null }
      remember(streams, runId, stream)
    }
    const restart = step.reset || step.newItem
    let delta: string
    let carried = '' // a held tail that goes on into a new item's joined deltas
    if (restart) {
      carried = step.newItem ? stream.held : ''
      stream.rawLen = 0
      stream.held = ''
      stream.redacted = false
      stream.sent = ''
      delta = step.full ?? step.delta ?? ''
    } else if (step.delta === undefined) {
      delta = step.full !== undefined && step.full.length > stream.rawLen ? step.full.slice(stream.rawLen) : ''
    } else if (step.full !== undefined && step.full.length > stream.rawLen + step.delta.length) {
      delta = step.full.slice(stream.rawLen) // deltas were merged or skipped: the whole text is the truth
    } else {
      delta = step.delta
    }

    if (carried === '' && stream.held === '' && !stream.redacted && this.secrets.isClean(delta)) {
      // The fast path: everything sent so far is the raw text, and so is this step's.
      stream.rawLen += delta.length
      stream.sent = null
      return step.delta === delta ? null : { delta, text: undefined }
    }
    // The text as sent before this step: kept while it differs from the raw text, else the raw text
    // minus the held tail (unknown when a secret was replaced in a step that carried no text).
    const base = stream.sent ?? (stream.redacted ? undefined : step.full?.slice(0, stream.rawLen - stream.held.length))
    const scanned = scan(this.secrets, carried + stream.held + delta, carried.length, false)
    const text = base === undefined ? undefined : base + scanned.after
    stream.rawLen += delta.length
    stream.held = scanned.held
    stream.redacted ||= scanned.redacted
    stream.sent = stream.redacted || stream.held !== '' ? (text ?? null) : null
    return { delta: scanned.before + scanned.after, text: text ?? (stream.redacted ? null : undefined) }
  }
}

/** Remembers a new stream, forgetting the oldest one past {@link MAX_STREAMS}. */
function remember(streams: Map<string, TextStream>, runId: string, stream: TextStream): void {
  if (streams.size >= MAX_STREAMS) {
    const oldest = streams.keys().next().value
    if (oldest !== undefined) streams.delete(oldest)
  }
  streams.set(runId, stream)
}

/** The run fields of an agent payload, for an event the redactor adds. */
function pickRun(payload: Json): Json {
  const out: Json = {}
  for (const field of ['runId', 'sessionKey', 'seq', 'ts'])
    if (payload[field] !== undefined) out[field] = payload[field]
  return out
}

/** The text of a message as the SDK reads it: a string content, or its text parts joined. */
function textOf(message: unknown): string | undefined {
  if (!isRecord(message)) return undefined
  const content = message.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return undefined
  let text = ''
  for (const part of content)
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text
  return text
}

/** A copy of `message` whose text (as {@link textOf} reads it) is `text`: in the first text part, the others emptied. */
function withText(message: unknown, text: string): unknown {
  if (!isRecord(message)) return message
  if (typeof message.content === 'string') return { ...message, content: text }
  if (!Array.isArray(message.content)) return message
  let placed = false
  const content = message.content.map((part: unknown) => {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return part
    const out = { ...part, text: placed ? '' : text }
    placed = true
    return out
  })
  if (!placed) content.push({ type: 'text', text })
  return { ...message, content }
}

/**
 * `message` with every secret that its text parts only form together (a browser joins them, like
 * the SDK's `messageText`) replaced: the placeholder goes where the secret starts, the rest of it is
 * cut from the parts that follow. The same object when there is nothing to do (one text part: the
 * frame's own redaction covers it).
 */
function redactAcrossParts(secrets: Secrets, message: unknown): unknown {
  if (!isRecord(message) || !Array.isArray(message.content)) return message
  const parts: Array<{ index: number; text: string }> = []
  message.content.forEach((part: unknown, index: number) => {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') parts.push({ index, text: part.text })
  })
  if (parts.length < 2) return message
  const joined = parts.map((p) => p.text).join('')
  let found = secrets.find(joined, 0)
  if (found === null) return message
  // Where each character of `joined` goes: keep, cut, or (the first of a secret) the placeholder.
  const cuts: Array<[number, number]> = []
  while (found !== null) {
    cuts.push(found)
    found = secrets.find(joined, found[0] + found[1])
  }
  const content = [...message.content]
  let offset = 0
  for (const part of parts) {
    const start = offset
    const end = offset + part.text.length
    offset = end
    let text = ''
    let at = start
    for (const [cutStart, cutLength] of cuts) {
      const cutEnd = cutStart + cutLength
      if (cutEnd <= at || cutStart >= end) continue
      text += joined.slice(at, Math.max(at, cutStart))
      if (cutStart >= start) text += REDACTED
      at = Math.min(end, cutEnd)
    }
    text += joined.slice(at, end)
    if (text !== part.text) content[part.index] = { ...(content[part.index] as Json), text }
  }
  return { ...message, content }
}
