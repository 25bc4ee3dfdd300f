import { fileURLToPath } from 'node:url'

/**
 * Tests import the workspace packages from their sources, so a test run never depends on a stale
 * `dist/` (the built output is tested separately by each package's build-output test).
 */
export const workspaceAliases = Object.fromEntries(
  ['protocol', 'server', 'client', 'mock-gateway'].map((name) => [
    `@clawchat/${name}`,
    fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
  ]),
)
