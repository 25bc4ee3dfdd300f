#!/usr/bin/env node
/**
 * `npx -y pnpm@12.4.2 demo [flags]` from the repository root: builds the workspace packages, then
 * starts the demo (scripts/start.mjs). Set CLAWCHAT_SKIP_BUILD=1 when the packages are built.
 *
 * This is the root's `demo` bin (root devDependency on this package), not a package.json script:
 * pnpm prints a script's command line with its arguments — a `-t <token>` included — and runs it
 * under `sh`, which dies of a Ctrl+C and makes pnpm print ELIFECYCLE and
 * ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL. For a name that is no script, pnpm runs the bin of that name
 * from node_modules/.bin directly, prints nothing of its own, and passes the arguments through.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Runs the root's `build` script with its output passed on. A Ctrl+C (or SIGTERM) stops it and
 * resolves `false`, printing nothing more: the build runs in its own process group, so the
 * terminal's signal reaches only this process, which ends the build quietly.
 */
function buildPackages() {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['run', 'build'], {
      cwd: ROOT,
      detached: process.platform !== 'win32',
      shell: process.platform === 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.pipe(process.stdout)
    child.stderr.pipe(process.stderr)
    let interrupted = false
    const interrupt = () => {
      if (interrupted) return
      interrupted = true
      child.stdout.unpipe(process.stdout)
      child.stderr.unpipe(process.stderr)
      child.stdout.resume()
      child.stderr.resume()
      try {
        if (process.platform === 'win32') child.kill()
        else process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    process.on('SIGINT', interrupt)
    process.on('SIGTERM', interrupt)
    child.on('error', (err) => {
      process.off('SIGINT', interrupt)
      process.off('SIGTERM', interrupt)
      if (err.code === 'ENOENT')
        console.error('clawchat-demo: pnpm is not on the PATH; run the demo as `npx -y pnpm@12.4.2 demo`')
      else console.error(`clawchat-demo: could not build the packages: ${err.message}`)
      process.exit(1)
    })
    child.on('close', (code) => {
      process.off('SIGINT', interrupt)
      process.off('SIGTERM', interrupt)
      if (interrupted) return resolve(false)
      if (code !== 0) {
        console.error(`clawchat-demo: building the packages failed (exit code ${code}); see above`)
        process.exit(1)
      }
      resolve(true)
    })
  })
}

const built = process.env.CLAWCHAT_SKIP_BUILD === '1' ? true : await buildPackages()
if (!built) process.exit(0)
const { startDemoCommand } = await import('./start.mjs')
await startDemoCommand().catch((err) => {
  console.error(`clawchat-demo: ${err?.message ?? String(err)}`)
  process.exit(1)
})
