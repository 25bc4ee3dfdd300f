import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { RawClient, connectParams } from './helpers/raw-client.js'

const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url))

/** Gateways, clients and child processes a test started, stopped after it whatever happened. */
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('built package (run `pnpm build` first; the test command does)', () => {
  it('ships ESM, CJS, type declarations and the bin', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'cli.js'])
      expect(existsSync(dist(f)), f).toBe(true)
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'))
    expect(pkg.bin).toEqual({ 'clawchat-mock-gateway': './dist/cli.js' })
    expect(readFileSync(dist('cli.js'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true)
  })

  it('the CJS and ESM builds export the same names and both start a gateway', async () => {
    const esm = await import(dist('index.js'))
    const cjs = createRequire(import.meta.url)(dist('index.cjs'))
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort())
    for (const mod of [esm, cjs]) {
      const gw = await mod.startMockGateway({ token: 't', host: '127.0.0.1', port: 0 })
      cleanups.push(() => gw.close())
      const c = await RawClient.open(gw.url)
      cleanups.push(() => c.terminate())
      expect((await c.connect(connectParams({ token: 't' }))).ok).toBe(true)
    }
  })

  it('the built package serves the Control UI stand-in and its script', async () => {
    const { startMockGateway } = await import(dist('index.js'))
    const gw = await startMockGateway({ token: 't', port: 0, controlUi: { basePath: '/clawchat/control' } })
    cleanups.push(() => gw.close())
    const res = await fetch(`${gw.url.replace(/^ws:/, 'http:')}/clawchat/control/assets/mock-control-ui.js`)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await res.text()).toContain("id: 'openclaw-control-ui'")
  })

  it('the bin prints its URL and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [dist('cli.js'), '--host', '127.0.0.1', '--port', '0', '--token', 'bin-token'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    {
      const url = await new Promise<string>((resolve, reject) => {
        let text = ''
        child.stdout.on('data', (d) => {
          text += d
          if (text.includes('\n')) resolve(text.trim())
        })
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)))
      })
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
      const c = await RawClient.open(url)
      cleanups.push(() => c.terminate())
      expect((await c.connect(connectParams({ token: 'bin-token' }))).ok).toBe(true)
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect((await c.closed).code).toBe(1012)
      expect(await exited).toBe(0)
    }
  })
})
