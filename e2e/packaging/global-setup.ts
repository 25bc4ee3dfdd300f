/**
 * Packs the four packages (`pnpm pack`, from their built dist/) and installs the tarballs into two
 * fresh npm projects in a temp folder outside the workspace — nothing is reused from the workspace's
 * node_modules; everything else comes from the npm registry:
 * - `app`: all four tarballs + express, express-session, ws (a plain Express app and a Node client);
 * - `browser`: only the client (and the protocol it depends on) + esbuild (a browser app's bundle).
 * Each test file reads the paths through `inject('packaging')`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { npmEnv, pack, PACKAGES, run, tail, type PackageName } from './packages.js'

/** What the tests get. */
export interface PackagingProjects {
  /** name → the packed tarball */
  tarballs: Record<PackageName, string>
  /** The Express app's project (four tarballs, express, express-session, ws). */
  appDir: string
  /** The browser app's project (client, protocol, esbuild). */
  browserDir: string
  /** How long packing and installing took, ms. */
  setupMs: { pack: number; install: number }
}

declare module 'vitest' {
  export interface ProvidedContext {
    packaging: PackagingProjects
  }
}

/** Registry packages, pinned to what the workspace tests with. */
const REGISTRY = { express: '5.3.0', 'express-session': '1.19.0', ws: '8.23.0', esbuild: '0.28.2' }

async function npmInstall(dir: string, what: string): Promise<void> {
  const r = await run('npm', ['install', '--no-package-lock', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: { ...npmEnv(), NODE_PATH: '' },
    timeoutMs: 180_000,
  })
  if (r.code !== 0) throw new Error(`npm install of the ${what} project failed: ${tail(r)}`)
}

function writeProject(dir: string, name: string, dependencies: Record<string, string>): void {
  mkdirSync(dir, { recursive: true })
  const pkg = { name, private: true, version: '0.0.0', type: 'module', dependencies }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
}

export default async function setup(project: TestProject): Promise<() => void> {
  const base = mkdtempSync(join(tmpdir(), 'clawchat-packaging-'))
  const tarballDir = join(base, 'tarballs')
  const t0 = Date.now()
  const packed = await Promise.all(PACKAGES.map(async (p) => [p.name, await pack(p.dir, tarballDir)] as const))
  const tarballs = Object.fromEntries(packed) as Record<PackageName, string>
  const packMs = Date.now() - t0
  const file = (name: PackageName) => `file:${tarballs[name]}`

  const appDir = join(base, 'app')
  writeProject(appDir, 'packaging-express-app', {
    ...Object.fromEntries(PACKAGES.map((p) => [p.name, file(p.name)])),
    express: REGISTRY.express,
    'express-session': REGISTRY['express-session'],
    ws: REGISTRY.ws,
  })
  const browserDir = join(base, 'browser')
  writeProject(browserDir, 'packaging-browser-app', {
    '@clawchat/client': file('@clawchat/client'),
    '@clawchat/protocol': file('@clawchat/protocol'),
    esbuild: REGISTRY.esbuild,
  })
  const t1 = Date.now()
  await Promise.all([npmInstall(appDir, 'Express app'), npmInstall(browserDir, 'browser app')])
  const setupMs = { pack: packMs, install: Date.now() - t1 }
  console.log(`[packaging] packed in ${packMs} ms, installed in ${setupMs.install} ms, in ${base}`)

  project.provide('packaging', { tarballs, appDir, browserDir, setupMs })
  return () => rmSync(base, { recursive: true, force: true })
}
