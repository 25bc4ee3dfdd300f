import { describe, expect, it } from 'vitest'
import { pick, shapeDiff, shapeDiffFromSamples, shapeOf } from './helpers/shape.js'

describe('shape comparison helper', () => {
  it('ignores values but not field names or JSON types', () => {
    expect(shapeDiff({ id: 'a', n: 1, ok: true }, { id: 'zz', n: 99, ok: false })).toEqual([])
    expect(shapeDiff({ id: 'a' }, { id: 1 })).toEqual(['$.id: expected number, got string'])
    expect(shapeDiff({ id: 'a', extra: 1 }, { id: 'b' })).toEqual(['$.extra: unexpected'])
    expect(shapeDiff({}, { id: 'b' })).toEqual(['$.id: missing'])
  })

  it('merges array elements and compares nested shapes', () => {
    expect(
      shapeOf([
        { a: 1, c: null },
        { b: 'x', c: 2 },
      ]),
    ).toEqual({ '[]': { '?a': 'number', '?b': 'string', c: 'null|number' } })
    expect(shapeDiff({ list: [{ a: 1 }] }, { list: [{ a: 'x' }] })).toEqual([
      '$.list.[].a: expected string, got number',
    ])
    expect(shapeDiff({ list: [] }, { list: [{ a: 'x' }] })).toEqual([])
    expect(shapeDiff({ list: {} }, { list: [] })).toEqual(['$.list: expected array, got object'])
  })

  it('accepts a type the reference shows among several, and ignores listed paths', () => {
    expect(
      shapeDiff(
        { v: null },
        [{ v: 'x' }, { v: null }].reduce((a, b) => ({ v: a.v ?? b.v })),
      ),
    ).toEqual(['$.v: expected string, got null'])
    expect(shapeDiff({ p: { x: 1 } }, { p: { y: 2 } }, { ignore: ['$.p'] })).toEqual([])
    expect(shapeDiff({ p: { x: 1, q: 2 } }, { p: { y: 2, q: 3 } }, { ignore: ['$.p.x', '$.p.y'] })).toEqual([])
  })

  it('against several samples, a field some samples lack is optional and types may be unions', () => {
    const samples = [
      { a: 1, b: null },
      { a: 2, b: 5, c: 'x' },
    ]
    expect(shapeDiffFromSamples({ a: 3, b: 1 }, samples)).toEqual([])
    expect(shapeDiffFromSamples({ a: 3, b: null, c: 'y' }, samples)).toEqual([])
    expect(shapeDiffFromSamples({ b: 1 }, samples)).toEqual(['$.a: missing'])
    expect(shapeDiffFromSamples({ a: 1, b: 'no' }, samples)).toEqual(['$.b: expected null|number, got string'])
    expect(shapeDiffFromSamples({ a: 1, b: 1, d: 1 }, samples)).toEqual(['$.d: unexpected'])
  })

  it('picks exact values by path', () => {
    expect(
      pick({ error: { code: 'X', details: { code: 'Y' } } }, ['error.code', 'error.details.code', 'error.nope']),
    ).toEqual({
      'error.code': 'X',
      'error.details.code': 'Y',
      'error.nope': undefined,
    })
  })
})
