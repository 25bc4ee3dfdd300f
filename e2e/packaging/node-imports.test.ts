/**
 * (b) Each installed package loads in Node as ESM (`import`) and as CommonJS (`require`), in child
 * processes of the fresh project, and both give the same names; the client's `ClawChat` is a class.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { PACKAGES, run, tail } from './packages.js'

/** Prints the sorted export names of `name`, loaded the given way, as JSON. */
function loader(name: string, how: 'esm' | 'cjs'): string[] {
  const spec = JSON.stringify(name)
  return how === 'esm'
    ? [
        '--input-type=module',
        '-e',
        `const m = await import(${spec}); console.log(JSON.stringify(Object.keys(m).sort()))`,
      ]
    : ['--input-type=commonjs', '-e', `const m = require(${spec}); console.log(JSON.stringify(Object.keys(m).sort()))`]
}

async function exportsOf(cwd: string, name: string, how: 'esm' | 'cjs'): Promise<string[]> {
  const r = await run(process.execPath, loader(name, how), { cwd, env: { ...process.env, NODE_PATH: '' } })
  if (r.code !== 0) throw new Error(`${name} did not load with ${how === 'esm' ? 'import' : 'require'}: ${tail(r)}`)
  return JSON.parse(r.stdout) as string[]
}

describe('Node ESM and CommonJS', () => {
  for (const { name } of PACKAGES) {
    it(`${name}: import and require load it, with the same exports`, async () => {
      const { appDir } = inject('packaging')
      const [esm, cjs] = await Promise.all([exportsOf(appDir, name, 'esm'), exportsOf(appDir, name, 'cjs')])
      expect(esm.length, `${name} has no exports under import`).toBeGreaterThan(0)
      expect(
        cjs.filter((n) => n !== 'default'),
        `${name}: require and import give different names`,
      ).toEqual(esm.filter((n) => n !== 'default'))
    })
  }

  it("@clawchat/client: `import { ClawChat }` and `require('@clawchat/client').ClawChat` are the client class", async () => {
    const { browserDir } = inject('packaging')
    const check = 'if (typeof ClawChat !== "function" || !ClawChat.prototype.stream) throw new Error("not a class")'
    const esm = await run(
      process.execPath,
      ['--input-type=module', '-e', `import { ClawChat } from '@clawchat/client'; ${check}`],
      { cwd: browserDir },
    )
    expect(esm.code, `import { ClawChat } from '@clawchat/client' failed:\n${tail(esm)}`).toBe(0)
    const cjs = await run(
      process.execPath,
      ['--input-type=commonjs', '-e', `const { ClawChat } = require('@clawchat/client'); ${check}`],
      { cwd: browserDir },
    )
    expect(cjs.code, `require('@clawchat/client') failed:\n${tail(cjs)}`).toBe(0)
  })

  it('@clawchat/client/direct loads without @openclaw/gateway-client (an optional peer, loaded at sign-in)', async () => {
    const { browserDir } = inject('packaging')
    const r = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@clawchat/client/direct'); console.log(typeof m.ClawChat)",
      ],
      { cwd: browserDir },
    )
    expect(r.code, `@clawchat/client/direct must load in a project without gateway-client:\n${tail(r)}`).toBe(0)
    expect(r.stdout.trim()).toBe('function')
  })

  it('@clawchat/client/direct without @openclaw/gateway-client: signing in fails with an error saying what to install', async () => {
    const { appDir, browserDir } = inject('packaging')
    copyFileSync(
      fileURLToPath(new URL('./app/direct-without-peer.mjs', import.meta.url)),
      join(browserDir, 'direct.mjs'),
    )
    const r = await run(process.execPath, ['direct.mjs'], {
      cwd: browserDir,
      env: { ...process.env, APP_DIR: appDir },
      timeoutMs: 20_000,
    })
    expect(r.code, `direct mode in a project without gateway-client did not report the missing peer:\n${tail(r)}`).toBe(
      0,
    )
    const { message } = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { message?: string }
    expect(message, 'the error must say what to install').toContain('npm install @openclaw/gateway-client@2026.9.1')
  })
})
