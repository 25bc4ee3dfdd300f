import { expect } from 'vitest'

/**
 * A value's shape: field names and JSON types, recursively; arrays by the merged shape of their
 * elements. Values themselves (ids, timestamps, nonces, text) are not part of it.
 */
export type Shape = string | { [key: string]: Shape } | { '[]': Shape }

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

const OPTIONAL = '?'

function bare(key: string): string {
  return key.startsWith(OPTIONAL) ? key.slice(1) : key
}

/**
 * Merges two shapes: types become unions (`null|number`), and an object key present on one side
 * only becomes optional (stored as `?key`), so several samples describe what may vary.
 */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (a === 'empty') return b
  if (b === 'empty') return a
  if (typeof a === 'string' || typeof b === 'string') {
    if (typeof a === 'string' && typeof b === 'string') {
      return [...new Set([...a.split('|'), ...b.split('|')])].sort().join('|')
    }
    return typeof a === 'string' ? a : b
  }
  if ('[]' in a && '[]' in b) return { '[]': mergeShapes(a['[]'] as Shape, b['[]'] as Shape) }
  const ao = a as Record<string, Shape>
  const bo = b as Record<string, Shape>
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)].map(bare))
  const out: Record<string, Shape> = {}
  for (const k of keys) {
    const av = ao[k] ?? ao[OPTIONAL + k]
    const bv = bo[k] ?? bo[OPTIONAL + k]
    const optional = !(k in ao) || !(k in bo)
    const merged = av !== undefined && bv !== undefined ? mergeShapes(av, bv) : ((av ?? bv) as Shape)
    out[optional ? OPTIONAL + k : k] = merged
  }
  return out
}

/** The {@link Shape} of a JSON value. */
export function shapeOf(value: unknown): Shape {
  const t = typeName(value)
  if (t === 'array') {
    const items = value as unknown[]
    return { '[]': items.length === 0 ? 'empty' : items.map(shapeOf).reduce(mergeShapes) }
  }
  if (t === 'object') {
    const out: Record<string, Shape> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = shapeOf(v)
    return out
  }
  return t
}

/** Options of {@link shapeDiff}. */
export interface ShapeDiffOptions {
  /** Paths (`$.payload.snapshot.presence`, `*` matches one segment) whose content is not compared. */
  ignore?: string[]
}

function matches(pattern: string, path: string): boolean {
  const p = pattern.split('.')
  const q = path.split('.')
  if (p.length !== q.length) return false
  return p.every((seg, i) => seg === '*' || seg === q[i])
}

function diff(actual: Shape, expected: Shape, path: string, opts: ShapeDiffOptions, out: string[]): void {
  if (opts.ignore?.some((p) => matches(p, path))) return
  if (actual === 'empty' || expected === 'empty') return
  if (typeof expected === 'string' || typeof actual === 'string') {
    if (typeof expected === 'string' && typeof actual === 'string') {
      const allowed = expected.split('|')
      if (!actual.split('|').every((t) => allowed.includes(t))) out.push(`${path}: expected ${expected}, got ${actual}`)
      return
    }
    out.push(
      `${path}: expected ${typeof expected === 'string' ? expected : '[]' in expected ? 'array' : 'object'}, got ${typeof actual === 'string' ? actual : '[]' in actual ? 'array' : 'object'}`,
    )
    return
  }
  if ('[]' in expected || '[]' in actual) {
    if (!('[]' in expected && '[]' in actual)) {
      out.push(`${path}: expected ${'[]' in expected ? 'array' : 'object'}, got ${'[]' in actual ? 'array' : 'object'}`)
      return
    }
    diff(actual['[]'] as Shape, expected['[]'] as Shape, `${path}.[]`, opts, out)
    return
  }
  const e = expected as Record<string, Shape>
  const a = actual as Record<string, Shape>
  for (const rawKey of Object.keys(e)) {
    const k = bare(rawKey)
    const av = a[k] ?? a[OPTIONAL + k]
    if (av === undefined) {
      if (!rawKey.startsWith(OPTIONAL) && !opts.ignore?.some((p) => matches(p, `${path}.${k}`)))
        out.push(`${path}.${k}: missing`)
    } else diff(av, e[rawKey] as Shape, `${path}.${k}`, opts, out)
  }
  for (const rawKey of Object.keys(a)) {
    const k = bare(rawKey)
    if (!(k in e) && !(OPTIONAL + k in e) && !opts.ignore?.some((p) => matches(p, `${path}.${k}`)))
      out.push(`${path}.${k}: unexpected`)
  }
}

/**
 * Differences between the shape of `actual` and the shape of `expected` (empty when they agree).
 * Pass several reference samples with {@link shapeDiffFromSamples} when fields vary between them.
 */
export function shapeDiff(actual: unknown, expected: unknown, opts: ShapeDiffOptions = {}): string[] {
  const out: string[] = []
  diff(shapeOf(actual), shapeOf(expected), '$', opts, out)
  return out
}

/** Like {@link shapeDiff}, against the merged shape of several reference samples. */
export function shapeDiffFromSamples(actual: unknown, samples: unknown[], opts: ShapeDiffOptions = {}): string[] {
  if (samples.length === 0) throw new Error('shapeDiffFromSamples: no reference samples')
  const out: string[] = []
  diff(shapeOf(actual), samples.map(shapeOf).reduce(mergeShapes), '$', opts, out)
  return out
}

/** Asserts that `actual` has the shape of `expected` (same field names and types, recursively). */
export function expectSameShape(actual: unknown, expected: unknown, opts: ShapeDiffOptions = {}): void {
  expect(shapeDiff(actual, expected, opts)).toEqual([])
}

/** Asserts that `actual` has the shape the reference samples have between them. */
export function expectShapeOfSamples(actual: unknown, samples: unknown[], opts: ShapeDiffOptions = {}): void {
  expect(shapeDiffFromSamples(actual, samples, opts)).toEqual([])
}

/** The values at the given top-level-to-leaf paths, for exact comparison of codes and messages. */
export function pick(value: unknown, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of paths) {
    let cur: unknown = value
    for (const seg of p.split('.'))
      cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[seg]
    out[p] = cur
  }
  return out
}
