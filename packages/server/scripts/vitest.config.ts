import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../../vitest.shared.js'

// Not a test project (the root config only picks up packages/*/vitest.config.ts): the measurements
// in scripts/, run on demand, e.g.
// `npx vitest run --config packages/server/scripts/vitest.config.ts stream-redaction-cost`.
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'server-measure',
    root: new URL('..', import.meta.url).pathname,
    include: ['scripts/**/*.measure.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
})
