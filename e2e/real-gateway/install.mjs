#!/usr/bin/env node
// Installs what the real-gateway tests run, into a cache folder outside the clone:
//   1. a private Node 24 from the npm registry (`node@24`; the machine's Node is 20 and the gateway
//      needs >=24.16 <25), and
//   2. `openclaw@<OPENCLAW_VERSION>`, installed with that Node first on PATH so its engine check and
//      its install scripts run under Node 24.
// A marker file is written only after both are installed AND verified; a present marker means
// "reuse", an absent one means "redo from scratch" (a half-finished install is thrown away).
// Any failure exits non-zero with a sentence saying what failed. It never reads stdin.
//
//   node e2e/real-gateway/install.mjs            install, or reuse a verified install
//   node e2e/real-gateway/install.mjs --force    throw the cache away and install again
//   node e2e/real-gateway/install.mjs --node-only    only the private Node 24 (the Node 24 vitest suite);
//                                                    a working one is reused, openclaw is left alone
//
// Environment: CLAWCHAT_CACHE_DIR (default ~/.cache/clawchat).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import {
  CACHE_LAYOUT_VERSION,
  NODE_MIN_VERSION,
  NODE_PACKAGE_SPEC,
  OPENCLAW_VERSION,
  compareVersions,
  resolveCachePaths,
} from './cache-paths.mjs'

const NPM_TIMEOUT_MS = 15 * 60_000
const LOCK_WAIT_MS = 20 * 60_000
/** Install scripts that must run (npm 11 warns about, and will later block, unreviewed ones). */
const OPENCLAW_ALLOWED_SCRIPTS = ['openclaw', 'koffi', 'protobufjs', '@google/genai']

class InstallError extends Error {}

const started = Date.now()
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
const log = (msg) => console.log(`[real-gateway install] ${msg}`)

function parseArgs(argv) {
  const known = new Set(['--force', '--help', '--node-only'])
  for (const a of argv) {
    if (!known.has(a)) throw new InstallError(`unknown argument ${JSON.stringify(a)} (known: ${[...known].join(', ')})`)
  }
  return { force: argv.includes('--force'), help: argv.includes('--help'), nodeOnly: argv.includes('--node-only') }
}

/** Env for every npm call: no prompts, no browser downloads, no noise. */
function npmEnv(pathPrefix) {
  const env = {
    ...process.env,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    npm_config_yes: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
  }
  if (pathPrefix) env.PATH = `${pathPrefix}${delimiter}${process.env.PATH ?? ''}`
  return env
}

/** Runs a command with stdin closed and output passed through; rejects on failure or timeout. */
function run(what, command, args, { env, cwd } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = Date.now()
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new InstallError(`${what} took longer than ${seconds(NPM_TIMEOUT_MS)} and was stopped`))
    }, NPM_TIMEOUT_MS)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new InstallError(`${what}: could not start ${command}: ${err.message}`))
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise(Date.now() - t0)
      else
        reject(
          new InstallError(
            `${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see the npm output above`,
          ),
        )
    })
  })
}

/** `<bin> --version` of the private Node, or an InstallError saying why it is unusable. */
function privateNodeVersion(paths) {
  if (!existsSync(paths.nodeBin)) throw new InstallError(`the private Node binary is missing at ${paths.nodeBin}`)
  const r = spawnSync(paths.nodeBin, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  })
  if (r.status !== 0)
    throw new InstallError(`${paths.nodeBin} --version failed: ${(r.stderr || r.error?.message || '').trim()}`)
  const version = r.stdout.trim()
  if (compareVersions(version, NODE_MIN_VERSION) < 0 || compareVersions(version, '25.0.0') >= 0) {
    throw new InstallError(`${paths.nodeBin} is ${version}; the gateway needs >=${NODE_MIN_VERSION} <25`)
  }
  return version
}

