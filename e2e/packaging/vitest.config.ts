import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The packaging suite: each package packed with `pnpm pack` and installed from its tarball into fresh
// npm projects outside the workspace (global-setup.ts), then used the way a user would.
// Run from the repository root: npx vitest run --config e2e/packaging/vitest.config.ts
// It uses the packages' dist/: build first (`npx -y pnpm@12.4.2 build`).
export default defineConfig({
  test: {
    name: 'packaging',
    // The repository root, so `--outputFile` paths are the root's as in every other suite.
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['e2e/packaging/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
