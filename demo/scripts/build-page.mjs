#!/usr/bin/env node
// Bundles the page (src/page/main.ts and @clawchat/client, marked, DOMPurify) into dist/page/main.js,
// with what the page loads later (the syntax highlighter) in chunks under dist/page/chunks/.
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Builds the page bundle; resolves when dist/page/main.js and its chunks are written. */
export async function buildPage({ quiet = false } = {}) {
  const outdir = join(root, 'dist/page')
  await build({
    entryPoints: { main: join(root, 'src/page/main.ts') },
    outdir,
    // import('./highlight.js') becomes its own chunk, fetched only when a code block appears.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
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
