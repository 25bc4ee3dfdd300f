// What an ordinary user's agent may do (issue 18 item 7), through `clawchatProxy` and
// `@clawchat/client` on the REAL gateway with its default exec policy (every exec runs at once):
// with `policy.permissions` users get `read-only` sessions in a folder of their own and admins `full`
// ones. Alice's exec is refused by the gateway while an admin's runs; alice's file tools cannot leave
// her folder (bob's file stays unread); a mode changed outside ClawChat is put back before her next
// message runs. Measured facts: mock-gateway test/fixtures/recorded/permissions.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClawChat } from '@clawchat/client'
import { newTestDevice, rawConnected } from './device-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import type { RawWs } from './raw-ws.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream } from './sdk-helpers.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
let usersRoot: string
const clients: ClawChat[] = []
const sockets: RawWs[] = []

const tool = (name: string, args: Record<string, unknown>) => `[[TOOL:${name}]] [[ARGS:${JSON.stringify(args)}]]`

async function userClient(id: string, role: 'user' | 'admin' = 'user') {
  const cookie = await app.login({ id, name: id, role })
  const record: BrowserSideRecord = { frames: [], http: [] }
  const chat = sdkClient(app.wsUrl, cookie, record)
  clients.push(chat)
  await chat.ready
  return { chat, record }
}

/** The `tool` result events (agent stream `tool`, phase `result`) the browser received, in order. */
function toolResults(record: BrowserSideRecord): Array<{ name: string; isError: boolean; text: string }> {
  return record.frames
    .map((f) => JSON.parse(f) as Record<string, any>)
    .filter((f) => f.event === 'agent' && f.payload?.stream === 'tool' && f.payload.data?.phase === 'result')
    .map((f) => ({
      name: String(f.payload.data.name),
      isError: f.payload.data.isError === true,
      text: String(f.payload.data.result?.content?.[0]?.text ?? ''),
    }))
}

/** Streams `message` to the end and resolves with the tool results of that run the browser received. */
async function run(user: { chat: ClawChat; record: BrowserSideRecord }, message: string, sessionKey = 'main') {
  const before = toolResults(user.record).length
  const parts = await collectStream(user.chat.stream(message, { sessionKey }))
  expect(parts.at(-1)?.state, 'the run ended').toBe('final')
  return toolResults(user.record).slice(before)
}

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  console.log(`[permissions] real gateway started in ${gateway.startMs} ms`)
  usersRoot = join(gateway.tempDir, 'users')
  for (const id of ['alice', 'bob']) mkdirSync(join(usersRoot, id), { recursive: true })
  writeFileSync(join(usersRoot, 'alice', 'mine.txt'), 'alice-own-text\n')
  writeFileSync(join(usersRoot, 'bob', 'secret.txt'), 'bob-secret-text\n')
  app = await startProxyApp({
    gatewayUrl: gateway.url,
    token: gateway.token,
    proxy: {
      policy: {
        permissions: { user: { mode: 'read-only', cwd: (id) => join(usersRoot, id) }, admin: { mode: 'full' } },
      },
    },
  })
  await app.waitForLinkUp()
}, 240_000)

afterAll(async () => {
  for (const c of clients) c.close()
  for (const s of sockets) s.terminate()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

describe('policy.permissions on the real gateway', () => {
  it("a read-only user's exec is refused by the gateway; an admin's full exec runs", async () => {
    const alice = await userClient('alice')
    const root = await userClient('root', 'admin')
    const [denied] = await run(alice, `run ${tool('exec', { command: 'echo hi-alice', title: 'hi' })}`)
    expect(denied).toMatchObject({ name: 'exec', isError: true })
    expect(denied!.text).toContain('exec denied: host=gateway security=deny')
    const [ran] = await run(root, `run ${tool('exec', { command: 'echo hi-root', title: 'hi' })}`)
    expect(ran).toEqual({ name: 'exec', isError: false, text: 'hi-root' })
    // What the model was offered in alice's session: no write, edit or apply_patch.
    const offered = model.chatRequests().find((r) => r.userText.includes('hi-alice'))
    const names = ((offered?.body as { tools?: Array<{ function?: { name?: string } }> }).tools ?? []).map(
      (t) => t.function?.name,
    )
    expect(names).toContain('read')
    expect(names).not.toContain('write')
  })

  it("alice's file tools stay in her folder: her own file reads, bob's is refused", async () => {
    const alice = await userClient('alice')
    const [own] = await run(alice, `read ${tool('read', { path: 'mine.txt' })}`, 'files')
    expect(own).toEqual({ name: 'read', isError: false, text: 'alice-own-text\n' })
    const [other] = await run(alice, `read ${tool('read', { path: join(usersRoot, 'bob', 'secret.txt') })}`, 'files')
    expect(other).toMatchObject({ name: 'read', isError: true })
    expect(other!.text).toContain('Path escapes sandbox root')
    expect(other!.text).not.toContain('bob-secret-text')
  })

  it('a mode changed outside ClawChat is put back before the next message runs', async () => {
    const alice = await userClient('alice')
    await run(alice, 'hello', 'guarded-back')
    const outsider = await rawConnected({
      url: gateway.url,
      token: gateway.token,
      scopes: ['operator.read', 'operator.write', 'operator.admin'],
      device: newTestDevice(),
    })
    sockets.push(outsider)
    const listed = await outsider.request('sessions.list', { search: 'guarded-back' })
    const row = (listed.payload?.sessions ?? []).find((s: Record<string, unknown>) => s.permissionMode === 'read-only')
    expect(row, 'alice session row').toBeDefined()
    const patched = await outsider.request('sessions.patch', { key: row.key, permissionMode: 'full' })
    expect(patched.payload?.entry?.permissionMode).toBe('full')
    const [denied] = await run(
      alice,
      `run ${tool('exec', { command: 'echo after-patch', title: 'hi' })}`,
      'guarded-back',
    )
    expect(denied).toMatchObject({ name: 'exec', isError: true })
    expect(denied!.text).toContain('security=deny')
    const relisted = await outsider.request('sessions.list', { search: 'guarded-back' })
    expect(relisted.payload.sessions.find((s: Record<string, unknown>) => s.key === row.key)?.permissionMode).toBe(
      'read-only',
    )
    expect(app.captured.logs.join('\n')).toContain('changed outside ClawChat')
  })
})
