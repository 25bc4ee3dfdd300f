// The lint of the test command and of `pnpm lint`: eslint (eslint.config.js: typescript-eslint's
// recommended rules, and files ≤ 300 lines, functions ≤ 80, lines ≤ 120 in shipped source) and
// prettier's check (.prettierrc.json). Each is one check; with `--json <file>` the counts go there
// for scripts/test-all.mjs. `pnpm format` rewrites what prettier would change.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
export const PRETTIER_GLOBS = ['packages', 'demo', 'e2e', 'bench', 'examples', 'scripts', '*.ts', '*.js']

const checks = [
  { name: 'eslint', command: bin('eslint'), args: ['--max-warnings=0', '.'] },
  { name: 'prettier --check', command: bin('prettier'), args: ['--check', '--log-level=warn', ...PRETTIER_GLOBS] },
]

let passed = 0
let failed = 0
for (const check of checks) {
  const run = spawnSync(check.command, check.args, { cwd: root, stdio: 'inherit' })
  const ok = run.status === 0
  console.log(`${ok ? '✓' : '✗'} ${check.name}${ok ? '' : ` failed (exit ${run.status ?? run.signal})`}`)
  if (ok) passed++
  else failed++
}

const jsonAt = process.argv.indexOf('--json')
if (jsonAt !== -1) {
  const file = path.resolve(root, process.argv[jsonAt + 1])
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ passed, failed, skipped: 0 }))
}
process.exitCode = failed === 0 ? 0 : 1
