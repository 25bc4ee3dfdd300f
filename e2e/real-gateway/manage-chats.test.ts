// Issue 20 (manage chats) on the REAL gateway through `clawchatProxy` with `@clawchat/client` in Node:
// rename (labels per user: alice and bob may both call a chat "Trip"; a taken label names only the
// user's own label), pin, archive, delete, regenerate (rewind + send again) and edit (rewind to a
// user message + send the new text); bob can touch nothing of alice's, and nothing the browser side
// received carries the token, a gateway key or a server path. One gateway, one app for the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClawChat } from '@clawchat/client'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream, findSecret, historyLines, messageText } from './sdk-helpers.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
const records: BrowserSideRecord[] = []
const clients: ClawChat[] = []
let alice: ClawChat
let bob: ClawChat

async function userClient(id: string): Promise<ClawChat> {
  const cookie = await app.login({ id, name: id })
  const record: BrowserSideRecord = { frames: [], http: [] }
  records.push(record)
  const chat = sdkClient(app.wsUrl, cookie, record)
  clients.push(chat)
  await chat.ready
  return chat
}

/** Sends `text` on `sessionKey` and waits for its final. */
async function say(chat: ClawChat, sessionKey: string, text: string): Promise<void> {
  const final = (await collectStream(chat.stream(text, { sessionKey }))).at(-1)
  expect(final?.state).toBe('final')
}

/** The error a promise rejects with (fails when it resolves). */
async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a refusal')
}

const modelCalls = (text: string) => model.chatRequests().filter((r) => r.userText === text).length
const rowsOf = async (chat: ClawChat, opts: Parameters<ClawChat['sessions']['list']>[0] = {}) =>
  (await chat.sessions.list(opts)).sessions.map((s) => ({ key: s.key, label: s.label, pinned: s.pinned }))

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, readyTimeoutMs: 180_000 })
  console.log(`[manage chats] real gateway started in ${gateway.startMs} ms`)
  app = await startProxyApp({ gatewayUrl: gateway.url, token: gateway.token })
  await app.waitForLinkUp()
  alice = await userClient('alice')
  bob = await userClient('bob')
}, 240_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

describe('rename and pin', () => {
  it('labels are per user: both may use "Trip"; a taken label names only the own label', async () => {
    await say(alice, 'trip', 'plan a trip')
    await say(alice, 'other', 'something else')
    await say(bob, 'trip', 'bob plans too')
    expect(await alice.sessions.rename('trip', 'Trip')).toMatchObject({ ok: true, key: 'trip', label: 'Trip' })
    expect(await bob.sessions.rename('trip', 'Trip')).toMatchObject({ ok: true, key: 'trip', label: 'Trip' })
    const taken = await refusal(alice.sessions.rename('other', 'Trip'))
    expect(taken.message).toContain('Trip')
    expect(taken.message).not.toMatch(/agent:main|clawchat:|alice|bob/)
    expect(await alice.sessions.pin('trip')).toMatchObject({ ok: true, key: 'trip' })
    // The proxy lists by last interaction (no pinned-first order on the gateway): the page sorts pinned on top.
    const rows = await rowsOf(alice)
    expect(rows.find((r) => r.key === 'trip')).toEqual({ key: 'trip', label: 'Trip', pinned: true })
    expect(rows.map((r) => r.key).sort()).toEqual(['other', 'trip'])
    expect((await rowsOf(bob)).map((r) => [r.key, r.label])).toEqual([['trip', 'Trip']])
    expect(await alice.sessions.rename('trip', null)).toMatchObject({ ok: true, key: 'trip' })
    expect((await rowsOf(alice)).find((r) => r.key === 'trip')?.label).toBeUndefined()
  })
})

describe('archive and delete', () => {
  it('archives out of the list, then deletes with the transcript', async () => {
    await say(alice, 'old', 'an old chat')
    expect(await alice.sessions.archive('old')).toMatchObject({ ok: true, key: 'old' })
    expect((await rowsOf(alice)).map((r) => r.key)).not.toContain('old')
    expect((await rowsOf(alice, { archived: true })).map((r) => r.key)).toEqual(['old'])
    expect(await alice.sessions.delete('old')).toMatchObject({ ok: true, key: 'old', deleted: true })
    expect((await rowsOf(alice, { archived: 'all' })).map((r) => r.key)).not.toContain('old')
    expect(await historyLines(alice, 'old')).toEqual([])
    await say(alice, 'gone', 'delete me at once')
    expect(await alice.sessions.delete('gone')).toMatchObject({ ok: true, deleted: true })
    expect(await historyLines(alice, 'gone')).toEqual([])
  })
})

describe('regenerate and edit', () => {
  it('regenerate asks the model again and keeps one exchange', async () => {
    const text = 'regenerate this'
    await say(alice, 'regen', text)
    const parts = await collectStream(alice.regenerate({ sessionKey: 'regen' }))
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text) })
    expect(modelCalls(text)).toBe(2)
    expect(await historyLines(alice, 'regen')).toEqual([`user: ${text}`, `assistant: ${fakeModelReply(text)}`])
  })

  it('edit replaces a user message and what followed it', async () => {
    await say(alice, 'edit', 'first message')
    await say(alice, 'edit', 'second message')
    const history = await alice.history({ sessionKey: 'edit' })
    const second = history.messages.find((m) => m.role === 'user' && messageText(m) === 'second message')
    expect(second?.id).toEqual(expect.any(String))
    const parts = await collectStream(alice.edit(second!.id!, 'second, edited', { sessionKey: 'edit' }))
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply('second, edited') })
    expect(await historyLines(alice, 'edit')).toEqual([
      'user: first message',
      `assistant: ${fakeModelReply('first message')}`,
      'user: second, edited',
      `assistant: ${fakeModelReply('second, edited')}`,
    ])
  })
})

describe("bob and alice's chats", () => {
  it("refuses bob's tries on alice's chats and leaves them as they were", async () => {
    const before = await historyLines(alice, 'edit')
    const aliceIds = (await alice.history({ sessionKey: 'edit' })).messages.map((m) => String(m.id))
    for (const key of ['agent:main:clawchat:alice:edit', '../alice/edit', 'clawchat:alice:edit']) {
      await refusal(bob.sessions.rename(key, 'Mine now'))
      await refusal(bob.sessions.delete(key))
      await refusal(bob.request('sessions.rewind', { sessionKey: key, entryId: aliceIds[0] ?? '' }))
    }
    // Alice's entry id in bob's own session names nothing of his.
    const rewind = await refusal(bob.request('sessions.rewind', { sessionKey: 'trip', entryId: aliceIds[2] ?? '' }))
    expect(rewind.message).not.toMatch(/agent:main|clawchat:|alice/)
    expect(await historyLines(alice, 'edit')).toEqual(before)
    expect((await rowsOf(bob)).map((r) => r.key)).toEqual(['trip'])
  })

  it('sent nothing to the browser side with the token, a gateway key or a server path', () => {
    const texts = records.flatMap((r) => [...r.frames, ...r.http])
    expect(findSecret(texts, gateway.token)).toEqual([])
    const joined = texts.join('\n')
    for (const leak of ['agent:main:', gateway.tempDir, '.jsonl', 'openclaw-agent.sqlite', 'expectedSessionId'])
      expect(joined).not.toContain(leak)
  })
})
