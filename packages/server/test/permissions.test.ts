/**
 * `policy.permissions` (issue 18 item 7), without a gateway: the option's validation, and how the
 * proxy prepares a session (`sessions.create {key, permissionMode, cwd?}`) once before its first
 * `chat.send`, asserts the mode on every send, applies it again when the gateway says the session's
 * settings changed, and refuses a send it could not prepare without telling the browser server paths.
 */
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/gate/options.js'
import { SessionPermissions, type PermissionPolicy } from '../src/isolation/permissions.js'
import type { ProxyLog } from '../src/common/log.js'
import type { RequestPlan } from '../src/isolation/request-plan.js'

const token = 'tok-permissions-test'
const options = (permissions: unknown) => ({
  gateway: { token },
  authenticate: () => null,
  policy: { permissions },
})

describe('option policy.permissions', () => {
  it('defaults to no profile (the gateway defaults)', () => {
    expect(resolveOptions({ gateway: { token }, authenticate: () => null }).permissions).toEqual({})
  })

  it('takes a mode per role, and a cwd as a path or a function of the user id', () => {
    const cwd = (id: string) => `/srv/chat/${id}`
    const p = resolveOptions(options({ user: { mode: 'read-only', cwd }, admin: { mode: 'full', cwd: '/srv/admin' } }))
    expect(p.permissions.user?.mode).toBe('read-only')
    expect(p.permissions.user?.cwd?.('alice')).toBe('/srv/chat/alice')
    expect(p.permissions.admin?.cwd?.('root')).toBe('/srv/admin')
  })

  it.each([
    [
      'read-write',
      { user: { mode: 'read-write' } },
      /option "policy\.permissions\.user\.mode" must be one of 'read-only', 'guarded', 'workspace', 'full', got "read-write"/,
    ],
    [
      'full for users',
      { user: { mode: 'full' } },
      /option "policy\.permissions\.user\.mode" may not be 'full': the gateway gives full access to administrators only/,
    ],
    ['no mode', { admin: {} }, /option "policy\.permissions\.admin\.mode" must be one of/],
    [
      'a relative cwd',
      { user: { mode: 'guarded', cwd: 'chat/alice' } },
      /option "policy\.permissions\.user\.cwd" must be an absolute path/,
    ],
    [
      'an unknown role',
      { guest: { mode: 'read-only' } },
      /unknown option "policy\.permissions\.guest"; known: user, admin/,
    ],
    [
      'an unknown field',
      { user: { mode: 'read-only', tools: [] } },
      /unknown option "policy\.permissions\.user\.tools"; known: mode, cwd/,
    ],
    ['not an object', 'read-only', /option "policy\.permissions" must be an object like/],
  ])('refuses %s, naming the option', (_name, value, message) => {
    expect(() => resolveOptions(options(value))).toThrow(message)
  })
})

/** A fake upstream: records calls, answers from `answer` (or `{}`). */
function upstream(answer: (method: string, params: Record<string, unknown>) => unknown = () => ({})) {
  const calls: Array<[string, Record<string, unknown>]> = []
  const call = async (method: string, params: Record<string, unknown>) => {
    calls.push([method, params])
    return answer(method, params)
  }
  return { calls, call }
}

function recordingLog(): ProxyLog & { lines: string[] } {
  const lines: string[] = []
  const push = (m: string) => void lines.push(m)
  return { lines, debug: push, info: push, warn: push, error: push } as ProxyLog & { lines: string[] }
}

/** The `chat.send` plan the planner would make, asserting `mode`. */
function sendPlan(key: string, mode: string): RequestPlan {
  const params = { sessionKey: key, message: 'hi', idempotencyKey: `${key}:k`, expectedPermissionMode: mode }
  return { method: 'chat.send', run: (call) => call('chat.send', params) }
}

const gatewayError = (shape: Record<string, unknown>) =>
  Object.assign(new Error(String(shape.message)), { kind: 'gateway', shape })
const SETTINGS_CHANGED = {
  code: 'INVALID_REQUEST',
  message: 'Session settings changed before send. Retry.',
  details: { reason: 'session-settings-changed' },
}

