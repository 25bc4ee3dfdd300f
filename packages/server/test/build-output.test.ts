import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url))

describe('built package (run `pnpm build` first; the test command does)', () => {
  it('ships ESM, CJS and type declarations', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) expect(existsSync(dist(f)), f).toBe(true)
    expect(readFileSync(dist('index.d.ts'), 'utf8')).toContain('clawchatProxy')
  })

  it('keeps its dependencies external (the ESM-only @openclaw packages load through require(esm) on Node >= 20.19)', () => {
    const cjs = readFileSync(dist('index.cjs'), 'utf8')
    expect(cjs).toContain('require("@openclaw/gateway-client")')
    expect(cjs).toContain('require("ws")')
  })

  it('the CJS build loads in plain Node and exports what the ESM build exports', async () => {
    const esm = await import(dist('index.js'))
    const script = `const m = require(${JSON.stringify(dist('index.cjs'))}); process.stdout.write(JSON.stringify(Object.keys(m).sort()))`
    const out = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
    expect(JSON.parse(out)).toEqual(Object.keys(esm).sort())
    expect(typeof esm.clawchatProxy).toBe('function')
  })
})
