import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The secret that signs session cookies: `CLAWCHAT_SESSION_SECRET` when given, else one generated
 * once and kept in `<dataDir>/session-secret` (mode 0600), so that a restart keeps everyone logged in.
 */
export function loadOrCreateSessionSecret(dataDir: string, fromEnv?: string): string {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16) throw new Error('CLAWCHAT_SESSION_SECRET is too short: use at least 16 characters')
    return fromEnv
  }
  const file = join(dataDir, 'session-secret')
  try {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 16) return kept
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
