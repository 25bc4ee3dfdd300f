/**
 * Managing chats through the whole relay against the mock gateway (which behaves as measured on
 * openclaw 2026.9.6: gateway-wide unique labels, archiving needs `expectedSessionId`, delete needs
 * `operator.admin` unless `archivedOnly`, rewind takes a user row's entry id): rename, pin,
 * archive, delete and rewind one's own chats; two users' labels never collide nor show to each
 * other; a page reloaded mid-run finds the run in `chat.history`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { base32Encode } from '../src/isolation/session-keys.js'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

async function start(): Promise<Harness> {
  h = await startHarness()
  await h.waitForLinkUp()
  return h
}

/** Sends a message and waits for its final. */
async function chatIn(client: TestClient, sessionKey: string, message: string, runId: string): Promise<void> {
  const ack = await client.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  await client.waitForEvent('chat', (p) => p.runId === runId && p.state === 'final')
}

/** The payload of a request that must succeed. */
async function ok(client: TestClient, method: string, params: unknown): Promise<any> {
  const res = await client.request(method, params)
  expect(res.ok, `${method} ${JSON.stringify(params)}: ${JSON.stringify(res.error)}`).toBe(true)
  return res.payload
}

const titles = (list: any) => list.sessions.map((s: any) => [s.key, s.label ?? null])

