// The fidelity comparison's own machinery (no gateway): the shape differ, the step alignment, the
// pinned values, the allowances and the readable output. If these could not fail, the mock
// comparison could not either.
import { describe, expect, it } from 'vitest'
import { flattenShape, pathMatches, shapeDifferences } from './shape-diff.js'
import { applyAllowances, compareTranscripts, formatDifferences } from './transcript-compare.js'
import { labelOf, type Transcript } from './transcript.js'

const res = (payload: unknown) => ({ kind: 'frame' as const, frame: { type: 'res', id: 'x', ok: true, payload } })
const err = (code: string, message: string) => ({
  kind: 'frame' as const,
  frame: { type: 'res', id: 'x', ok: false, error: { code, message } },
})
const chat = (state: string, extra: Record<string, unknown> = {}) => ({
  kind: 'frame' as const,
  frame: { type: 'event', event: 'chat', payload: { runId: 'r', state, ...extra }, seq: 1 },
})

describe('shape differ', () => {
  it('flattens field names and JSON types, merging array elements', () => {
    expect(
      [...flattenShape({ a: [1, 'x'], b: null, c: [] })].map(([p, t]) => `${p}:${[...t].sort().join('|')}`),
    ).toEqual(['$:object', '$.a:array', '$.a[]:number|string', '$.b:null', '$.c:array'])
  })

  it('reports type changes and absent fields, not values', () => {
    expect(shapeDifferences({ id: 'a1', n: 1, s: 'x', o: { deep: 1 } }, { id: 'b2', n: '1', o: { deep: 2 } })).toEqual([
      { path: '$.n', real: 'number', mock: 'string' },
      { path: '$.s', real: 'string', mock: '(absent)' },
    ])
  })

  it('reports a missing object once, not each field inside it', () => {
    expect(shapeDifferences({ a: { b: 1, c: { d: 2 } } }, {})).toEqual([
      { path: '$.a', real: 'object', mock: '(absent)' },
    ])
  })

  it('does not compare below an array that is empty on one side', () => {
    expect(shapeDifferences({ rows: [{ k: 1 }] }, { rows: [] })).toEqual([])
    expect(shapeDifferences({ rows: [{ k: 1 }] }, { rows: [{ k: '1' }] })).toEqual([
      { path: '$.rows[].k', real: 'number', mock: 'string' },
    ])
  })

  it('matches paths with * (one segment) and ** (any segments)', () => {
    expect(pathMatches('$.payload.*.version', '$.payload.server.version')).toBe(true)
    expect(pathMatches('$.payload.*.version', '$.payload.server.build.version')).toBe(false)
    expect(pathMatches('$.a.**', '$.a')).toBe(true)
    expect(pathMatches('$.a.**', '$.a.b[].c')).toBe(true)
    expect(pathMatches('$.a.**', '$.ab')).toBe(false)
    expect(pathMatches('$.payload.**.eventLoop.**', '$.payload.eventLoop.degradedSinceMs')).toBe(true)
    expect(pathMatches('$.payload.**.eventLoop.**', '$.payload.snapshot.health.eventLoop')).toBe(true)
    expect(pathMatches('$.payload.**.eventLoop.**', '$.payload.snapshot.health.eventLoops')).toBe(false)
    expect(pathMatches('$.payload.sessions[].key', '$.payload.sessions[].key')).toBe(true)
  })
})

describe('transcript comparison', () => {
  const real: Transcript = {
    scenario: 'demo',
    steps: [
      res({ status: 'started', runId: 'r1' }),
      chat('delta', { deltaText: 'a' }),
      chat('final'),
      err('INVALID_REQUEST', 'bad thing'),
      { kind: 'close', code: 1008, reason: '' },
    ],
  }

  it('finds nothing when only ids, seq and text differ', () => {
    const mock: Transcript = {
      scenario: 'demo',
      steps: [
        res({ status: 'started', runId: 'zz' }),
        chat('delta', { deltaText: 'other text' }),
        chat('final'),
        err('INVALID_REQUEST', 'bad thing'),
        { kind: 'close', code: 1008, reason: '' },
      ],
    }
    expect(compareTranscripts(real, mock)).toEqual([])
  })

  it('reports a missing step, a changed field type, a changed code and a changed close, readably', () => {
    const mock: Transcript = {
      scenario: 'demo',
      steps: [
        res({ status: 'started', runId: 7 }),
        chat('final'),
        err('FORBIDDEN', 'bad thing'),
        { kind: 'close', code: 1000, reason: '' },
      ],
    }
    const diffs = compareTranscripts(real, mock)
    expect(formatDifferences(diffs)).toBe(
      [
        'demo › #1 res ok',
        '    $.payload.runId   real string   mock number',
        'demo › #2 event chat:delta',
        '    (step)            real event chat:delta   mock (absent)',
        'demo › #4 res error INVALID_REQUEST',
        '    (step)            real res error INVALID_REQUEST   mock (absent)',
        'demo › #5 close 1008',
        '    (step)            real close 1008   mock (absent)',
        'demo › mock #3 res error FORBIDDEN',
        '    (step)            real (absent)   mock res error FORBIDDEN',
        'demo › mock #4 close 1000',
        '    (step)            real (absent)   mock close 1000',
      ].join('\n'),
    )
  })

  it('compares pinned values: error messages, states, close reasons', () => {
    const mock: Transcript = {
      ...real,
      steps: real.steps.map((s, i) =>
        i === 3
          ? err('INVALID_REQUEST', 'another message')
          : i === 4
            ? { kind: 'close' as const, code: 1008, reason: 'x' }
            : s,
      ),
    }
    expect(compareTranscripts(real, mock).map((d) => `${d.step} ${d.path} ${d.real} → ${d.mock}`)).toEqual([
      '#4 res error INVALID_REQUEST $.error.message "bad thing" → "another message"',
      '#5 close 1008 $.reason "" → "x"',
    ])
  })

  it('drops allowed differences and reports allowances that matched nothing', () => {
    const mock: Transcript = { ...real, steps: [res({ status: 'started', runId: 7 }), ...real.steps.slice(1)] }
    const diffs = compareTranscripts(real, mock)
    const allowed = [
      { scenario: 'demo', step: 'res ok', path: '$.payload.runId', why: 'test' },
      { scenario: 'demo', step: 'res ok', path: '$.payload.other', why: 'stale' },
      { scenario: 'demo', step: '*', path: '$.payload.load.**', why: 'load', sometimes: true },
    ]
    const { remaining, unused } = applyAllowances(diffs, allowed)
    expect(remaining).toEqual([])
    expect(unused.map((a) => a.why)).toEqual(['stale'])
  })

  it('labels steps by kind', () => {
    expect(labelOf(chat('status', { phase: 'preparing_context' }))).toBe('event chat:status:preparing_context')
    expect(
      labelOf({
        kind: 'frame',
        frame: {
          type: 'event',
          event: 'agent',
          payload: { stream: 'lifecycle', data: { phase: 'model', provider: null } },
        },
      }),
    ).toBe('event agent:lifecycle:model:released')
    expect(labelOf({ kind: 'nothing', what: 'no close within 5 ms' })).toBe('nothing (no close within 5 ms)')
  })
})
