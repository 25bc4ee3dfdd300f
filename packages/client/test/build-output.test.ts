import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url))

describe('built package (run `pnpm build` first; the test command does)', () => {
  it('ships ESM, CJS and type declarations for both entries', () => {
    for (const f of [
      'index.js',
      'index.cjs',
      'index.d.ts',
      'index.d.cts',
      'direct.js',
      'direct.cjs',
      'direct.d.ts',
      'direct.d.cts',
    ]) {
      expect(existsSync(dist(f)), f).toBe(true)
    }
  })

  it('imports no reconnect library at run time; the main entry imports nothing of the gateway client', () => {
    const esm = readFileSync(dist('index.js'), 'utf8') + readFileSync(dist('index.cjs'), 'utf8')
    expect(esm).not.toMatch(/reconnecting-websocket['"]/)
    expect(esm).not.toMatch(/@openclaw\/gateway-client/)
    expect(readFileSync(dist('direct.js'), 'utf8')).toMatch(/@openclaw\/gateway-client\/browser/)
  })

  it('the CJS and ESM builds export the same names, for both entries', async () => {
    const require = createRequire(import.meta.url)
    for (const entry of ['index', 'direct']) {
      const esm = await import(dist(`${entry}.js`))
      const cjs = require(dist(`${entry}.cjs`))
      expect(Object.keys(cjs).sort(), entry).toEqual(Object.keys(esm).sort())
      expect(typeof esm.ClawChat).toBe('function')
      expect(new esm.ClawChatTimeoutError('x', 5).code).toBe('CLIENT_TIMEOUT')
    }
  })

  it('package.json maps ./ and ./direct for import and require', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'))
    for (const [key, entry] of [
      ['.', 'index'],
      ['./direct', 'direct'],
    ] as const) {
      expect(pkg.exports[key]).toEqual({
        import: { types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` },
        require: { types: `./dist/${entry}.d.cts`, default: `./dist/${entry}.cjs` },
      })
    }
  })

  it('SDK_VERSION is the package version', async () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'))
    const { SDK_VERSION } = await import('../src/version.js')
    expect(SDK_VERSION).toBe(pkg.version)
  })
})
