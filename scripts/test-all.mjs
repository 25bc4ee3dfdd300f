#!/usr/bin/env node
// Runs every suite of scripts/suites.mjs and prints, as its very last line, `N passed, N failed`
// summed over all of them (CI reads that line, not any runner's own summary).
// Exit code: 0 only when every suite ran, at least one test ran, and none failed.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suites } from './suites.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const only = process.argv.slice(2)

function run(command, args, env, cwd = '.') {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: join(root, cwd), stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    child.on('error', (err) => { console.error(`could not start ${command}: ${err.message}`); resolve(127) })
  })
}

let passed = 0
let failed = 0
let skipped = 0
const problems = []
mkdirSync(join(root, '.test-results'), { recursive: true })

for (const suite of suites) {
  if (only.length > 0 && !only.some((o) => suite.name.includes(o))) continue
  if (suite.before) {
    const code = await run(suite.before.command, suite.before.args, suite.env)
    if (code !== 0) { failed += 1; problems.push(`${suite.name}: its setup step failed (exit ${code})`); continue }
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
    problems.push(`${suite.name}: exited ${code} without a readable result file (${suite.resultFile}); counted as one failure`)
    continue
  }
  passed += counts.passed
  failed += counts.failed
  skipped += counts.skipped
  if (code !== 0 && counts.failed === 0) {
    failed += 1
    problems.push(`${suite.name}: exited ${code} with no failed test reported (an error outside tests); counted as one failure`)
  }
  console.log(`=== ${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped ===`)
}

for (const p of problems) console.error(`!! ${p}`)
if (passed + failed === 0) problems.push('no test ran')
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
writeFileSync(join(root, '.test-results/summary.txt'), line + '\n')
console.log(line)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
