#!/usr/bin/env node
// Runs every suite of scripts/suites.mjs and prints, as its very last line, `N passed, N failed`
// summed over all of them (CI reads that line, not any runner's own summary), after one line per
// suite with its counts and wall time.
// Exit code: 0 only when every suite ran, at least one test ran, and none failed — unless
// `--exit-zero` is given (the README's `pnpm test` does): then 0 whenever the summary was written,
// because pnpm prints its own `ELIFECYCLE` notice after a failing script, and the summary must stay
// the last line. `.ci/run` takes its exit status from the summary file instead.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suites } from './suites.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const exitZero = process.argv.includes('--exit-zero')
const only = process.argv.slice(2).filter((a) => a !== '--exit-zero')

function run(command, args, env, cwd = '.') {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: join(root, cwd),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    child.on('error', (err) => {
      console.error(`could not start ${command}: ${err.message}`)
      resolve(127)
    })
  })
}

let passed = 0
let failed = 0
let skipped = 0
const problems = []
/** One line per suite for the closing table: counts and wall time. */
const timings = []
const started = Date.now()
const seconds = (ms) => `${Math.round(ms / 1000)} s`
mkdirSync(join(root, '.test-results'), { recursive: true })

for (const suite of suites) {
  if (only.length > 0 && !only.some((o) => suite.name.includes(o))) continue
  const suiteStarted = Date.now()
  // `before`: one setup step or a list of them, run in order; the first failing one stops the suite.
  let setupCode = 0
  for (const step of [suite.before ?? []].flat()) {
    setupCode = await run(step.command, step.args, suite.env)
    if (setupCode !== 0) break
  }
  if (setupCode !== 0) {
    failed += 1
    problems.push(`${suite.name}: its setup step failed (exit ${setupCode})`)
    timings.push(`  ${suite.name}: setup failed, ${seconds(Date.now() - suiteStarted)}`)
    continue
  }
  const resultPath = join(root, suite.resultFile)
  rmSync(resultPath, { force: true })
  console.log(`\n=== suite: ${suite.name} ===`)
  const code = await run(suite.command, suite.args, suite.env, suite.cwd)
  let counts
  try {
    counts = suite.counts(JSON.parse(readFileSync(resultPath, 'utf8')))
  } catch {
    failed += 1
    problems.push(
      `${suite.name}: exited ${code} without a readable result file (${suite.resultFile}); counted as one failure`,
    )
    timings.push(`  ${suite.name}: no result file, ${seconds(Date.now() - suiteStarted)}`)
    continue
  }
  passed += counts.passed
  failed += counts.failed
  skipped += counts.skipped
  if (code !== 0 && counts.failed === 0) {
    failed += 1
    problems.push(
      `${suite.name}: exited ${code} with no failed test reported (an error outside tests); counted as one failure`,
    )
  }
  console.log(`=== ${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped ===`)
  timings.push(
    `  ${suite.name}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}, ${seconds(Date.now() - suiteStarted)}`,
  )
}

// Everything on stdout, in order, so that nothing follows the summary in a merged log.
for (const p of problems) console.log(`!! ${p}`)
if (passed + failed === 0) problems.push('no test ran')
console.log(`\nsuites (wall time; ${seconds(Date.now() - started)} in all):\n${timings.join('\n')}`)
if (skipped > 0) console.log(`(${skipped} skipped)`)
// Exactly `N passed, N failed`: the line CI parses.
const line = `${passed} passed, ${failed} failed`
writeFileSync(join(root, '.test-results/summary.txt'), line + '\n')
console.log(line)
process.exit(exitZero || (failed === 0 && passed > 0) ? 0 : 1)