describe('managing chats through the proxy', () => {
  it("renames: two users' same label never collide; a taken label is said in the user's words", async () => {
    await start()
    const alice = await h!.connectAs({ id: 'alice' })
    const bob = await h!.connectAs({ id: 'bob' })
    await chatIn(alice, 'work', 'hello', 'a1')
    await chatIn(alice, 'main', 'hi', 'a2')
    await chatIn(bob, 'work', 'yo', 'b1')
    expect(await ok(alice, 'sessions.patch', { key: 'work', label: ' Trip ' })).toMatchObject({
      ok: true,
      key: 'work',
      label: 'Trip',
    })
    // Her other tabs hear of it (sessions.changed), the label without the prefix.
    await alice.waitForEvent('sessions.changed', (p) => p.sessionKey === 'work' && p.session?.label === 'Trip')
    // Bob's "Trip" is another label upstream: no collision, and nothing of Alice's shows.
    expect(await ok(bob, 'sessions.patch', { key: 'work', label: 'Trip' })).toMatchObject({ label: 'Trip' })
    const taken = await alice.request('sessions.patch', { key: 'main', label: 'Trip' })
    expect(taken.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'label "Trip" is already the name of another of your chats: choose another name',
    })
    expect(titles(await ok(alice, 'sessions.list', {}))).toEqual(
      expect.arrayContaining([
        ['work', 'Trip'],
        ['main', null],
      ]),
    )
    expect(titles(await ok(bob, 'sessions.list', {}))).toEqual([['work', 'Trip']])
    // Upstream, each label is behind its owner's prefix.
    const labels = h!.gateway!.requests.filter((r) => r.method === 'sessions.patch').map((r: any) => r.params.label)
    expect(labels).toContain(`clawchat:${base32Encode('alice')}:Trip`)
    expect(labels).toContain(`clawchat:${base32Encode('bob')}:Trip`)
    for (const client of [alice, bob]) expect(client.raw.join('\n')).not.toContain('clawchat:')
    // Clearing frees the name.
    expect(await ok(alice, 'sessions.patch', { key: 'work', label: null })).not.toHaveProperty('label')
    expect(await ok(alice, 'sessions.patch', { key: 'main', label: 'Trip' })).toMatchObject({ label: 'Trip' })
  })

  it('pins, archives (hidden from the list unless asked for), restores and deletes', async () => {
    await start()
    const alice = await h!.connectAs({ id: 'alice' })
    await chatIn(alice, 'work', 'hello', 'a1')
    await chatIn(alice, 'main', 'hi', 'a2')
    expect(await ok(alice, 'sessions.patch', { key: 'work', pinned: true })).toMatchObject({ pinned: true })
    const listed = await ok(alice, 'sessions.list', {})
    expect(listed.sessions.find((s: any) => s.key === 'work')).toMatchObject({ pinned: true, archived: false })
    expect(await ok(alice, 'sessions.patch', { key: 'work', archived: true })).toMatchObject({ archived: true })
    expect(titles(await ok(alice, 'sessions.list', {}))).toEqual([['main', null]])
    expect(titles(await ok(alice, 'sessions.list', { archived: true }))).toEqual([['work', null]])
    expect((await ok(alice, 'sessions.list', { archived: 'all' })).sessions).toHaveLength(2)
    expect(await ok(alice, 'sessions.patch', { key: 'work', archived: false })).toMatchObject({ archived: false })
    expect(await ok(alice, 'sessions.delete', { key: 'work' })).toEqual({ ok: true, key: 'work', deleted: true })
    expect(titles(await ok(alice, 'sessions.list', { archived: 'all' }))).toEqual([['main', null]])
    expect(await ok(alice, 'sessions.delete', { key: 'work' })).toEqual({ ok: true, key: 'work', deleted: false })
    expect(await ok(alice, 'chat.history', { sessionKey: 'work' })).toMatchObject({ messages: [] })
    const archiving = await alice.request('sessions.patch', { key: 'nothing-here', archived: true })
    expect(archiving.error).toMatchObject({ code: 'INVALID_REQUEST', message: 'session not found: nothing-here' })
  })

  it('rewinds to just before a user message: editorText, and that message and the rest leave the history', async () => {
    await start()
    const alice = await h!.connectAs({ id: 'alice' })
    const bob = await h!.connectAs({ id: 'bob' })
    await chatIn(alice, 'main', 'first', 'a1')
    await chatIn(alice, 'main', 'second', 'a2')
    const before = await ok(alice, 'chat.history', {})
    expect(before.messages.map((m: any) => [m.role, m.runId])).toEqual([
      ['user', 'a1'],
      ['assistant', 'a1'],
      ['user', 'a2'],
      ['assistant', 'a2'],
    ])
    const ids = before.messages.map((m: any) => m.id)
    for (const id of ids) expect(typeof id).toBe('string')
    // Bob cannot reach Alice's entry: his own session has no such entry.
    const probe = await bob.request('sessions.rewind', { sessionKey: 'main', entryId: ids[2] })
    expect(probe.ok).toBe(false)
    const notUser = await alice.request('sessions.rewind', { sessionKey: 'main', entryId: ids[3] })
    expect(notUser.error).toMatchObject({ code: 'INVALID_REQUEST', message: `entry is not a user message: ${ids[3]}` })
    expect(await ok(alice, 'sessions.rewind', { sessionKey: 'main', entryId: ids[2] })).toEqual({
      ok: true,
      editorText: 'second',
    })
    const after = await ok(alice, 'chat.history', {})
    expect(after.messages.map((m: any) => m.id)).toEqual(ids.slice(0, 2))
    // Edit = rewind + send the new text.
    await chatIn(alice, 'main', 'second, edited', 'a3')
    expect((await ok(alice, 'chat.history', {})).messages.map((m: any) => m.runId)).toEqual(['a1', 'a1', 'a3', 'a3'])
  })

  it('tells a page reloaded mid-run which run is in progress and its text so far', async () => {
    await start()
    const alice = await h!.connectAs({ id: 'alice' })
    const ack = await alice.request('chat.send', { message: 'go [[SLOW]]', idempotencyKey: 'slow-1' })
    expect(ack.ok).toBe(true)
    await alice.waitForEvent('chat', (p) => p.runId === 'slow-1' && p.state === 'delta')
    const reloaded = await h!.connectAs({ id: 'alice' })
    const mid = await ok(reloaded, 'chat.history', {})
    expect(mid.hasActiveRun).toBe(true)
    expect(mid.inFlightRun).toMatchObject({ runId: 'slow-1', text: expect.stringContaining('chunk01') })
    expect(mid.messages.at(-1)).toMatchObject({ role: 'user', runId: 'slow-1', id: expect.any(String) })
    expect(JSON.stringify(mid)).not.toMatch(/clawchat:|sessionInfo|"events"/)
    await ok(alice, 'chat.abort', { runId: 'slow-1' })
    await waitFor(async () => (await ok(alice, 'chat.history', {})).hasActiveRun === false, 10_000, 'the run to end')
    const bob = await h!.connectAs({ id: 'bob' })
    const bobs = await ok(bob, 'chat.history', {})
    expect(bobs).not.toHaveProperty('inFlightRun')
    expect(bobs.messages).toEqual([])
  })
})
