import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../vitest.shared.js'

export default defineConfig({
  resolve: {
    // An array: `workspaceAliases` is one (spread into an object it would silently alias nothing, and
    // the integration tests would run the mock and the proxy from a stale dist/).
    alias: workspaceAliases,
  },
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