describe('SessionPermissions', () => {
  const policy: PermissionPolicy = {
    user: { mode: 'read-only', cwd: (id) => `/srv/chat/${id}` },
    admin: { mode: 'full' },
  }
  const alice = { userId: 'alice', role: 'user' as const, gatewayKey: 'clawchat:alice:main' }

  it('prepares a session once, then only sends', async () => {
    const p = new SessionPermissions(policy, recordingLog())
    const up = upstream()
    await p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)
    await p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)
    expect(up.calls.map(([m]) => m)).toEqual(['sessions.create', 'chat.send', 'chat.send'])
    expect(up.calls[0]![1]).toEqual({ key: 'clawchat:alice:main', permissionMode: 'read-only', cwd: '/srv/chat/alice' })
  })

  it('prepares a session once for sends that arrive together', async () => {
    const p = new SessionPermissions(policy, recordingLog())
    const up = upstream()
    const plan = () => p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)
    await Promise.all([plan(), plan(), plan()])
    expect(up.calls.filter(([m]) => m === 'sessions.create')).toHaveLength(1)
    expect(up.calls.filter(([m]) => m === 'chat.send')).toHaveLength(3)
  })

  it('gives each role its own profile; a role without one is not prepared', async () => {
    const p = new SessionPermissions({ user: { mode: 'guarded' } }, recordingLog())
    expect(p.modeFor('user')).toBe('guarded')
    expect(p.modeFor('admin')).toBeUndefined()
    const up = upstream()
    await p
      .guard(sendPlan('clawchat:bob:x', 'guarded'), { userId: 'bob', role: 'user', gatewayKey: 'clawchat:bob:x' })
      .run(up.call)
    expect(up.calls[0]).toEqual(['sessions.create', { key: 'clawchat:bob:x', permissionMode: 'guarded' }])
  })

  it('applies the profile again and sends once more when the gateway says the settings changed', async () => {
    const log = recordingLog()
    const p = new SessionPermissions(policy, log)
    let refuse = 1
    const up = upstream((method) => {
      if (method === 'chat.send' && refuse-- > 0) throw gatewayError(SETTINGS_CHANGED)
      return { runId: 'r', status: 'started' }
    })
    await expect(p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)).resolves.toEqual({
      runId: 'r',
      status: 'started',
    })
    expect(up.calls.map(([m]) => m)).toEqual(['sessions.create', 'chat.send', 'sessions.create', 'chat.send'])
    expect(log.lines.join('\n')).toContain('changed outside ClawChat')
  })

  it('gives up after one more try: the second refusal reaches the browser', async () => {
    const p = new SessionPermissions(policy, recordingLog())
    const up = upstream((method) => {
      if (method === 'chat.send') throw gatewayError(SETTINGS_CHANGED)
      return {}
    })
    await expect(p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)).rejects.toMatchObject({
      shape: SETTINGS_CHANGED,
    })
    expect(up.calls.filter(([m]) => m === 'chat.send')).toHaveLength(2)
  })

  it('refuses the send when the gateway refuses the settings; the browser is told no path, the log is', async () => {
    const log = recordingLog()
    const p = new SessionPermissions(policy, log)
    const missing = {
      code: 'INVALID_REQUEST',
      message: "sessions.create cwd is unavailable: ENOENT: no such file or directory, lstat '/srv/chat/alice'",
    }
    const up = upstream((method) => {
      if (method === 'sessions.create') throw gatewayError(missing)
      return {}
    })
    const failure = await p
      .guard(sendPlan(alice.gatewayKey, 'read-only'), alice)
      .run(up.call)
      .catch((e: unknown) => e)
    const shape = (failure as { shape: Record<string, unknown> }).shape
    expect(shape).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { reason: 'misconfigured' } })
    expect(String(shape.message)).toMatch(/could not be applied to this conversation; an administrator has to fix them/)
    expect(JSON.stringify(shape)).not.toContain('/srv/chat')
    expect(up.calls.map(([m]) => m)).toEqual(['sessions.create']) // nothing was sent
    expect(log.lines.join('\n')).toContain("lstat '/srv/chat/alice'")
  })

  it('passes a link failure (gateway down, timeout) through as it is', async () => {
    const p = new SessionPermissions(policy, recordingLog())
    const down = Object.assign(new Error('down'), {
      kind: 'unavailable',
      shape: { code: 'UNAVAILABLE', message: 'down' },
    })
    const up = upstream(() => {
      throw down
    })
    await expect(p.guard(sendPlan(alice.gatewayKey, 'read-only'), alice).run(up.call)).rejects.toBe(down)
  })

  it('refuses the send when the cwd function throws or returns no absolute path', async () => {
    for (const cwd of [
      () => 'relative/alice',
      () => {
        throw new Error('no folder')
      },
      () => 42 as unknown as string,
    ]) {
      const log = recordingLog()
      const p = new SessionPermissions({ user: { mode: 'read-only', cwd } }, log)
      const up = upstream()
      const failure = await p
        .guard(sendPlan(alice.gatewayKey, 'read-only'), alice)
        .run(up.call)
        .catch((e: unknown) => e)
      expect((failure as { shape: { code: string } }).shape.code).toBe('UNAVAILABLE')
      expect(up.calls).toEqual([])
      expect(log.lines.join('\n')).toContain('policy.permissions.user.cwd')
    }
  })

  it('remembers a bounded number of prepared sessions, forgetting the least recently used', async () => {
    const p = new SessionPermissions(policy, recordingLog(), 2)
    const up = upstream()
    const send = (key: string) => p.guard(sendPlan(key, 'read-only'), { ...alice, gatewayKey: key }).run(up.call)
    await send('k1')
    await send('k2')
    await send('k1') // k1 used last: k2 is the oldest
    await send('k3')
    expect(p.preparedCount).toBe(2)
    const creates = () => up.calls.filter(([m]) => m === 'sessions.create').map(([, q]) => q.key)
    expect(creates()).toEqual(['k1', 'k2', 'k3'])
    await send('k1')
    expect(creates()).toEqual(['k1', 'k2', 'k3'])
    await send('k2')
    expect(creates()).toEqual(['k1', 'k2', 'k3', 'k2'])
  })
})

describe('SessionPermissions when a role changes', () => {
  it("applies the other role's profile to the same session on the next send", async () => {
    const p = new SessionPermissions({ user: { mode: 'read-only' }, admin: { mode: 'full' } }, recordingLog())
    const up = upstream()
    const key = 'clawchat:carol:main'
    await p.guard(sendPlan(key, 'read-only'), { userId: 'carol', role: 'user', gatewayKey: key }).run(up.call)
    await p.guard(sendPlan(key, 'full'), { userId: 'carol', role: 'admin', gatewayKey: key }).run(up.call)
    expect(up.calls.filter(([m]) => m === 'sessions.create').map(([, q]) => q.permissionMode)).toEqual([
      'read-only',
      'full',
    ])
  })
})
