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
    if (Object.prototype.hasOwnProperty.call(source, field) && source[field] !== undefined) out[field] = source[field]
  }
  return out
}
