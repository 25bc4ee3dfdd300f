import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../vitest.shared.js'

// The suites against the REAL OpenClaw gateway (installed by install.mjs into ~/.cache/clawchat).
// Run from e2e/: npx vitest run --config real-gateway/vitest.config.ts
// Files run one after another: each starts its own gateway (~880 MB RSS, 11–20 s to start).
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'real-gateway',
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['real-gateway/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
