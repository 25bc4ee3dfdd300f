/**
 * `pnpm bench` (in bench/): runs every scenario through (a) direct, (b) pipe and (c) clawchatProxy
 * in one run, prints the markdown table, and writes `results/results.{md,json}` and the relay's
 * profile summary. Flags: `--smoke` (tiny and short), `--only=throughput,latency,…`,
 * `--modes=direct,proxy,…` (the single-user paths of scenarios 1 and 5; default all),
 * `--out=<dir>` (default `results/`, or a temp dir for `--smoke`), `--render=<results.json>`
 * (re-judge and re-render a stored run's report, measuring nothing).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FULL, SMOKE } from './config.js'
import { evaluate, renderMarkdown, type BenchResults } from './report.js'
import { runBench, SCENARIOS, type ScenarioName } from './run-bench.js'
import { SINGLE_USER_MODES, type Mode } from './drivers/topology.js'

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (hit === undefined) return undefined
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : ''
}

/** Re-judges a stored run (targets, summary) and rewrites its results.md and results.json. */
function render(path: string): void {
  const stored = JSON.parse(readFileSync(path, 'utf8')) as BenchResults
  const results = evaluate(stored, stored.config === 'smoke' ? SMOKE : FULL)
  const markdown = renderMarkdown(results)
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(dirname(path), 'results.md'), markdown)
  process.stdout.write(`${markdown}\n`)
}

async function main(): Promise<void> {
  const stored = flag('render')
  if (stored) return render(stored)
  const smoke = flag('smoke') !== undefined
  const config = smoke ? SMOKE : FULL
  const only = flag('only')
    ?.split(',')
    .filter((s): s is ScenarioName => (SCENARIOS as readonly string[]).includes(s))
  const modes = flag('modes')
    ?.split(',')
    .filter((s): s is Mode => (SINGLE_USER_MODES as readonly string[]).includes(s))
  const outDir =
    flag('out') ||
    (smoke
      ? mkdtempSync(join(tmpdir(), 'clawchat-bench-smoke-'))
      : fileURLToPath(new URL('../results/', import.meta.url)))
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  log(`clawchat relay benchmark (${config.name}) → ${outDir}`)
  const results = await runBench(config, { resultsDir: outDir, log, only, modes })
  const markdown = renderMarkdown(results)
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(outDir, 'results.md'), markdown)
  process.stdout.write(`${markdown}\n`)
  log(`written ${join(outDir, 'results.md')} and results.json`)
  if (results.errors.length > 0) {
    log(`${results.errors.length} client error(s); see the report`)
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
