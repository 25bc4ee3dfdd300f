import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The demo package's own folder (demo/), wherever it is run from. */
export const DEMO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const PUBLIC_DIR = join(DEMO_ROOT, 'public')
export const BUNDLE_DIR = join(DEMO_ROOT, 'dist', 'page')
export const DEFAULT_DATA_DIR = join(DEMO_ROOT, '.data')

/** @throws Error saying how to build the page when its bundle is missing. */
export function assertPageBuilt(): void {
  if (!existsSync(join(BUNDLE_DIR, 'main.js'))) {
    throw new Error(
      `the page is not built (${join(BUNDLE_DIR, 'main.js')} is missing): ` +
        'run "pnpm --filter @clawchat/demo build" first',
    )
  }
}
