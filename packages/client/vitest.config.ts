import { createRequire } from 'node:module'
import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../vitest.shared.js'

export default defineConfig({
  resolve: {
    // An array: `workspaceAliases` is one (spread into an object it would silently alias nothing, and
    // the integration tests would run the mock and the proxy from a stale dist/).
    alias: [
      ...workspaceAliases,
      // As the published build bundles it (tsup.config.ts): reconnecting-websocket from its TypeScript source.
      {
        find: /^reconnecting-websocket$/,
        replacement: createRequire(import.meta.url).resolve('reconnecting-websocket/reconnecting-websocket.ts'),
      },
    ],
  },
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
