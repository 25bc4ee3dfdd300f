import { defineConfig } from 'vitest/config'
import { workspaceAliases } from '../vitest.shared.js'

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    name: 'examples',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
