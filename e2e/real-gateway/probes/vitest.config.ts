import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../../../vitest.shared.js'

// Probes: scripts that ask the REAL gateway what it does and print what they saw (not tests; they
// assert nothing a user would notice). Run from e2e/:
//   npx vitest run --config real-gateway/probes/vitest.config.ts
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'real-gateway-probes',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['real-gateway/probes/**/*.probe.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 400_000,
    fileParallelism: false,
  },
})
