/**
 * Issue 5, behaviour 4: the gateway token and the device key never appear in anything the process
 * writes. A child process runs a small proxy + mock gateway scenario (`fixtures/leak-scenario.ts`,
 * bundled on the fly with esbuild — the bundler tsup already uses — so it runs the sources); every
 * byte of its stdout and stderr, and its audit file, is scanned for the token and for the private
 * keys in every form (PEM, base64 body, raw key in base64, base64url and hex).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { privateKeySecrets } from '../src/upstream/device-identity.js'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = resolve(here, '..')
const workspace = resolve(packageDir, '..', '..')
const cleanup: string[] = []
afterEach(() => {
  for (const path of cleanup.splice(0)) rmSync(path, { recursive: true, force: true })
})

/** The part of esbuild's API this test uses (esbuild is tsup's, not a dependency of this package). */
interface Esbuild {
  build(options: {
    entryPoints: string[]
    outfile: string
    bundle: boolean
    platform: 'node'
    format: 'esm'
    target: string
    logLevel: 'silent'
    plugins: Array<{
      name: string
      setup(build: {
        onResolve(
          options: { filter: RegExp },
          callback: (args: { path: string }) => { path: string; external?: boolean } | undefined,
        ): void
      }): void
    }>
  }): Promise<unknown>
}

/** esbuild, through tsup (a workspace dev dependency that ships it). */
function loadEsbuild(): Esbuild {
  const require = createRequire(join(packageDir, 'package.json'))
  return createRequire(require.resolve('tsup/package.json'))('esbuild') as Esbuild
}

/** Bundles the scenario: `@clawchat/*` from the sources, every other package from node_modules. */
async function bundleScenario(): Promise<string> {
  // Inside packages/server, so that the externals resolve from its node_modules.
  const outDir = join(packageDir, 'node_modules', '.cache', 'clawchat-secrets-scan', `${process.pid}-${Date.now()}`)
  mkdirSync(outDir, { recursive: true })
  cleanup.push(outDir)
  const outfile = join(outDir, 'scenario.mjs')
  await loadEsbuild().build({
    entryPoints: [join(here, 'fixtures', 'leak-scenario.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-sources',
        setup(build) {
          build.onResolve({ filter: /^@clawchat\/[a-z-]+$/ }, (args) => ({
            path: join(workspace, 'packages', args.path.slice('@clawchat/'.length), 'src', 'index.ts'),
          }))
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@clawchat/') ? undefined : { path: args.path, external: true },
          )
        },
      },
    ],
  })
  return outfile
}

function run(
  file: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
  })
}

describe('secrets in the process output', () => {
  it('the token and the device keys never appear in stdout, stderr, the audit file or the app logger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawchat-scan-'))
    cleanup.push(dir)
    const token = `tok-${randomBytes(24).toString('base64url')}`
    const file = await bundleScenario()
    const result = await run(
      file,
      { OPENCLAW_GATEWAY_TOKEN: token, CLAWCHAT_DIR: dir, VITEST: '', NODE_ENV: 'production' },
      60_000,
    )
    expect(result.stderr).not.toContain('SCENARIO FAILED')
    expect(result.code, result.stderr.slice(-2000)).toBe(0)
    expect(result.stdout).toContain('SCENARIO OK')

    const audit = readFileSync(join(dir, 'audit.log'), 'utf8')
    const keys = ['identity-1.json', 'identity-2.json'].map((f) => {
      expect(existsSync(join(dir, f))).toBe(true)
      return (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { privateKeyPem: string }).privateKeyPem
    })
    // Each key as PEM, as PEM inside JSON text, as its base64 body, and raw (base64, base64url, hex).
    const secrets = [token, ...keys.flatMap((pem) => [...privateKeySecrets(pem), JSON.stringify(pem).slice(1, -1)])]
    expect(secrets.length).toBeGreaterThan(12)

    const outputs = { stdout: result.stdout, stderr: result.stderr, audit }
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of secrets)
        expect(text.includes(secret), `${name} contains a secret (${secret.slice(0, 12)}…)`).toBe(false)
    }

    // The scan saw real output: the app logger at debug, the default logger, both audit sinks.
    const lines = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>)
    const stdoutLines = lines(result.stdout)
    expect(stdoutLines.some((l) => l.name === 'app' && l.level === 20)).toBe(true) // debug lines of the app logger
    expect(stdoutLines.some((l) => l.name === 'app' && /gateway link is back up/.test(l.msg))).toBe(true)
    expect(stdoutLines.some((l) => l.name === 'clawchat-audit' && l.event === 'request')).toBe(true) // audit: true
    expect(lines(result.stderr).some((l) => l.name === 'clawchat' && /relay on \/clawchat2/.test(l.msg))).toBe(true)
    const auditLines = lines(audit)
    expect(auditLines.length).toBeGreaterThan(20)
    const typed = auditLines.filter((l) => l.event === 'request' && typeof l.params?.message === 'string')
    expect(typed.some((l) => l.params.message === 'the token is [redacted]')).toBe(true)
    expect(typed.some((l) => l.params.message === 'a key: [redacted]')).toBe(true)
    expect(typed.some((l) => l.params.message === 'a key body: [redacted]')).toBe(true)
    for (const event of ['connection.open', 'connection.close', 'request.denied', 'upgrade.refused', 'gateway.state']) {
      expect(
        auditLines.some((l) => l.event === event),
        event,
      ).toBe(true)
    }
  }, 90_000)
})
