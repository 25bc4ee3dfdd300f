// The gateway keeps 0-byte lock files for its sqlite databases in /tmp/openclaw-state-locks-<uid>/
// whatever TMPDIR says, named `<family>.<sha256(database path)[0..8]>.lock.sqlite`. They are never
// removed, so each test gateway would leave ~4 behind. This removes exactly the ones belonging to
// the databases inside one state folder, i.e. to a gateway we started.
import { createHash } from 'node:crypto'
import { readdirSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/**
 * `/tmp/openclaw-state-locks-<uid>` (the gateway's hard-coded folder).
 *
 * @example
 * readdirSync(gatewayLockDir())
 */
export function gatewayLockDir(): string {
  return process.getuid ? `/tmp/openclaw-state-locks-${process.getuid()}` : '/tmp/openclaw-state-locks'
}

/**
 * Deletes the gateway's lock files for the `*.sqlite` databases under `stateDir`. Call it after
 * the gateway has stopped and before `stateDir` is deleted. Synchronous, never throws; returns the
 * names it removed.
 *
 * @example
 * // once the gateway process group is gone:
 * removeGatewayLockFiles(join(tempDir, 'state'))
 */
export function removeGatewayLockFiles(stateDir: string, lockDir = gatewayLockDir()): string[] {
  const hashes = new Set<string>()
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p, depth + 1)
      else if (e.isFile() && e.name.endsWith('.sqlite')) {
        let canonical = p
        try {
          canonical = realpathSync.native(p)
        } catch {
          /* keep the lexical path */
        }
        hashes.add(createHash('sha256').update(canonical).digest('hex').slice(0, 8))
      }
    }
  }
  walk(stateDir, 0)
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(lockDir)
  } catch {
    return removed
  }
  for (const name of names) {
    const m = /^[a-z][a-z-]*\.([0-9a-f]{8})\.lock\.sqlite$/.exec(name)
    if (m?.[1] && hashes.has(m[1])) {
      try {
        rmSync(join(lockDir, name), { force: true })
        removed.push(name)
      } catch {
        /* best effort */
      }
    }
  }
  return removed
}
