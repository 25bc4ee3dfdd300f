import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A demo account. The demo keeps passwords in memory as given: it is a demo, not a user database. */
export interface DemoUser {
  id: string
  name: string
  password: string
  role: 'user' | 'admin'
}

/** The accounts the demo has when nothing else is configured (printed at start). */
export const DEFAULT_USERS_SPEC = 'alice:wonderland,bob:builder'

const USER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/

/**
 * Parses `name:password[:admin]` entries separated by commas, e.g. `alice:pw,bob:pw,carol:pw:admin`.
 * @throws Error naming the entry that is wrong and why.
 */
export function parseUsersSpec(spec: string): DemoUser[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (entries.length === 0) throw new Error('demo users: the list is empty; give at least one "name:password"')
  return checkUsers(
    entries.map((entry) => {
      const parts = entry.split(':')
      const [id, password, role, ...rest] = parts
      if (id && !password && rest.length === 0 && role === undefined) {
        throw new Error(
          `demo users: "${id}" has no password; write it as "${id}:<password>" (or "${id}:<password>:admin")`,
        )
      }
      if (!id || !password || rest.length > 0 || (role !== undefined && role !== 'admin' && role !== 'user')) {
        throw new Error(`demo users: "${id ?? ''}:…" is not "name:password" or "name:password:admin"`)
      }
      return { id: id.toLowerCase(), name: capitalise(id), password, role: role === 'admin' ? 'admin' : 'user' }
    }),
  )
}

/**
 * Reads users from a JSON file: `[{"id":"alice","password":"…","name":"Alice","role":"user"}, …]`.
 * @throws Error naming the file and what is wrong in it.
 */
export function loadUsersFile(path: string): DemoUser[] {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`demo users: cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw new Error(`demo users: ${path} must hold a non-empty JSON array of {id, password}`)
  return checkUsers(
    raw.map((u: Record<string, unknown>, i) => {
      if (typeof u?.id !== 'string' || typeof u.password !== 'string' || u.password.length === 0) {
        throw new Error(`demo users: entry ${i} of ${path} needs a string "id" and a non-empty "password"`)
      }
      const id = u.id.toLowerCase()
      return {
        id,
        name: typeof u.name === 'string' && u.name ? u.name : capitalise(id),
        password: u.password,
        role: u.role === 'admin' ? 'admin' : 'user',
      }
    }),
  )
}

/** `CLAWCHAT_DEMO_USERS` (a list, or a path ending in .json), else the defaults. */
export function resolveUsers(value: string | undefined): DemoUser[] {
  if (value === undefined || value.trim() === '') return parseUsersSpec(DEFAULT_USERS_SPEC)
  return value.trim().endsWith('.json') ? loadUsersFile(value.trim()) : parseUsersSpec(value)
}

function checkUsers(users: DemoUser[]): DemoUser[] {
  const seen = new Set<string>()
  for (const u of users) {
    if (!USER_ID.test(u.id))
      throw new Error(`demo users: "${u.id}" is not a valid name (a-z, 0-9, "_" or "-", at most 32)`)
    if (seen.has(u.id)) throw new Error(`demo users: "${u.id}" is listed twice`)
    seen.add(u.id)
  }
  return users
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/** The user with this name and password, or undefined. Compares in constant time. */
export function verifyLogin(users: readonly DemoUser[], id: unknown, password: unknown): DemoUser | undefined {
  if (typeof id !== 'string' || typeof password !== 'string') return undefined
  const user = users.find((u) => u.id === id.trim().toLowerCase())
  const expected = digest(user?.password ?? '\u0000no-such-user')
  const ok = timingSafeEqual(expected, digest(password))
  return ok && user ? user : undefined
}
