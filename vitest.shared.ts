import { fileURLToPath } from 'node:url'

const src = (pkg: string, file: string) => fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url))

/**
 * Tests import the workspace packages from their sources, so a test run never depends on a stale
 * `dist/` (the built output is tested separately by each package's build-output test). Exact
 * matches, so a subpath export (`@clawchat/client/direct`) maps to its own entry.
 */
export const workspaceAliases = [
  ...['protocol', 'server', 'client', 'mock-gateway'].map((name) => ({
    find: new RegExp(`^@clawchat/${name}$`),
    replacement: src(name, 'index.ts'),
  })),
  { find: /^@clawchat\/client\/direct$/, replacement: src('client', 'direct.ts') },
]
