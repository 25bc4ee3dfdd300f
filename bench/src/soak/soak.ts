/**
 * `pnpm soak` (in bench/): the soak of issue 16.10 — 1,000 users × 20 messages through the SDK and
 * `clawchatProxy`, the mock gateway restarted gracefully in the middle — against the BUILT packages
 * (run the root build first). Prints the table and writes `results/soak.{md,json}`.
 * Flags: `--smoke` (20 × 5, a temp folder), `--users=N`, `--messages=M`, `--out=<dir>`, `--name=<file stem>` (default `soak`),
 * `--gateway-module=<path>` (an ESM bundle of an older mock gateway, for a before/after run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SOAK_FULL, SOAK_SMOKE } from './soak-config.js'
import { renderSoak } from './soak-report.js'
import { runSoak } from './run-soak.js'

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (hit === undefined) return undefined
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : ''
}

async function main(): Promise<void> {
  const smoke = flag('smoke') !== undefined
  const base = smoke ? SOAK_SMOKE : SOAK_FULL
  const users = flag('users')
  const messages = flag('messages')
  const config = {
    ...base,
    ...(users ? { users: Number(users) } : {}),
    ...(messages ? { messages: Number(messages) } : {}),
  }
  const outDir =
    flag('out') ||
    (smoke ? mkdtempSync(join(tmpdir(), 'clawchat-soak-')) : fileURLToPath(new URL('../../results/', import.meta.url)))
  const name = flag('name') || 'soak'
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  const gatewayModule = flag('gateway-module')
  const results = await runSoak(config, { log, ...(gatewayModule ? { gatewayModule } : {}) })
  const markdown = renderSoak(results)
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(outDir, `${name}.md`), markdown)
  process.stdout.write(markdown)
  log(`written ${join(outDir, `${name}.md`)} and ${name}.json`)
  if (
    results.lost + results.doubledFinals + results.misdelivered + results.doubledInHistory + results.foreignInHistory >
    0
  )
    process.exitCode = 1
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
