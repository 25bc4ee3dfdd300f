import { defineConfig } from 'vitest/config'

// The smoke versions of the relay benchmark and of the soak: the same code paths as `pnpm bench`
// and `pnpm soak`, tiny and short.
// It imports the BUILT @clawchat/* packages (no source aliases): run the root build first.
export default defineConfig({
  test: {
    name: 'bench-smoke',
    include: ['smoke.test.ts', 'soak-smoke.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
