// Every test suite the repository has. `scripts/test-all.mjs` runs them in this order and sums
// their counts into the one closing line CI reads. A new suite is added here, so the README's test
// command keeps running everything. `cwd` is relative to the repository root; `resultFile` too.
// `before` is one setup step or a list of them; `env` applies to the setup steps and the command.
import { delimiter } from 'node:path'
import { resolveCachePaths } from '../e2e/real-gateway/cache-paths.mjs'

/** Reads a vitest `--reporter=json` file. */
function vitestCounts(json) {
  return {
    passed: json.numPassedTests ?? 0,
    failed: json.numFailedTests ?? 0,
    skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
  }
}

/** Reads a Playwright `json` reporter file. Flaky (passed on retry) counts as passed. */
function playwrightCounts(json) {
  const s = json.stats ?? {}
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0, skipped: s.skipped ?? 0 }
}

const vitestJson = (file) => ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`]

/** The private Node 24 of e2e/real-gateway/install.mjs (~/.cache/clawchat unless CLAWCHAT_CACHE_DIR). */
const node24 = resolveCachePaths()
/** The scaling-out tests start their own redis-server: Debian's package, installed when missing. */
const ensureRedis = {
  command: 'node',
  args: ['scripts/ensure-debian-package.mjs', 'redis-server', '/usr/bin/redis-server'],
}

export const suites = [
  {
    name: 'lint and format (eslint, prettier --check)',
    command: 'node',
    args: ['scripts/lint.mjs', '--json', '.test-results/lint.json'],
    resultFile: '.test-results/lint.json',
    counts: (json) => json,
  },
  {
    name: 'unit and integration (vitest, every package)',
    // The scaling-out tests start their own redis-server: Debian's package, installed when missing.
    before: ensureRedis,
    command: 'npx',
    args: ['vitest', 'run', ...vitestJson('.test-results/vitest.json')],
    resultFile: '.test-results/vitest.json',
    counts: vitestCounts,
  },
  {
    name: 'unit and integration on Node 24 (the same vitest run, private Node 24)',
    // Node 20 reached end of life in April 2026: the same run again under Node 24, installed into
    // ~/.cache/clawchat by install.mjs (only Node, reused when present). Node 24 is first on PATH for
    // this suite's processes only, so every `node` a test spawns is Node 24 too.
    before: [ensureRedis, { command: 'node', args: ['e2e/real-gateway/install.mjs', '--node-only'] }],
    command: node24.nodeBin,
    args: ['node_modules/vitest/vitest.mjs', 'run', ...vitestJson('.test-results/vitest-node24.json')],
    env: { PATH: `${node24.nodeBinDir}${delimiter}${process.env.PATH ?? ''}` },
    resultFile: '.test-results/vitest-node24.json',
    counts: vitestCounts,
  },
  {
    name: 'installable packages (pnpm pack, a fresh npm project, publint, attw)',
    // Packs the four packages from their dist/ (the test command builds first), installs the tarballs
    // into fresh npm projects in a temp folder (the npm registry for the rest), and uses them as a user.
    command: 'npx',
    args: [
      'vitest',
      'run',
      '--config',
      'e2e/packaging/vitest.config.ts',
      ...vitestJson('.test-results/packaging.json'),
    ],
    resultFile: '.test-results/packaging.json',
    counts: vitestCounts,
  },
  {
    name: 'end-to-end (Playwright, Debian Chromium, demo site on the mock gateway)',
    // Installs Debian's chromium when it is missing (Playwright's own browser download cannot work here).
    before: { command: 'node', args: ['scripts/ensure-debian-package.mjs', 'chromium', '/usr/bin/chromium'] },
    command: 'node',
    args: ['e2e/node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts'],
    env: { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    resultFile: '.test-results/playwright.json',
    counts: playwrightCounts,
  },
  {
    name: 'relay benchmark, 30-second smoke version (asserts that every path works, nothing about speed)',
    cwd: 'bench',
    command: 'npx',
    args: ['vitest', 'run', '--config', 'vitest.config.ts', ...vitestJson('../.test-results/bench-smoke.json')],
    resultFile: '.test-results/bench-smoke.json',
    counts: vitestCounts,
  },
  {
    name: 'real OpenClaw gateway (vitest, openclaw@2026.9.6 on a private Node 24)',
    // Installs Node 24 and openclaw into ~/.cache/clawchat (reused when present); fails loudly.
    before: { command: 'node', args: ['e2e/real-gateway/install.mjs'] },
    cwd: 'e2e',
    command: 'npx',
    args: [
      'vitest',
      'run',
      '--config',
      'real-gateway/vitest.config.ts',
      ...vitestJson('../.test-results/real-gateway.json'),
    ],
    resultFile: '.test-results/real-gateway.json',
    counts: vitestCounts,
  },
]

export { playwrightCounts, vitestCounts }
