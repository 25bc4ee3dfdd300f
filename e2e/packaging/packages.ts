/**
 * The published packages, how they are packed (`pnpm pack`) and the child processes the packaging
 * tests run (always with a timeout, output kept for the failure message).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Every package the workspace publishes: its folder under packages/ and its npm name. */
export const PACKAGES = [
  { dir: 'protocol', name: '@clawchat/protocol' },
  { dir: 'server', name: '@clawchat/server' },
  { dir: 'client', name: '@clawchat/client' },
  { dir: 'mock-gateway', name: '@clawchat/mock-gateway' },
] as const

export type PackageName = (typeof PACKAGES)[number]['name']

/** What a child process did. */
export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs a command with stdin closed; resolves with its exit code and output (never rejects on a
 * non-zero exit: the caller's assertion says what was wrong). Kills it after `timeoutMs`.
 */
export function run(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      stderr += `\n[killed after ${opts.timeoutMs ?? 120_000} ms]`
    }, opts.timeoutMs ?? 120_000)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`could not start ${command}: ${err.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The last lines of a run's output, for a failure message. */
export function tail(r: RunResult, chars = 1500): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-chars)}\n--- stderr ---\n${r.stderr.slice(-chars)}`
}

/** `pnpm pack` of one package into `dest`; answers the tarball's path. */
export async function pack(dir: string, dest: string): Promise<string> {
  const r = await run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', dest, '--json'], {
    cwd: join(ROOT, 'packages', dir),
  })
  if (r.code !== 0) throw new Error(`pnpm pack of packages/${dir} failed: ${tail(r)}`)
  const filename = (JSON.parse(r.stdout) as { filename?: string }).filename
  if (!filename) throw new Error(`pnpm pack of packages/${dir} printed no filename: ${r.stdout.slice(0, 500)}`)
  return filename
}

/** Environment for npm in the fresh projects: no audit, no funding notice, no prompts. */
export function npmEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_yes: 'true',
    npm_config_progress: 'false',
  }
}
