/**
 * What the driver and the mock gateway's bench agent agree on: the reply a `chat.send` asks for
 * (encoded in its message text), the send-time stamp carried in a delta's text, and cheap frame
 * classification on raw bytes (a client that parsed every frame would cost more than the relay it
 * measures).
 */

/** The reply a bench `chat.send` asks the mock's agent for. */
export interface ReplySpec {
  /** Number of chunks (= chat deltas) in the reply. */
  chunks: number
  /** Characters per chunk (the cumulative `message` grows by this much per delta). */
  chunkChars: number
  /** Pace each run by itself: one chunk every `periodMs` (0 = as fast as the mock goes). */
  periodMs?: number
  /** Pace all runs together on one gateway-wide grid: one chunk every `slotMs` across all runs. */
  slotMs?: number
  /** Start every chunk with a send-time stamp placeholder (filled in by the mock at send). */
  stamp?: boolean
}

const SPEC_PREFIX = 'bench:'

/** The `chat.send` message that asks for `spec`. */
export function encodeSpec(spec: ReplySpec): string {
  return `${SPEC_PREFIX}${JSON.stringify(spec)}`
}

/** The spec in a `chat.send` message, or `null` for any other message. */
export function decodeSpec(message: string): ReplySpec | null {
  if (!message.startsWith(SPEC_PREFIX)) return null
  try {
    const spec = JSON.parse(message.slice(SPEC_PREFIX.length)) as ReplySpec
    if (!Number.isInteger(spec.chunks) || !Number.isInteger(spec.chunkChars)) return null
    return spec
  } catch {
    return null
  }
}

/** Start of a stamped chunk; the digits that follow are the send time in µs. */
export const STAMP_MARK = '~T~'
/** Digits of a stamp (µs of the monotonic clock, zero-padded). */
export const STAMP_DIGITS = 16
/** The placeholder the agent writes; the mock's send hook replaces it with the time. */
export const STAMP_PLACEHOLDER = `${STAMP_MARK}${'_'.repeat(STAMP_DIGITS)}`
/** Where a stamp sits in a chat delta frame (only `deltaText` is stamped, never `message`). */
export const DELTA_STAMP_KEY = `"deltaText":"${STAMP_MARK}`
/** Where a stamp sits in a lean run head (`clawchat.run`: the run's text so far, from its deltaTexts). */
export const HEAD_STAMP_KEY = `"text":"${STAMP_MARK}`

/**
 * Microseconds of CLOCK_MONOTONIC: one clock for every process on this machine, so a time taken
 * in the mock gateway and one taken in the driver can be subtracted.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Characters of every chunk of `spec` (a stamped chunk is at least the stamp's length). */
export function chunkLength(spec: ReplySpec): number {
  return spec.stamp ? Math.max(spec.chunkChars, STAMP_PLACEHOLDER.length) : spec.chunkChars
}

/** The text of chunk `index` for `spec` (exactly `chunkChars` characters, or the stamp plus filler). */
export function chunkText(spec: ReplySpec, index: number): string {
  const filler = `${String.fromCharCode(97 + (index % 26)).repeat(Math.max(0, spec.chunkChars - 1))} `
  if (!spec.stamp) return filler.slice(0, spec.chunkChars)
  return (STAMP_PLACEHOLDER + filler).slice(0, Math.max(spec.chunkChars, STAMP_PLACEHOLDER.length))
}

const enc = (text: string): Buffer => Buffer.from(text, 'latin1')

/** Byte patterns of the frames a bench client looks for. */
export const PATTERN = {
  chatEvent: enc('"event":"chat"'),
  delta: enc('"state":"delta"'),
  final: enc('"state":"final"'),
  error: enc('"state":"error"'),
  aborted: enc('"state":"aborted"'),
  response: enc('"type":"res"'),
  notOk: enc('"ok":false'),
  stamp: enc(DELTA_STAMP_KEY),
  /** A lean run head (the run's first delta on a lean connection). */
  runHead: enc('"event":"clawchat.run"'),
  headStamp: enc(HEAD_STAMP_KEY),
  stampMark: enc(STAMP_MARK),
} as const

/** `[`: a lean compact delta `[seq, run, "deltaText"(, 1)]` (every other frame is a JSON object). */
export const COMPACT_FRAME_START = 0x5b

/** Where a compact delta's text starts (after `[seq,run,"`), or -1. */
export function compactTextStart(frame: Buffer): number {
  const second = frame.indexOf(0x2c, frame.indexOf(0x2c) + 1)
  return second === -1 ? -1 : second + 2
}

/**
 * Characters of a compact delta's text (the bench's text is ASCII letters, spaces and stamp digits:
 * no escapes), so merged deltas can be counted as the deltas they carry.
 */
export function compactTextChars(frame: Buffer): number {
  const start = compactTextStart(frame)
  if (start < 1) return 0
  const end = frame.lastIndexOf(0x22)
  return Math.max(0, end - start)
}

function stampAt(frame: Buffer, start: number): number | undefined {
  const digits = frame.toString('latin1', start, start + STAMP_DIGITS)
  if (!/^\d+$/.test(digits)) return undefined
  const value = Number(digits)
  return Number.isFinite(value) ? value : undefined
}

/**
 * The send time carried by a stamped chat delta, or `undefined`: an OpenClaw delta's `deltaText`;
 * a lean compact delta's text (merged deltas: the first stamp, the earliest delta); a lean run
 * head's text (its first stamp: the head stands for the run's first delta).
 */
export function readStamp(frame: Buffer): number | undefined {
  if (frame[0] === COMPACT_FRAME_START) {
    const start = compactTextStart(frame)
    if (start < 1 || frame.indexOf(PATTERN.stampMark, start) !== start) return undefined
    return stampAt(frame, start + STAMP_MARK.length)
  }
  const delta = frame.indexOf(PATTERN.stamp)
  if (delta !== -1) return stampAt(frame, delta + PATTERN.stamp.length)
  const head = frame.indexOf(PATTERN.headStamp)
  if (head !== -1) return stampAt(frame, head + PATTERN.headStamp.length)
  return undefined
}

/** WebSocket header bytes of an unmasked (server → client) frame carrying `payloadBytes`. */
export function wsHeaderBytes(payloadBytes: number): number {
  if (payloadBytes < 126) return 2
  if (payloadBytes < 65_536) return 4
  return 10
}
