/** The session every user starts in. */
export const DEFAULT_SESSION_KEY = 'main'

/** The grammar of a browser session key, after lower-casing. */
export const SESSION_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** The result of {@link parseSessionKey}. */
export type SessionKeyResult = { ok: true; key: string } | { ok: false; message: string }

/**
 * Checks and normalises a session key sent by a browser: case-insensitive (lower-cased here),
 * 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit. `undefined` means `main`.
 *
 * @example
 * parseSessionKey('Work')     // { ok: true, key: 'work' }
 * parseSessionKey(undefined)  // { ok: true, key: 'main' }
 * parseSessionKey('a b')      // { ok: false, message: 'sessionKey "a b" is not valid: ...' }
 */
export function parseSessionKey(input: unknown): SessionKeyResult {
  if (input === undefined) return { ok: true, key: DEFAULT_SESSION_KEY }
  if (typeof input !== 'string') {
    return { ok: false, message: `sessionKey must be a string, got ${input === null ? 'null' : typeof input}` }
  }
  const key = input.toLowerCase()
  if (SESSION_KEY_PATTERN.test(key)) return { ok: true, key }
  const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input
  return {
    ok: false,
    message:
      `sessionKey "${shown}" is not valid: ` +
      'use 1 to 64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
  }
}

/**
 * True when `input` is a valid browser session key (case-insensitive).
 *
 * @example
 * isSessionKey('main') // true
 */
export function isSessionKey(input: unknown): input is string {
  return parseSessionKey(input).ok && input !== undefined
}
