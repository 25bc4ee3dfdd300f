#!/usr/bin/env node
// `pnpm --filter @clawchat/demo start [flags]`: builds the page, then runs the demo's command
// (src/server/cli.ts) in this same process through tsx, so a Ctrl+C reaches one process that
// stops the site and exits 0 (no tsx or shell in between to die of the signal).
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'
import { buildPage } from './build-page.mjs'

/** Builds the page and starts the command with this process's arguments. */
export async function startDemoCommand() {
  // A Ctrl+C during the page build: stop, quietly (the command takes the signal over once it runs).
  const early = () => process.exit(0)
  process.once('SIGINT', early)
  process.once('SIGTERM', early)
  await buildPage({ quiet: true })
  process.off('SIGINT', early)
  process.off('SIGTERM', early)
  register()
  await import('../src/server/cli.ts')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  startDemoCommand().catch((err) => {
    console.error(`clawchat-demo: ${err?.message ?? String(err)}`)
    process.exit(1)
  })
}
