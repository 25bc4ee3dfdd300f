// A small shape differ: the field names and JSON types of two values, path by path, with a
// readable list of differences (`$.payload.policy.maxPayload: real number, mock (absent)`).
// Values themselves (ids, timestamps, nonces, text) are not part of a shape.

/** JSON type names: `null`, `boolean`, `number`, `string`, `array`, `object`. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object'

/**
 * Every path of a value with the JSON types seen there. Array elements share one path segment
 * `[]` (their types merge); an empty array has no `[]` path.
 *
 * @example
 * flattenShape({ a: [1, 'x'], b: null })
 * // Map { '$' => {object}, '$.a' => {array}, '$.a[]' => {number, string}, '$.b' => {null} }
 */
export function flattenShape(
  value: unknown,
  path = '$',
  out = new Map<string, Set<JsonType>>(),
): Map<string, Set<JsonType>> {
  const t = jsonType(value)
  let types = out.get(path)
  if (!types) out.set(path, (types = new Set()))
  types.add(t)
  if (t === 'array') for (const item of value as unknown[]) flattenShape(item, `${path}[]`, out)
  if (t === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenShape(v, `${path}.${k}`, out)
  return out
}

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  const t = typeof v
  if (t === 'boolean' || t === 'number' || t === 'string') return t
  return 'object'
}

/** One difference between two shapes. */
export interface ShapeDifference {
  path: string
  /** Types on the first ("real") side, `(absent)` when the path is not there. */
  real: string
  /** Types on the second ("mock") side. */
  mock: string
}

/**
 * The paths where `real` and `mock` differ in presence or type. Below an array that is empty on
 * one side nothing is compared (there is nothing to compare with). Only the first difference under
 * a missing object is reported (not every field inside it).
 *
 * @example
 * shapeDifferences({ a: 1, b: 'x' }, { a: '1' })
 * // [{ path: '$.a', real: 'number', mock: 'string' }, { path: '$.b', real: 'string', mock: '(absent)' }]
 */
export function shapeDifferences(real: unknown, mock: unknown): ShapeDifference[] {
  const r = flattenShape(real)
  const m = flattenShape(mock)
  const paths = [...new Set([...r.keys(), ...m.keys()])].sort()
  const out: ShapeDifference[] = []
  const reportedAbsent: string[] = []
  for (const path of paths) {
    const rt = r.get(path)
    const mt = m.get(path)
    // Under an array empty on one side: unknown, not different.
    if (!rt || !mt) {
      const arrayParent = emptyArrayAncestor(path, rt ? m : r)
      if (arrayParent) continue
      if (reportedAbsent.some((p) => path.startsWith(`${p}.`) || path.startsWith(`${p}[]`))) continue
      reportedAbsent.push(path)
    }
    const rs = rt ? [...rt].sort().join('|') : '(absent)'
    const ms = mt ? [...mt].sort().join('|') : '(absent)'
    if (rs !== ms) out.push({ path, real: rs, mock: ms })
  }
  return out
}

/** Whether some `…[]` ancestor of `path` is absent from `shape` while its array is present (empty). */
function emptyArrayAncestor(path: string, shape: Map<string, Set<JsonType>>): boolean {
  let idx = path.indexOf('[]')
  while (idx !== -1) {
    const arrayPath = path.slice(0, idx)
    if (shape.get(arrayPath)?.has('array') && !shape.has(`${arrayPath}[]`)) return true
    idx = path.indexOf('[]', idx + 2)
  }
  return false
}

/**
 * Whether a difference's path matches a pattern: `*` matches one segment, `**` any number of
 * segments (none included), e.g. `$.payload.**.eventLoop.**`.
 *
 * @example
 * pathMatches('$.payload.**.eventLoop.**', '$.payload.snapshot.health.eventLoop.cpuBreakdown') // true
 * pathMatches('$.payload.*.version', '$.payload.server.version')                               // true
 */
export function pathMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split(/(\.\*\*|\*)/)
    .map((part) =>
      part === '.**' ? '(?:\\..*)?' : part === '*' ? '[^.]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('')
  return new RegExp(`^${source}$`).test(path)
}
