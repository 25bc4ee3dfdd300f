// Every test suite the repository has. `scripts/test-all.mjs` runs them in this order and sums
// their counts into the one closing line CI reads. A later suite (end-to-end, real gateway,
// bench smoke) is added here so the README's test command keeps running everything.

/** Reads a vitest `--reporter=json` file. */
function vitestCounts(json) {
  return { passed: json.numPassedTests ?? 0, failed: json.numFailedTests ?? 0, skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0) }
}

export const suites = [
  {
    name: 'unit and integration (vitest)',
    command: 'npx',
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.test-results/vitest.json'],
    resultFile: '.test-results/vitest.json',
    counts: vitestCounts,
  },
]