/** Checks the installed openclaw package and that its launcher runs under the private Node. */
function verifyOpenclaw(paths, scratchDir) {
  const pkgPath = join(paths.openclawPackageDir, 'package.json')
  if (!existsSync(pkgPath)) throw new InstallError(`openclaw is missing: no ${pkgPath}`)
  const version = JSON.parse(readFileSync(pkgPath, 'utf8')).version
  if (version !== OPENCLAW_VERSION)
    throw new InstallError(`installed openclaw is ${version}, expected ${OPENCLAW_VERSION}`)
  if (!existsSync(paths.openclawEntry))
    throw new InstallError(`the openclaw launcher is missing at ${paths.openclawEntry}`)
  // `openclaw --version` in a throwaway HOME: proves the launcher, its Node check and its package
  // lifecycle check pass, without touching the user's ~/.openclaw.
  mkdirSync(join(scratchDir, 'home'), { recursive: true })
  const r = spawnSync(paths.nodeBin, [paths.openclawEntry, '--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    env: {
      PATH: `${paths.nodeBinDir}${delimiter}${process.env.PATH ?? ''}`,
      HOME: join(scratchDir, 'home'),
      TMPDIR: scratchDir,
      OPENCLAW_STATE_DIR: join(scratchDir, 'state'),
      OPENCLAW_NO_RESPAWN: '1',
      DO_NOT_TRACK: '1',
    },
  })
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  if (r.status !== 0 || !out.includes(OPENCLAW_VERSION)) {
    throw new InstallError(
      `\`openclaw --version\` under the private Node did not report ${OPENCLAW_VERSION} (exit ${r.status}): ${out.slice(-800) || r.error?.message || 'no output'}`,
    )
  }
  return version
}

function readMarker(paths) {
  try {
    const m = JSON.parse(readFileSync(paths.markerPath, 'utf8'))
    if (m.layout === CACHE_LAYOUT_VERSION && m.openclawVersion === OPENCLAW_VERSION) return m
  } catch {
    // absent or unreadable: not installed
  }
  return null
}

