/**
 * The lean wire (cap {@link LEAN_CAP}): a reply's text travels once, as new text only.
 *
 * OpenClaw's `chat` delta repeats the whole reply so far in `message`, and its `agent` event of
 * stream `assistant` repeats it again, so a reply costs bytes in the square of its length. A browser
 * that names {@link LEAN_CAP} in `connect` gets instead, for each run:
 *
 * 1. one {@link CLAWCHAT_RUN_EVENT} event (a normal event frame, with `seq`) in place of the run's
 *    first delta on this connection — again after a reconnect — numbering the run on this
 *    connection and carrying the whole text so far ({@link LeanRunHead});
 * 2. then each delta as a compact frame, a JSON array {@link LeanDeltaFrame}
 *    `[seq, run, deltaText]` (or `[seq, run, deltaText, 1]` when the text starts over with
 *    `deltaText`); `seq` is the connection's event `seq`, shared with event frames, so a gap shows;
 *    consecutive deltas of one run that wait in the same outbound write are merged into one frame;
 * 3. the run's `chat` `final` as OpenClaw sends it, except that when its message is one text part
 *    equal to the text the deltas carried, that part is left out (`message.content` is omitted) and
 *    `textCheck` ({@link LeanTextCheck}) lets the browser check that it has the whole text.
 *
 * `agent` events of stream `assistant` (the text twins) are not sent unless the browser also names
 * {@link ASSISTANT_EVENTS_CAP}; every other `agent` stream, `chat` `status`/`error`/`aborted`
 * and every other event keep OpenClaw's shape. After a gap, `clawchat.runs` answers the text so far
 * of the user's runs in progress ({@link ClawChatRunsResult}). A browser that does not name the cap
 * gets OpenClaw's frames unchanged.
 *
 * @example
 * connect({ ..., caps: [...SDK_CAPS] })                // SDK_CAPS includes LEAN_CAP
 * parseLeanDelta('[12,1,"Hello"]')                     // { seq: 12, run: 1, deltaText: 'Hello', replace: false }
 * encodeLeanDelta(13, 1, ' world', false)              // '[13,1," world"]'
 * textCheck('Hello world')                             // { length: 11, fnv1a: … }
 */

/** Lean chat deltas (this file). */
export const LEAN_CAP = 'clawchat.lean'
/** With {@link LEAN_CAP}: `agent` events of stream `assistant` are still sent. */
export const ASSISTANT_EVENTS_CAP = 'clawchat.assistant-events'

/** The event that numbers a run on a lean connection and carries its text so far. */
export const CLAWCHAT_RUN_EVENT = 'clawchat.run'

/** Payload of {@link CLAWCHAT_RUN_EVENT}. */
export interface LeanRunHead {
  /** The run's number on this connection (1, 2, …), used by its compact deltas. */
  run: number
  /** The browser's run id (its `idempotencyKey`). */
  runId: string
  /** The browser's session key. */
  sessionKey: string
  /** The whole text so far, this event's delta included. */
  text: string
  /** The delta this head stands for started the text over. */
  replace?: true
}

/** A compact delta, as read. */
export interface LeanDelta {
  /** The connection's event `seq`. */
  seq: number
  /** The run's number on this connection ({@link LeanRunHead.run}). */
  run: number
  /** The new text. */
  deltaText: string
  /** The text starts over with `deltaText`. */
  replace: boolean
}

/** A compact delta on the wire: `[seq, run, deltaText]` or `[seq, run, deltaText, 1]` (replace). */
export type LeanDeltaFrame = [number, number, string] | [number, number, string, 1]

/** What a lean `final` carries instead of the text the browser already has. */
export interface LeanTextCheck {
  /** The text's length in UTF-16 code units. */
  length: number
  /** FNV-1a (32 bits) over the text's UTF-16 code units. */
  fnv1a: number
}

/** Params of `clawchat.runs` (none). */
export type ClawChatRunsParams = Record<string, never>

/** One run in progress of the caller, as far as this connection was sent it. */
export interface LeanRunText {
  runId: string
  sessionKey: string
  /** The text so far: everything the connection was sent of it up to {@link ClawChatRunsResult.seq}. */
  text: string
}

/** Result of `clawchat.runs`. */
export interface ClawChatRunsResult {
  runs: LeanRunText[]
  /** The last event `seq` sent on this connection before this answer: the texts cover every event up to it. */
  seq: number
}

/**
 * Serialises a compact delta.
 *
 * @example
 * encodeLeanDelta(7, 2, 'Hi', true) // '[7,2,"Hi",1]'
 */
export function encodeLeanDelta(seq: number, run: number, deltaText: string, replace: boolean): string {
  return `[${seq},${run},${JSON.stringify(deltaText)}${replace ? ',1]' : ']'}`
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * Reads a compact delta from a parsed JSON value: the delta, or a sentence saying what is wrong.
 *
 * @example
 * readLeanDelta([3, 1, 'abc'])  // { ok: true, delta: { seq: 3, run: 1, deltaText: 'abc', replace: false } }
 * readLeanDelta([3, 'x'])       // { ok: false, message: 'invalid lean delta: expected [seq, run, deltaText] …' }
 */
export function readLeanDelta(value: unknown): { ok: true; delta: LeanDelta } | { ok: false; message: string } {
  if (
    Array.isArray(value) &&
    (value.length === 3 || (value.length === 4 && value[3] === 1)) &&
    isCount(value[0]) &&
    isCount(value[1]) &&
    typeof value[2] === 'string'
  ) {
    return { ok: true, delta: { seq: value[0], run: value[1], deltaText: value[2], replace: value.length === 4 } }
  }
  return {
    ok: false,
    message:
      'invalid lean delta: expected [seq, run, deltaText] or [seq, run, deltaText, 1] (see @clawchat/protocol lean.ts)',
  }
}

/**
 * Reads a compact delta from its JSON text.
 *
 * @example
 * parseLeanDelta('[12,1,"Hello"]') // { ok: true, delta: { seq: 12, run: 1, deltaText: 'Hello', replace: false } }
 */
export function parseLeanDelta(text: string): { ok: true; delta: LeanDelta } | { ok: false; message: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, message: 'invalid lean delta: not JSON' }
  }
  return readLeanDelta(value)
}

/**
 * The check a lean `final` carries for `text`.
 *
 * @example
 * textCheck('') // { length: 0, fnv1a: 2166136261 }
 */
export function textCheck(text: string): LeanTextCheck {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return { length: text.length, fnv1a: hash >>> 0 }
}

/**
 * Does `text` pass `check`?
 *
 * @example
 * matchesCheck('Hi', textCheck('Hi')) // true
 */
export function matchesCheck(text: string, check: LeanTextCheck): boolean {
  if (text.length !== check.length) return false
  return textCheck(text).fnv1a === check.fnv1a
}
