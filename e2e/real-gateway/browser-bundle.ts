// Bundles @clawchat/client (the proxy entry or the direct entry) from its TypeScript sources for a
// browser page, with the esbuild the workspace already has (demo's devDependency, else tsup's).
// The bundle puts the entry's exports on `window` so a test can drive them with page.evaluate.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLIENT_DIR = `${REPO_ROOT}packages/client/`
const PROTOCOL_SRC = `${REPO_ROOT}packages/protocol/src/index.ts`

type EsbuildBuild = (options: Record<string, unknown>) => Promise<{ outputFiles?: Array<{ text: string }> }>

/** Loads esbuild from the workspace (no install): demo's devDependency, else tsup's dependency. */
async function loadEsbuild(): Promise<EsbuildBuild> {
  const candidates: Array<() => string> = [
    () => createRequire(`${REPO_ROOT}demo/package.json`).resolve('esbuild'),
    () => createRequire(createRequire(`${REPO_ROOT}package.json`).resolve('tsup')).resolve('esbuild'),
  ]
  const errors: string[] = []
  for (const find of candidates) {
    try {
      const mod = (await import(find())) as { build?: EsbuildBuild; default?: { build?: EsbuildBuild } }
      const build = mod.build ?? mod.default?.build
      if (build) return build
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err))
    }
  }
  throw new Error(`browser-bundle: no esbuild in the workspace (demo's devDependency or tsup's): ${errors.join('; ')}`)
}

/**
 * An ES module for a browser page: `window.ClawChat` is the SDK's class (`proxy`: the main entry;
 * `direct`: `@clawchat/client/direct`, with `window.memoryStorage` too), built from the sources.
 *
 * @example
 * const js = await bundleClient('direct')
 * // serve it as /sdk.js and load it with <script type="module" src="/sdk.js">
 */
export async function bundleClient(entry: 'proxy' | 'direct'): Promise<string> {
  const build = await loadEsbuild()
  const source =
    entry === 'direct'
      ? `import { ClawChat, memoryStorage } from ${JSON.stringify(`${CLIENT_DIR}src/direct.ts`)}\nObject.assign(window, { ClawChat, memoryStorage })\n`
      : `import { ClawChat } from ${JSON.stringify(`${CLIENT_DIR}src/index.ts`)}\nObject.assign(window, { ClawChat })\n`
  const result = await build({
    stdin: { contents: source, resolveDir: CLIENT_DIR, loader: 'ts', sourcefile: `clawchat-${entry}-entry.ts` },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    alias: { '@clawchat/protocol': PROTOCOL_SRC },
    logLevel: 'error',
  })
  const text = result.outputFiles?.[0]?.text
  if (!text) throw new Error(`browser-bundle: esbuild produced no output for the ${entry} entry`)
  return text
}

/**
 * The HTML of a page that loads `scriptPath` as a module and says when it is ready
 * (`window.sdkLoaded === true`).
 *
 * @example
 * app.get('/', (_req, res) => res.type('html').send(pageHtml('/sdk.js')))
 */
export function pageHtml(scriptPath: string, title = 'ClawChat on the real gateway'): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>` +
    `<script type="module">import ${JSON.stringify(scriptPath)}; window.sdkLoaded = true</script></body></html>`
  )
}
