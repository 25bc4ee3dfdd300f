/** Paths of the real-gateway cache (see cache-paths.mjs). All absolute. */
export interface RealGatewayCachePaths {
  /** The cache root: `~/.cache/clawchat` or `$CLAWCHAT_CACHE_DIR`. */
  cacheDir: string
  /** npm prefix of the private Node 24 (`npm install --prefix <this> node@24`). */
  nodePrefix: string
  /** Folder holding the private `node` binary: put it first on PATH for the gateway only. */
  nodeBinDir: string
  /** The private Node 24 binary. */
  nodeBin: string
  /** npm prefix of `openclaw@<OPENCLAW_VERSION>`. */
  openclawPrefix: string
  /** The installed `openclaw` package folder. */
  openclawPackageDir: string
  /** The gateway's launcher script, run with `nodeBin`. */
  openclawEntry: string
  /** The npm bin link `openclaw`. */
  openclawBin: string
  /** Written only after a complete, verified install; its absence means "(re)install". */
  markerPath: string
}

export declare const OPENCLAW_VERSION: string
export declare const NODE_PACKAGE_SPEC: string
export declare const NODE_MIN_VERSION: string
export declare const CACHE_LAYOUT_VERSION: number

/**
 * The paths of the real-gateway cache.
 * @example
 * const paths = resolveCachePaths()
 */
export declare function resolveCachePaths(env?: NodeJS.ProcessEnv): RealGatewayCachePaths

/**
 * Compares two `x.y.z` versions (a leading `v` is ignored).
 * @example
 * compareVersions('v24.21.0', '24.16.0') > 0 // true
 */
export declare function compareVersions(a: string, b: string): number
