/**
 * `policy.permissions` end to end (issue 18 item 7): browsers → clawchatProxy → the mock gateway,
 * which keeps each session's `permissionMode` and refuses exec in a read-only one as openclaw
 * 2026.9.6 does (mock-gateway test/fixtures/recorded/permissions.json).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { SDK_CAPS } from '@clawchat/protocol'
import { startHarness, type Harness, type TestClient } from './helpers/harness.js'

let harness: Harness | undefined
const folders: string[] = []
afterEach(async () => {
  await harness?.close()
  harness = undefined
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true })
})

async function connect(h: Harness, id: string, role: 'user' | 'admin' = 'user'): Promise<TestClient> {
  const client = await h.open(await h.login({ id, role }))
  await client.waitForEvent('connect.challenge')
  expect((await client.connect({ caps: [...SDK_CAPS] })).ok).toBe(true)
  return client
}

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo hi"}]]'

/** Sends `message` and resolves with the text and error flag of its first tool result, once the run is final. */
async function execResult(client: TestClient, message: string, key: string) {
  const sent = await client.request('chat.send', { message, idempotencyKey: key })
  expect(sent.ok, JSON.stringify(sent.error)).toBe(true)
  await client.waitForEvent('chat', (p) => p.runId === key && p.state === 'final')
  const result = client
    .events('agent')
    .map((f) => f.payload)
    .find((p) => p.runId === key && p.stream === 'tool' && p.data.phase === 'result')
  return { isError: result.data.isError as boolean, text: String(result.data.result.content[0].text) }
}

/** A raw operator.admin connection straight to the mock gateway (someone outside ClawChat). */
async function outsider(h: Harness): Promise<(method: string, params: unknown) => Promise<any>> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.gateway!.port}`)
  const frames: any[] = []
  const waiters: Array<(f: any) => void> = []
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString())
    frames.push(f)
    for (const w of waiters.splice(0)) w(f)
  })
  const next = (match: (f: any) => boolean) =>
    new Promise<any>((resolve) => {
      const seen = frames.find(match)
      if (seen) return resolve(seen)
      const wait = (f: any) => (match(f) ? resolve(f) : waiters.push(wait))
      waiters.push(wait)
    })
  await next((f) => f.event === 'connect.challenge')
  let n = 0
  const request = async (method: string, params: unknown) => {
    const id = `o-${n++}`
    ws.send(JSON.stringify({ type: 'req', id, method, params }))
    return next((f) => f.type === 'res' && f.id === id)
  }
  const client = { id: 'gateway-client', version: '1.0.0', platform: 'linux', mode: 'backend' }
  const scopes = ['operator.read', 'operator.write', 'operator.admin']
  const hello = await request('connect', {
    minProtocol: 4,
    maxProtocol: 4,
    client,
    role: 'operator',
    scopes,
    auth: { token: h.token },
  })
  expect(hello.ok).toBe(true)
  h.clients.push({ ws } as unknown as TestClient)
  return request
}

describe('policy.permissions through the proxy', () => {
  it("a read-only user's exec is refused by the gateway, an admin's full one runs", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'clawchat-perm-'))
    folders.push(folder)
    harness = await startHarness({
      proxy: { policy: { permissions: { user: { mode: 'read-only', cwd: () => folder }, admin: { mode: 'full' } } } },
    })
    await harness.waitForLinkUp()
    const alice = await connect(harness, 'alice')
    const root = await connect(harness, 'root', 'admin')
    expect(await execResult(alice, EXEC, 'a-1')).toEqual({
      isError: true,
      text: '{\n  "status": "error",\n  "tool": "exec",\n  "error": "exec denied: host=gateway security=deny"\n}',
    })
    expect(await execResult(root, EXEC, 'r-1')).toEqual({ isError: false, text: 'hi' })
    // Upstream: each session prepared once, every send asserting its mode.
    const upstream = harness.gateway!.requests.filter((r) => r.method === 'sessions.create' || r.method === 'chat.send')
    expect((await alice.request('chat.send', { message: 'again', idempotencyKey: 'a-2' })).ok).toBe(true)
    await alice.waitForEvent('chat', (p) => p.runId === 'a-2' && p.state === 'final')
    const after = harness.gateway!.requests.filter((r) => r.method === 'sessions.create' || r.method === 'chat.send')
    expect(
      upstream.map((r) => [r.method, (r.params as any).permissionMode ?? (r.params as any).expectedPermissionMode]),
    ).toEqual([
      ['sessions.create', 'read-only'],
      ['chat.send', 'read-only'],
      ['sessions.create', 'full'],
      ['chat.send', 'full'],
    ])
    expect((upstream[0]!.params as any).cwd).toBe(folder)
    expect(after.slice(upstream.length).map((r) => r.method)).toEqual(['chat.send'])
    // The folder is the gateway host's business: no browser frame names it.
    expect(alice.raw.join('\n')).not.toContain(folder)
  })

  it('puts the mode back when it was changed outside ClawChat, and the message still goes through', async () => {
    harness = await startHarness({ proxy: { policy: { permissions: { user: { mode: 'read-only' } } } } })
    await harness.waitForLinkUp()
    const alice = await connect(harness, 'alice')
    await execResult(alice, EXEC, 'a-1')
    const key = (harness.gateway!.requests.find((r) => r.method === 'sessions.create')!.params as any).key
    const call = await outsider(harness)
    const patched = await call('sessions.patch', { key, permissionMode: 'guarded' })
    expect(patched.payload.entry.permissionMode).toBe('guarded')
    expect(await execResult(alice, EXEC, 'a-2')).toMatchObject({
      isError: true,
      text: expect.stringContaining('security=deny'),
    })
    expect(harness.gateway!.requests.filter((r) => r.method === 'sessions.create')).toHaveLength(2)
    expect(harness.capture.logs.map((l) => JSON.stringify(l)).join('\n')).toContain('changed outside ClawChat')
  })

  it('without the option nothing changes: no sessions.create, no expectedPermissionMode', async () => {
    harness = await startHarness()
    await harness.waitForLinkUp()
    const alice = await connect(harness, 'alice')
    expect(await execResult(alice, EXEC, 'a-1')).toEqual({ isError: false, text: 'hi' })
    expect(harness.gateway!.requests.some((r) => r.method === 'sessions.create')).toBe(false)
    const send = harness.gateway!.requests.find((r) => r.method === 'chat.send')!
    expect(send.params).not.toHaveProperty('expectedPermissionMode')
  })

  it('a folder the gateway host does not have: the send is refused with a sentence, the path only in the log', async () => {
    const missing = join(tmpdir(), 'clawchat-perm-missing', 'alice')
    harness = await startHarness({
      proxy: { policy: { permissions: { user: { mode: 'guarded', cwd: () => missing } } } },
    })
    await harness.waitForLinkUp()
    const alice = await connect(harness, 'alice')
    const res = await alice.request('chat.send', { message: 'hello', idempotencyKey: 'a-1' })
    expect(res.ok).toBe(false)
    expect(res.error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { reason: 'misconfigured' } })
    expect(res.error.message).toContain("This site's settings for what your agent may do could not be applied")
    expect(alice.raw.join('\n')).not.toContain(missing)
    expect(harness.gateway!.requests.some((r) => r.method === 'chat.send')).toBe(false)
    expect(harness.capture.logs.map((l) => JSON.stringify(l)).join('\n')).toContain('cwd is unavailable')
  })
})
