import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url))

describe('built package (run `pnpm build` first; the test command does)', () => {
  it('ships ESM, CJS and type declarations', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) expect(existsSync(dist(f)), f).toBe(true)
  })

  it('has no runtime dependency: the JavaScript imports and requires nothing', () => {
    const esm = readFileSync(dist('index.js'), 'utf8')
    const cjs = readFileSync(dist('index.cjs'), 'utf8')
    expect(esm).not.toMatch(/^\s*import\s/m)
    expect(esm).not.toMatch(/\bimport\(/)
    expect(cjs).not.toMatch(/\brequire\(/)
  })

  it('the CJS and ESM builds export the same names', async () => {
    const esm = await import(dist('index.js'))
    const { createRequire } = await import('node:module')
    const cjs = createRequire(import.meta.url)(dist('index.cjs'))
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort())
    expect(esm.closeAction(4401)).toBe('stop')
  })
})
