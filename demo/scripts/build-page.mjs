#!/usr/bin/env node
// Bundles the page (src/page/main.ts and @clawchat/client, marked, DOMPurify) into dist/page/main.js.
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Builds the page bundle; resolves when dist/page/main.js is written. */
export async function buildPage({ quiet = false } = {}) {
  await build({
    entryPoints: [join(root, 'src/page/main.ts')],
    outfile: join(root, 'dist/page/main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    sourcemap: true,
    minify: true,
    legalComments: 'linked',
    logLevel: quiet ? 'error' : 'info',
  })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPage().catch(() => process.exit(1))
}