/** A lock folder so two runs never install into the same cache at once. */
async function withInstallLock(paths, fn) {
  const lockDir = join(paths.cacheDir, '.install-lock')
  const ownerFile = join(lockDir, 'pid')
  const deadline = Date.now() + LOCK_WAIT_MS
  let announced = false
  for (;;) {
    try {
      mkdirSync(lockDir)
      writeFileSync(ownerFile, String(process.pid))
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw new InstallError(`cannot create the install lock ${lockDir}: ${err.message}`)
      let owner = Number.NaN
      try {
        owner = Number.parseInt(readFileSync(ownerFile, 'utf8'), 10)
      } catch {
        /* being written */
      }
      const alive =
        Number.isInteger(owner) &&
        owner > 0 &&
        (() => {
          try {
            process.kill(owner, 0)
            return true
          } catch (e) {
            return e.code === 'EPERM'
          }
        })()
      if (Number.isInteger(owner) && !alive) {
        log(`removing a stale install lock left by process ${owner}`)
        rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline)
        throw new InstallError(
          `another install (process ${owner}) has held ${lockDir} for over ${seconds(LOCK_WAIT_MS)}`,
        )
      if (!announced) {
        log(`waiting for another install (process ${owner}) to finish`)
        announced = true
      }
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

/** Installs the private Node 24 into its (empty or absent) prefix and checks it. */
async function installNode(paths) {
  mkdirSync(paths.nodePrefix, { recursive: true })
  writeFileSync(
    join(paths.nodePrefix, 'package.json'),
    `${JSON.stringify({ private: true, description: 'ClawChat real-gateway tests: private Node 24', allowScripts: { node: true } }, null, 2)}\n`,
  )
  log(`installing ${NODE_PACKAGE_SPEC} into ${paths.nodePrefix}`)
  const nodeMs = await run(
    `npm install ${NODE_PACKAGE_SPEC}`,
    'npm',
    ['install', '--prefix', paths.nodePrefix, '--save-exact', '--no-audit', '--no-fund', NODE_PACKAGE_SPEC],
    { env: npmEnv(), cwd: paths.nodePrefix },
  )
  const nodeVersion = privateNodeVersion(paths)
  log(`Node ${nodeVersion} installed in ${seconds(nodeMs)}: ${paths.nodeBin}`)
  return { nodeVersion, nodeMs }
}

/**
 * `--node-only`: the private Node 24 alone (the Node 24 vitest suite needs nothing else). A working
 * one is reused; a broken one is replaced. openclaw and the marker are not touched: a later full
 * install still verifies everything itself.
 */
async function installNodeOnly(paths, force) {
  if (!force) {
    try {
      const nodeVersion = privateNodeVersion(paths)
      log(`reusing the private Node ${nodeVersion}: ${paths.nodeBin}`)
      return { reused: true }
    } catch (err) {
      if (existsSync(paths.nodePrefix)) log(`the private Node is unusable, reinstalling it: ${err.message}`)
    }
  }
  // The full install's marker vouches for this Node too: it goes before the Node does.
  rmSync(paths.markerPath, { force: true })
  rmSync(paths.nodePrefix, { recursive: true, force: true })
  await installNode(paths)
  return { reused: false }
}

async function install(paths, force) {
  if (!force) {
    const marker = readMarker(paths)
    if (marker) {
      try {
        const nodeVersion = privateNodeVersion(paths)
        verifyOpenclaw(paths, join(paths.cacheDir, 'verify-tmp'))
        log(
          `reusing the verified install in ${paths.cacheDir} (Node ${nodeVersion}, openclaw ${OPENCLAW_VERSION}, installed ${marker.installedAt})`,
        )
        return { reused: true }
      } catch (err) {
        log(`the cached install failed verification, reinstalling: ${err.message}`)
      } finally {
        rmSync(join(paths.cacheDir, 'verify-tmp'), { recursive: true, force: true })
      }
    } else if (existsSync(paths.nodePrefix) || existsSync(paths.openclawPrefix)) {
      log('found an unfinished install (no marker); redoing it from scratch')
    }
  }

  // Start clean: the marker goes first so an interrupted run can never look complete.
  rmSync(paths.markerPath, { force: true })
  if (existsSync(paths.nodePrefix) || existsSync(paths.openclawPrefix)) {
    const t0 = Date.now()
    rmSync(paths.nodePrefix, { recursive: true, force: true })
    rmSync(paths.openclawPrefix, { recursive: true, force: true })
    log(`removed the previous install in ${seconds(Date.now() - t0)}`)
  }

  // 1. the private Node 24
  const { nodeVersion, nodeMs } = await installNode(paths)

  // 2. openclaw, with the private Node first on PATH (npm's `#!/usr/bin/env node` and every install
  //    script then run under Node 24)
  mkdirSync(paths.openclawPrefix, { recursive: true })
  const allowScripts = Object.fromEntries(OPENCLAW_ALLOWED_SCRIPTS.map((name) => [name, true]))
  writeFileSync(
    join(paths.openclawPrefix, 'package.json'),
    `${JSON.stringify({ private: true, description: `ClawChat real-gateway tests: openclaw@${OPENCLAW_VERSION}`, allowScripts }, null, 2)}\n`,
  )
  log(
    `installing openclaw@${OPENCLAW_VERSION} into ${paths.openclawPrefix} (under Node ${nodeVersion}; 1–3 min on 2 cores, ~650 MB)`,
  )
  const openclawMs = await run(
    `npm install openclaw@${OPENCLAW_VERSION}`,
    'npm',
    [
      'install',
      '--prefix',
      paths.openclawPrefix,
      '--save-exact',
      '--no-audit',
      '--no-fund',
      `openclaw@${OPENCLAW_VERSION}`,
    ],
    { env: npmEnv(paths.nodeBinDir), cwd: paths.openclawPrefix },
  )
  const scratch = join(paths.cacheDir, 'verify-tmp')
  try {
    verifyOpenclaw(paths, scratch)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  log(`openclaw ${OPENCLAW_VERSION} installed and verified in ${seconds(openclawMs)}`)

  writeFileSync(
    paths.markerPath,
    `${JSON.stringify(
      {
        layout: CACHE_LAYOUT_VERSION,
        openclawVersion: OPENCLAW_VERSION,
        nodeVersion,
        installedAt: new Date().toISOString(),
        nodeInstallMs: nodeMs,
        openclawInstallMs: openclawMs,
      },
      null,
      2,
    )}\n`,
  )
  return { reused: false }
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    console.log(
      'usage: node e2e/real-gateway/install.mjs [--force] [--node-only]\n  installs Node 24 and openclaw into $CLAWCHAT_CACHE_DIR (default ~/.cache/clawchat)\n  --node-only: the private Node 24 alone (reused when it works)',
    )
    return
  }
  const paths = resolveCachePaths()
  mkdirSync(paths.cacheDir, { recursive: true })
  const { reused } = await withInstallLock(paths, () =>
    args.nodeOnly ? installNodeOnly(paths, args.force) : install(paths, args.force),
  )
  log(`${reused ? 'reused' : 'installed'} in ${seconds(Date.now() - started)} total; cache: ${paths.cacheDir}`)
}

main().catch((err) => {
  const msg = err instanceof Error ? err.message : String(err)
  console.error(`[real-gateway install] FAILED after ${seconds(Date.now() - started)}: ${msg}`)
  console.error(
    '[real-gateway install] The real-gateway tests cannot run without this install. Needs the npm registry; see e2e/real-gateway/README.md.',
  )
  process.exit(1)
})
