/**
 * Managing chats (issue 20) against what openclaw 2026.9.6 answered (fixtures/recorded/manage-facts.json,
 * recorded by e2e/real-gateway/manage-facts.test.ts with the same session keys and labels as here, so
 * the recorded errors are compared verbatim): sessions.patch label/pinned/archived, sessions.list
 * `archived` and `sortBy`, sessions.rewind, sessions.delete, and chat.history while a run is in progress.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { connectTool, RW } from './helpers/tool-clients.js'
import type { RawClient } from './helpers/raw-client.js'

const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/manage-facts.json', import.meta.url), 'utf8'))
const LINK = ['operator.read', 'operator.write', 'operator.admin']
const h = new Harness()
afterEach(() => h.cleanup())

async function clients(options: Parameters<Harness['gateway']>[0] = {}) {
  const gw = await h.gateway({ agent: (m: string) => [`ECHO<<${m}>>`], ...options })
  const link = await connectTool(h, gw, { scopes: LINK, caps: ['tool-events'] })
  const writer = await connectTool(h, gw, { scopes: RW, caps: [] })
  const watcher = await connectTool(h, gw, { scopes: LINK, caps: [] })
  await watcher.request('sessions.subscribe', {})
  return { gw, link, writer, watcher }
}

async function chat(c: RawClient, sessionKey: string, message: string, runId = `run-${Math.random()}`) {
  await c.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  await c.event('chat', (p) => p.runId === runId && ['final', 'aborted', 'error'].includes(p.state))
  return runId
}

const sessionIdOf = async (c: RawClient, sessionKey: string) =>
  (await c.request('chat.history', { sessionKey, limit: 1 })).payload.sessionId as string

describe('sessions.patch', () => {
  it('sets a unique label, pins, archives with expectedSessionId, like the gateway', async () => {
    const { link, writer, watcher } = await clients()
    const [a, b] = ['clawchat:facts:patch-a', 'clawchat:facts:patch-b']
    await chat(link, a, 'hello a')
    await chat(link, b, 'hello b')
    const label = await link.request('sessions.patch', { key: a, label: 'Alpha' })
    expect(label.payload).toMatchObject({ ok: true, key: `agent:main:${a}`, entry: { label: 'Alpha' } })
    const recordedKeys = Object.keys(recorded.patch.label.payload).filter((k) => k !== 'entryKeyCount')
    expect(Object.keys(label.payload)).toEqual(recordedKeys)
    expect((await link.request('sessions.patch', { key: b, label: 'Alpha' })).error).toEqual(recorded.patch.taken.error)
    expect((await writer.request('sessions.patch', { key: b, label: 'Alpha' })).error).toEqual(
      recorded.patch.taken.error,
    )
    expect((await link.request('sessions.patch', { key: b, label: 'alpha' })).ok).toBe(true)
    expect((await link.request('sessions.patch', { key: a, label: 'Alpha' })).ok).toBe(true)
    expect((await link.request('sessions.patch', { key: b, label: '' })).error).toEqual(recorded.patch.empty.error)
    const pinned = await writer.request('sessions.patch', { key: a, pinned: true })
    expect(pinned.payload.entry.pinnedAt).toEqual(expect.any(Number))
    expect((await writer.request('sessions.patch', { key: a, archived: true })).error).toEqual(
      recorded.patch.archivedNoId.error,
    )
    const wrongId = await writer.request('sessions.patch', { key: a, archived: true, expectedSessionId: 'x' })
    expect(wrongId.error).toEqual(recorded.patch.archivedWrongId.error)
    const expectedSessionId = await sessionIdOf(link, a)
    const archived = await writer.request('sessions.patch', { key: a, archived: true, expectedSessionId })
    expect(archived.payload.entry.archivedAt).toEqual(expect.any(Number))
    expect(archived.payload.entry).not.toHaveProperty('pinnedAt')
    expect((await writer.request('sessions.patch', { key: a, pinned: true })).error).toEqual(
      recorded.patch.pinArchived.error,
    )
    const unknownArchive = { key: 'clawchat:facts:never-made3', archived: true, expectedSessionId: 'x' }
    expect((await writer.request('sessions.patch', unknownArchive)).error).toEqual(recorded.patch.archiveUnknown.error)
    const cleared = await writer.request('sessions.patch', { key: a, label: null })
    expect(cleared.payload.entry).not.toHaveProperty('label')
    const unarchived = await writer.request('sessions.patch', { key: a, archived: false, expectedSessionId })
    expect(unarchived.payload.entry).not.toHaveProperty('archivedAt')
    expect((await link.request('sessions.patch', { key: b, label: 'Alpha' })).ok).toBe(true)
    const ghost = await writer.request('sessions.patch', { key: 'clawchat:facts:never-made', label: 'Ghost' })
    expect(ghost.payload.entry.label).toBe('Ghost')
    expect((await writer.request('sessions.patch', { key: a, label: 'X', bogus: 1 })).error).toEqual(
      recorded.patch.extra.error,
    )
    // Only a subscribed connection hears of it: reason "patch", the label flattened and in the row.
    expect(link.events('sessions.changed').filter((e) => e.payload.reason === 'patch')).toEqual([])
    const events = watcher.events('sessions.changed').map((e) => e.payload)
    const first = events.find((e) => e.reason === 'patch' && e.label === 'Alpha')
    expect(first).toMatchObject({ sessionKey: `agent:main:${a}`, displayName: 'Alpha', session: { label: 'Alpha' } })
    const recordedEvent = recorded.patch.watcherEvents.find((e: any) => e.reason === 'patch' && e.archived)
    expect(events.find((e) => e.archived === true)).toMatchObject({
      archiveReason: recordedEvent.archiveReason,
      pinned: false,
      pinnedAt: null,
    })
  })

  it('archiving a session aborts its run in progress', async () => {
    const { link } = await clients({ agent: () => ['one ', 'two ', 'three'], chunkDelayMs: 200 })
    const key = 'clawchat:facts:del-c'
    await link.request('chat.send', { sessionKey: key, message: 'slow', idempotencyKey: 'slow-1' })
    await link.event('chat', (p) => p.runId === 'slow-1' && p.state === 'delta')
    const expectedSessionId = await sessionIdOf(link, key)
    expect((await link.request('sessions.patch', { key, archived: true, expectedSessionId })).ok).toBe(true)
    const end = await link.event('chat', (p) => p.runId === 'slow-1' && ['final', 'aborted'].includes(p.state))
    expect(end.payload.state).toBe(recorded.delete.runEnd.state)
  })
})

describe('sessions.list archived and sortBy', () => {
  it('leaves archived sessions out unless asked; pinned first by default, not by lastInteractionAt', async () => {
    const { link } = await clients()
    const keys = ['clawchat:facts:list-1', 'clawchat:facts:list-2', 'clawchat:facts:list-3']
    for (const k of keys) await chat(link, k, `hi ${k}`)
    const expectedSessionId = await sessionIdOf(link, keys[1]!)
    await link.request('sessions.patch', { key: keys[1], archived: true, expectedSessionId })
    await link.request('sessions.patch', { key: keys[2], pinned: true })
    await chat(link, keys[0]!, 'again')
    const order = async (params: Record<string, unknown>) =>
      (await link.request('sessions.list', { search: 'facts:list', ...params })).payload.sessions.map((s: any) => s.key)
    const keysOf = (rows: Array<{ key: string }>) => rows.map((r) => r.key)
    expect(await order({})).toEqual(keysOf(recorded.list.default))
    expect(await order({ archived: false })).toEqual(keysOf(recorded.list.archivedFalse))
    expect(await order({ archived: true })).toEqual(keysOf(recorded.list.archivedTrue))
    expect(await order({ archived: 'all' })).toEqual(keysOf(recorded.list.archivedAll))
    expect(await order({ sortBy: 'lastInteractionAt' })).toEqual(keysOf(recorded.list.sortInteraction))
    const rows = (await link.request('sessions.list', { archived: 'all', search: 'facts:list' })).payload.sessions
    for (const row of rows) {
      const want = recorded.list.archivedAll.find((r: any) => r.key === row.key)
      expect({ archived: row.archived, pinned: row.pinned, activeRunIds: row.activeRunIds }).toEqual({
        archived: want.archived,
        pinned: want.pinned,
        activeRunIds: want.activeRunIds,
      })
      expect(Object.hasOwn(row, 'pinnedAt')).toBe(Object.hasOwn(want, 'pinnedAt'))
      expect(Object.hasOwn(row, 'archivedAt')).toBe(Object.hasOwn(want, 'archivedAt'))
    }
  })
})

describe('sessions.rewind', () => {
  it('rewinds to before a user row and answers its text; refuses other ids as the gateway does', async () => {
    const { link, writer } = await clients()
    const key = 'clawchat:facts:rewind'
    await chat(link, key, 'first question')
    await chat(link, key, 'second question')
    const rows = (await link.request('chat.history', { sessionKey: key })).payload.messages
    const ids = rows.map((m: any) => m.__openclaw.id)
    expect(rows.map((m: any) => m.role)).toEqual(recorded.rewind.before.rows.map((r: any) => r.role))
    const rewind = (entryId: string, c = link) => c.request('sessions.rewind', { sessionKey: key, entryId })
    expect((await rewind(ids[1])).error).toEqual({
      code: 'INVALID_REQUEST',
      message: `entry is not a user message: ${ids[1]}`,
    })
    expect((await rewind('no-such-entry')).error).toEqual(recorded.rewind.unknownEntry.error)
    const unknownSession = { sessionKey: 'clawchat:facts:nope', entryId: 'x' }
    expect((await link.request('sessions.rewind', unknownSession)).error).toEqual(recorded.rewind.unknownSession.error)
    expect((await rewind(ids[2], writer)).error).toEqual(recorded.rewind.byWriter.error)
    // Every rewind is a new incarnation of the session: a new sessionId (as measured).
    const before = await sessionIdOf(link, key)
    expect((await rewind(ids[0])).payload).toEqual(recorded.rewind.toFirst.payload)
    expect(await sessionIdOf(link, key)).not.toBe(before)
    expect(new Set(recorded.rewind.sessionIds).size).toBe(recorded.rewind.sessionIds.length)
    expect((await link.request('chat.history', { sessionKey: key })).payload.messages).toEqual([])
    const gone = await rewind(ids[2])
    expect(gone.error).toEqual({
      code: 'INVALID_REQUEST',
      message: `message entry is not on the active path: ${ids[2]}`,
    })
    await chat(link, key, 'edited')
    const after = (await link.request('chat.history', { sessionKey: key })).payload.messages
    expect(after.map((m: any) => m.role)).toEqual(['user', 'assistant'])
    expect(after[0].__openclaw.id).not.toBe(ids[0])
  })

  it('is refused on an archived session', async () => {
    const { link } = await clients()
    const key = 'clawchat:facts:rewind-archived'
    await chat(link, key, 'archive me')
    const history = (await link.request('chat.history', { sessionKey: key })).payload
    await link.request('sessions.patch', { key, archived: true, expectedSessionId: history.sessionId })
    const res = await link.request('sessions.rewind', { sessionKey: key, entryId: history.messages[0].__openclaw.id })
    expect(res.error).toEqual(recorded.rewind.rewindArchived.error)
  })

  it('is unavailable while the agent is working', async () => {
    const { link } = await clients({ agent: () => ['one ', 'two ', 'three'], chunkDelayMs: 200 })
    const key = 'clawchat:facts:running'
    await chat(link, key, 'before')
    await link.request('chat.send', { sessionKey: key, message: 'slow', idempotencyKey: 'slow-2' })
    await link.event('chat', (p) => p.runId === 'slow-2' && p.state === 'delta')
    const userId = (await link.request('chat.history', { sessionKey: key })).payload.messages[0].__openclaw.id
    const res = await link.request('sessions.rewind', { sessionKey: key, entryId: userId })
    expect(res.error).toEqual(recorded.historyDuringRun.rewindDuringRun.error)
  })
})
