import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../../vitest.shared.js'

// Not a test project (the root config only picks up packages/*/vitest.config.ts): the measurement
// of what coordination adds, run on demand with `pnpm --filter @clawchat/server measure:coordination`.
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
