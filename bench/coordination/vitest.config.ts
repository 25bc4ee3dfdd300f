import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../vitest.shared.js'

// Not a test project (the root config only picks up packages/*/vitest.config.ts, bench-smoke has its
// own): the measurement of what coordination adds, run on demand with
// `npx -y pnpm@12.4.2 --filter @clawchat/bench measure:coordination`. Sources, not dist (aliases),
// as the server's test helpers it reuses expect.
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'coordination-measure',
    root: new URL('.', import.meta.url).pathname,
    include: ['*.measure.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
})
