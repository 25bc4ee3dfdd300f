// Where the real OpenClaw gateway and its private Node 24 live on this machine: a cache folder
// OUTSIDE the clone (`~/.cache/clawchat/` unless CLAWCHAT_CACHE_DIR says otherwise), shared by
// install.mjs (which fills it) and gateway.ts (which runs from it). Plain ESM so install.mjs can
// use it without a TypeScript step; its types are in cache-paths.d.mts.
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/** The gateway release the harness runs. Pinned exactly: behaviour differs between releases. */
export const OPENCLAW_VERSION = '2026.9.6'
/** The npm spec of the private Node the gateway needs (`openclaw` declares node >=24.16 <25). */
export const NODE_PACKAGE_SPEC = 'node@24'
/** Lowest Node 24 the gateway accepts. */
export const NODE_MIN_VERSION = '24.16.0'
/** Bump when the layout or the install steps change, so old caches are redone. */
export const CACHE_LAYOUT_VERSION = 1

/**
 * The paths of the real-gateway cache.
 *
 * @param {NodeJS.ProcessEnv} [env] where `CLAWCHAT_CACHE_DIR` is read (default `process.env`)
 * @returns {import('./cache-paths.d.mts').RealGatewayCachePaths}
 * @example
 * const paths = resolveCachePaths()
 * console.log(paths.nodeBin) // ~/.cache/clawchat/node24/node_modules/node/bin/node
 */
export function resolveCachePaths(env = process.env) {
  const override = env.CLAWCHAT_CACHE_DIR
  if (override !== undefined && override.trim() === '') {
    throw new Error('CLAWCHAT_CACHE_DIR is set but empty: give it a folder path or unset it')
  }
  const cacheDir = override ? resolve(override) : join(homedir(), '.cache', 'clawchat')
  if (!isAbsolute(cacheDir))
    throw new Error(`CLAWCHAT_CACHE_DIR must be an absolute path, got ${JSON.stringify(cacheDir)}`)
  const nodePrefix = join(cacheDir, 'node24')
  const nodeBinDir = join(nodePrefix, 'node_modules', 'node', 'bin')
  const openclawPrefix = join(cacheDir, `openclaw-${OPENCLAW_VERSION}`)
  return {
    cacheDir,
    nodePrefix,
    nodeBinDir,
    nodeBin: join(nodeBinDir, 'node'),
    openclawPrefix,
    openclawPackageDir: join(openclawPrefix, 'node_modules', 'openclaw'),
    openclawEntry: join(openclawPrefix, 'node_modules', 'openclaw', 'openclaw.mjs'),
    openclawBin: join(openclawPrefix, 'node_modules', '.bin', 'openclaw'),
    markerPath: join(cacheDir, `real-gateway-ready-${OPENCLAW_VERSION}.json`),
  }
}

/**
 * Compares two `x.y.z` versions (a leading `v` is ignored).
 *
 * @param {string} a
 * @param {string} b
 * @returns {number} negative when a < b, 0 when equal, positive when a > b
 * @example
 * compareVersions('v24.21.0', '24.16.0') > 0 // true
 */
export function compareVersions(a, b) {
  const parse = (v) =>
    v
      .trim()
      .replace(/^v/, '')
      .split('.')
      .map((n) => Number.parseInt(n, 10) || 0)
  const [pa, pb] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
