// For test setup: runs install.mjs (install, or reuse the verified cache) and returns the paths.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { resolveCachePaths, type RealGatewayCachePaths } from './cache-paths.mjs'

const INSTALL_SCRIPT = fileURLToPath(new URL('./install.mjs', import.meta.url))

export interface EnsureInstalledResult {
  paths: RealGatewayCachePaths
  /** How long install.mjs took (a reuse 0.4–2.2 s, a fresh install 61–85 s on 2 cores; see README). */
  durationMs: number
  /** install.mjs's output. */
  output: string
}

/**
 * Runs `node e2e/real-gateway/install.mjs` with the machine's Node (stdin closed) and rejects with
 * its output when it fails: a missing gateway is a failure, never a skip.
 *
 * @example
 * beforeAll(async () => { const { paths } = await ensureRealGatewayInstalled() }, 600_000)
 */
export function ensureRealGatewayInstalled(env: NodeJS.ProcessEnv = process.env): Promise<EnsureInstalledResult> {
  const t0 = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [INSTALL_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.on('error', (err) => reject(new Error(`could not run install.mjs: ${err.message}`)))
    child.on('exit', (code, signal) => {
      if (code === 0) resolve({ paths: resolveCachePaths(env), durationMs: Date.now() - t0, output })
      else reject(new Error(`install.mjs failed (${signal ?? `exit ${code}`}):\n${output.slice(-4000)}`))
    })
  })
}
