#!/usr/bin/env node
// Size report of the main entry as a browser gets it: bundled with esbuild (the one inside tsup),
// minified, browser platform, @clawchat/protocol included, then gzipped (level 9).
// Prints one line and, with --json, a JSON object: { minBytes, gzipBytes, budgetBytes, withinBudget }.
// Exit code 1 when over budget.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

export const BUDGET_BYTES = 16.5 * 1024

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

function loadEsbuild() {
  // esbuild is not a dependency of this package; tsup (a root devDependency) brings it.
  const tsup = createRequire(here('../../../package.json')).resolve('tsup/package.json')
  return createRequire(tsup)('esbuild')
}

// @clawchat/protocol from its sources (so the report never measures a stale dist/).
const ALIAS = {
  '@clawchat/protocol': here('../../protocol/src/index.ts'),
}

/** Bundles `entry` for browsers and measures it. */
export async function measure(entry = '../src/index.ts') {
  const esbuild = loadEsbuild()
  const result = await esbuild.build({
    entryPoints: [here(entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    alias: ALIAS,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0].contents
  const inputs = Object.keys(
    (
      await esbuild.build({
        entryPoints: [here(entry)],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'browser',
        format: 'esm',
        alias: ALIAS,
        logLevel: 'silent',
      })
    ).metafile.inputs,
  )
  const gzipBytes = gzipSync(code, { level: 9 }).length
  return {
    minBytes: code.length,
    gzipBytes,
    budgetBytes: BUDGET_BYTES,
    withinBudget: gzipBytes <= BUDGET_BYTES,
    inputs,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await measure()
  if (process.argv.includes('--json')) console.log(JSON.stringify(r))
  else
    console.log(
      `@clawchat/client main entry: ${r.minBytes} B minified, ${r.gzipBytes} B min+gzip (budget ${r.budgetBytes} B) ${r.withinBudget ? 'OK' : 'OVER BUDGET'}`,
    )
  process.exit(r.withinBudget ? 0 : 1)
}
