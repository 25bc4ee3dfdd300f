/**
 * A session's `permissionMode` and folder (`sessions.create` / `sessions.patch`) and `chat.send`'s
 * `expectedPermissionMode`, against what openclaw 2026.9.6 answered (fixtures/recorded/permissions.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { agentEvents, connectTool, RW } from './helpers/tool-clients.js'

const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/permissions.json', import.meta.url), 'utf8'))
const LINK = ['operator.read', 'operator.write', 'operator.admin']
const h = new Harness()
const dirs: string[] = []
afterEach(async () => {
  await h.cleanup()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function clients() {
  const gw = await h.gateway({})
  const link = await connectTool(h, gw, { scopes: LINK, caps: ['tool-events'] })
  const writer = await connectTool(h, gw, { scopes: RW, caps: [] })
  return { gw, link, writer }
}

const execMarker = (command: string) => `run [[TOOL:exec]] [[ARGS:${JSON.stringify({ command })}]]`

describe('sessions.create with permissionMode and cwd', () => {
  it('sets the mode (and the folder) and answers like the gateway', async () => {
    const { link } = await clients()
    const folder = mkdtempSync(join(tmpdir(), 'perm-'))
    dirs.push(folder)
    const res = await link.request('sessions.create', {
      key: 'clawchat:p:ro',
      permissionMode: 'read-only',
      cwd: folder,
    })
    expect(res.ok).toBe(true)
    expect(res.payload.key).toBe('agent:main:clawchat:p:ro')
    expect(res.payload.runStarted).toBe(false)
    expect(res.payload.entry).toMatchObject({ permissionMode: 'read-only', sessionRoot: folder, spawnedCwd: folder })
    const real = recorded.sessionsCreate['link full + cwd alice'].payload
    expect(Object.keys(res.payload).sort()).toEqual([...Object.keys(real), 'resolved'].sort())
    // The fixture keeps the entry fields that matter; the mock has each of them.
    for (const field of Object.keys(real.entry)) expect(res.payload.entry).toHaveProperty(field)
  })

  it('refuses full and a folder outside the workspace to a caller without operator.admin', async () => {
    const { writer } = await clients()
    const full = await writer.request('sessions.create', { key: 'clawchat:p:w', permissionMode: 'full' })
    expect(full.error).toEqual(recorded.sessionsCreate['writer full'].error)
    const cwd = await writer.request('sessions.create', { key: 'clawchat:p:w', cwd: tmpdir() })
    expect(cwd.error).toEqual(recorded.sessionsCreate['writer cwd outside the workspace'].error)
    const ro = await writer.request('sessions.create', { key: 'clawchat:p:w', permissionMode: 'read-only' })
    expect(ro.ok).toBe(true)
  })

  it('refuses a relative or missing folder with the gateway words', async () => {
    const { link } = await clients()
    const rel = await link.request('sessions.create', { key: 'clawchat:p:r', cwd: 'users/alice' })
    expect(rel.error).toEqual(recorded.sessionsCreate['link relative cwd'].error)
    const missing = await link.request('sessions.create', { key: 'clawchat:p:r', cwd: '/nonexistent/clawchat-perm' })
    expect(missing.error.code).toBe('INVALID_REQUEST')
    expect(missing.error.message).toMatch(/^sessions\.create cwd is unavailable: ENOENT: no such file or directory/)
  })

  it('keeps the history of an existing session', async () => {
    const { link } = await clients()
    await link.request('chat.send', { sessionKey: 'clawchat:p:old', message: 'hello', idempotencyKey: 'k-1' })
    await link.event('chat', (p) => p.runId === 'k-1' && p.state === 'final')
    const before = await link.request('chat.history', { sessionKey: 'clawchat:p:old' })
    const res = await link.request('sessions.create', { key: 'clawchat:p:old', permissionMode: 'read-only' })
    const after = await link.request('chat.history', { sessionKey: 'clawchat:p:old' })
    expect(res.payload.sessionId).toBe(before.payload.sessionId)
    expect(after.payload.messages).toHaveLength(before.payload.messages.length)
  })
})

describe('sessions.patch permissionMode', () => {
  it('lets a writer set guarded but not full, checks expectedPermissionMode, creates a missing key', async () => {
    const { link, writer } = await clients()
    await link.request('sessions.create', { key: 'clawchat:p:ro', permissionMode: 'read-only' })
    expect((await writer.request('sessions.patch', { key: 'clawchat:p:ro', permissionMode: 'full' })).error).toEqual(
      recorded.sessionsPatch['writer full'].error,
    )
    const guarded = await writer.request('sessions.patch', { key: 'clawchat:p:ro', permissionMode: 'guarded' })
    expect(guarded.payload.entry.permissionMode).toBe('guarded')
    const wrong = { key: 'clawchat:p:ro', permissionMode: 'guarded', expectedPermissionMode: 'full' }
    expect((await link.request('sessions.patch', wrong)).error).toEqual(
      recorded.sessionsPatch['link with a wrong expectedPermissionMode'].error,
    )
    const fresh = await link.request('sessions.patch', { key: 'clawchat:p:nosuch', permissionMode: 'read-only' })
    expect(fresh.payload.entry.permissionMode).toBe('read-only')
  })
})

describe('chat.send expectedPermissionMode', () => {
  it('runs when it matches, refuses with session-settings-changed when not (or when the session is missing)', async () => {
    const { link } = await clients()
    await link.request('sessions.create', { key: 'clawchat:p:ro', permissionMode: 'read-only' })
    const ok = await link.request('chat.send', {
      sessionKey: 'clawchat:p:ro',
      message: 'hi',
      idempotencyKey: 'k-ok',
      expectedPermissionMode: 'read-only',
    })
    expect(ok.payload).toEqual({ runId: 'k-ok', status: 'started' })
    const cases = [
      ['clawchat:p:ro', 'full', 'expectedPermissionMode full on a read-only session'],
      ['clawchat:p:ro', null, 'expectedPermissionMode null on a read-only session'],
      ['clawchat:p:none', 'read-only', 'expectedPermissionMode read-only on a key that does not exist'],
    ] as const
    for (const [sessionKey, expectedPermissionMode, name] of cases) {
      const res = await link.request('chat.send', {
        sessionKey,
        message: 'hi',
        idempotencyKey: `k-${name}`,
        expectedPermissionMode,
      })
      expect(res.error, name).toEqual(recorded.chatSend[name].ack.error)
    }
  })
})

describe('what a mode does to exec', () => {
  it('read-only denies exec with the gateway result; full runs it', async () => {
    const { link } = await clients()
    await link.request('sessions.create', { key: 'clawchat:p:ro', permissionMode: 'read-only' })
    await link.request('chat.send', {
      sessionKey: 'clawchat:p:ro',
      message: execMarker('echo hi'),
      idempotencyKey: 'x-ro',
    })
    await link.event('chat', (p) => p.runId === 'x-ro' && p.state === 'final')
    const result = agentEvents(link, 'x-ro', 'tool').find((p) => p.data.phase === 'result')
    expect(result.data.isError).toBe(true)
    expect(result.data.result.content[0].text).toBe(recorded.tools['read-only: exec echo'].toolResults[0])
    await link.request('sessions.create', { key: 'clawchat:p:full', permissionMode: 'full' })
    await link.request('chat.send', {
      sessionKey: 'clawchat:p:full',
      message: execMarker('echo hi'),
      idempotencyKey: 'x-full',
    })
    await link.event('chat', (p) => p.runId === 'x-full' && p.state === 'final')
    const ran = agentEvents(link, 'x-full', 'tool').find((p) => p.data.phase === 'result')
    expect(ran.data.isError).toBe(false)
  })
})
