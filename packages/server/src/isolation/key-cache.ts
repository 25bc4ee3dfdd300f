/**
 * A small bounded memo of the gateway's identifiers taken apart: every streamed event carries the
 * same `sessionKey` and `runId` strings over and over, and taking them apart (base32-decoding the
 * user id, checking its canonical form) was a sizeable share of the relay's CPU. The parsers stay
 * the pure functions of `session-keys.ts`; this only remembers their answers (including `null`) for
 * the last few thousand distinct strings of one namespace. The answers are frozen: they are shared.
 */
import { parseGatewaySessionKey, parseUpstreamRunId, type ParsedRunId, type ParsedSessionKey } from './session-keys.js'

/** How many distinct strings each memo keeps; past that the oldest are forgotten. */
export const KEY_CACHE_MAX = 4096

/** Takes a namespace's gateway session keys and upstream run ids apart. */
export interface KeyParser {
  readonly namespace: string
  sessionKey(key: unknown): ParsedSessionKey | null
  runId(runId: unknown): ParsedRunId | null
}

/** Remembers `parse`'s answers for up to `max` distinct strings (oldest first out). */
function memo<T extends object>(parse: (value: string) => T | null, max: number): (value: unknown) => T | null {
  const seen = new Map<string, T | null>()
  // The last string asked for: an event asks for its run id again (its browser run id), and a
  // run's `agent` twin follows its `chat` delta; comparing is cheaper than hashing a fresh string.
  let lastValue: string | undefined
  let lastAnswer: T | null = null
  return (value) => {
    if (typeof value !== 'string') return null
    if (value === lastValue) return lastAnswer
    let answer = seen.get(value)
    if (answer === undefined) {
      const parsed = parse(value)
      answer = parsed === null ? null : Object.freeze(parsed)
      if (seen.size >= max) {
        // Oldest first: a Map iterates in insertion order.
        const oldest = seen.keys().next()
        if (!oldest.done) seen.delete(oldest.value)
      }
      seen.set(value, answer)
    }
    lastValue = value
    lastAnswer = answer
    return answer
  }
}

/**
 * A parser that remembers its answers, for one namespace.
 *
 * @example
 * const keys = new KeyCache('clawchat')
 * keys.sessionKey('agent:main:clawchat:mfwgsy3f:main') // { userId: 'alice', sessionKey: 'main' }
 */
export class KeyCache implements KeyParser {
  readonly sessionKey: (key: unknown) => ParsedSessionKey | null
  readonly runId: (runId: unknown) => ParsedRunId | null

  constructor(
    readonly namespace: string,
    max: number = KEY_CACHE_MAX,
  ) {
    this.sessionKey = memo((key) => parseGatewaySessionKey(namespace, key), max)
    this.runId = memo((runId) => parseUpstreamRunId(namespace, runId), max)
  }
}
