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

/**
 * Microseconds of CLOCK_MONOTONIC: one clock for every process on this machine, so a time taken
 * in the mock gateway and one taken in the driver can be subtracted.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n)
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
} as const

/** The send time carried by a stamped chat delta frame, or `undefined`. */
export function readStamp(frame: Buffer): number | undefined {
  const at = frame.indexOf(PATTERN.stamp)
  if (at === -1) return undefined
  const start = at + PATTERN.stamp.length
  const digits = frame.toString('latin1', start, start + STAMP_DIGITS)
  const value = Number(digits)
  return Number.isFinite(value) ? value : undefined
}

/** WebSocket header bytes of an unmasked (server → client) frame carrying `payloadBytes`. */
export function wsHeaderBytes(payloadBytes: number): number {
  if (payloadBytes < 126) return 2
  if (payloadBytes < 65_536) return 4
  return 10
}
