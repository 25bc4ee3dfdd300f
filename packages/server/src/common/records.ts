/** Small helpers for the JSON objects every part of the proxy reads. */

/** A JSON object as parsed: keys to unknown values. */
export type Json = Record<string, unknown>

/**
 * True for a plain object (not an array, not null).
 *
 * @example
 * isRecord({ a: 1 }) // true
 * isRecord([1]) // false
 */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A copy of `source` with only `fields`, skipping `undefined`.
 *
 * @example
 * pick({ a: 1, b: 2, c: undefined }, ['a', 'c']) // { a: 1 }
 */
export function pick(source: Json, fields: readonly string[]): Json {
  const out: Json = {}
  for (const field of fields) {
    // The value first: most fields are absent, and one lookup rules them out (a present one must be own).
    const value = source[field]
    if (value !== undefined && Object.hasOwn(source, field)) out[field] = value
  }
  return out
}
