/**
 * The checks every option group shares: the error that names a bad option (never echoing more than
 * 80 characters of its value), unknown keys, and integer options with a default.
 */

/** The name every option error starts with. */
export const NAME = 'clawchatProxy'

/**
 * The error for a bad option: `clawchatProxy: option "<option>" <expectation>, got <value>`.
 *
 * @example
 * bad('path', 'must be a URL path like "/clawchat"', 'chat') // … got "chat"
 */
export function bad(option: string, expectation: string, got: unknown): TypeError {
  let shown: string
  if (typeof got === 'function') shown = 'a function'
  else if (got === undefined) shown = 'undefined'
  else {
    try {
      shown = JSON.stringify(got) ?? String(got)
    } catch {
      shown = String(got)
    }
    if (shown.length > 80) shown = `${shown.slice(0, 80)}…`
  }
  return new TypeError(`${NAME}: option "${option}" ${expectation}, got ${shown}`)
}

/**
 * Throws for the first key of `given` that is not in `known`; `prefix` is the group's name with
 * its dot (`'policy.'`), or `''` for the top level.
 *
 * @example
 * rejectUnknown({ tokn: 'x' }, ['url', 'token'], 'gateway.') // unknown option "gateway.tokn"; known: url, token
 */
export function rejectUnknown(given: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue
    const list = `${prefix === '' ? 'known options' : 'known'}: ${known.join(', ')}`
    throw new TypeError(`${NAME}: unknown option "${prefix}${key}"; ${list}`)
  }
}

/**
 * An integer option: `fallback` when not given, else `value` if it is a safe integer that `fits`.
 *
 * @example
 * integerOption('gateway.requestTimeoutMs', 5, 30_000, (n) => n >= 100, 'must be … at least 100')
 * // throws: clawchatProxy: option "gateway.requestTimeoutMs" must be … at least 100, got 5
 */
export function integerOption(
  option: string,
  value: unknown,
  fallback: number,
  fits: (n: number) => boolean,
  expectation: string,
): number {
  const n = value === undefined ? fallback : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || !fits(n)) throw bad(option, expectation, n)
  return n
}
