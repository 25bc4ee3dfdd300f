/**
 * sessions.delete (issue 20) against what openclaw 2026.9.6 answered (fixtures/recorded/manage-facts.json,
 * recorded with the same session keys as here): operator.admin unless `archivedOnly: true`, only archived
 * sessions then, the answer's shape, unknown and main keys, the `sessions.changed` events, a freed label.
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

const k = (n: string) => `clawchat:facts:del-${n}`

async function chat(c: RawClient, sessionKey: string, runId: string) {
  await c.request('chat.send', { sessionKey, message: `hi ${runId}`, idempotencyKey: runId })
  await c.event('chat', (p) => p.runId === runId && p.state === 'final')
}

async function archive(c: RawClient, key: string) {
  const expectedSessionId = (await c.request('chat.history', { sessionKey: key, limit: 1 })).payload.sessionId
  const res = await c.request('sessions.patch', { key, archived: true, expectedSessionId })
  if (!res.ok) throw new Error(JSON.stringify(res.error))
}

describe('sessions.delete', () => {
  it('needs admin unless archivedOnly; then only an archived session goes, like the gateway', async () => {
    const gw = await h.gateway({ agent: () => ['hi'] })
    const link = await connectTool(h, gw, { scopes: LINK, caps: [] })
    const writer = await connectTool(h, gw, { scopes: RW, caps: [] })
    const watcher = await connectTool(h, gw, { scopes: LINK, caps: [] })
    await watcher.request('sessions.subscribe', {})
    for (const n of ['a', 'b', 'd']) await chat(link, k(n), `run-${n}`)
    expect((await writer.request('sessions.delete', { key: k('a') })).error).toEqual(recorded.delete.writerPlain.error)
    const notArchived = await writer.request('sessions.delete', { key: k('a'), archivedOnly: true })
    expect(notArchived.error).toEqual(recorded.delete.writerNotArchived.error)
    await archive(writer, k('a'))
    const deleted = await writer.request('sessions.delete', { key: k('a'), archivedOnly: true, deleteTranscript: true })
    expect(Object.keys(deleted.payload)).toEqual(Object.keys(recorded.delete.writerArchived.payload))
    expect(deleted.payload).toMatchObject({ ok: true, key: `agent:main:${k('a')}`, deleted: true })
    expect(deleted.payload.archived).toEqual([expect.stringMatching(/\.jsonl\.deleted\..+\.zst$/)])
    await watcher.event('sessions.changed', (p) => p.reason === 'delete' && p.sessionKey === undefined)
    const deleteEvents = watcher.events('sessions.changed').filter((e) => e.payload.reason === 'delete')
    const shape = (e: any) => Object.keys(e).sort()
    expect(deleteEvents.map((e) => shape(e.payload))).toEqual(
      recorded.delete.watcherDeleteEvents.filter((e: any) => e.reason === 'delete').map(shape),
    )
    expect((await link.request('chat.history', { sessionKey: k('a') })).payload.messages).toEqual([])
    const listed = await link.request('sessions.list', { search: 'facts:del-a', archived: 'all' })
    expect(listed.payload.sessions).toEqual([])
    const again = await writer.request('sessions.delete', { key: k('a'), archivedOnly: true })
    expect(again.error).toEqual(recorded.delete.again.error)
    expect((await link.request('sessions.delete', { key: k('b') })).payload).toMatchObject({ ok: true, deleted: true })
    expect((await link.request('sessions.delete', { key: k('never') })).payload).toEqual(
      recorded.delete.unknownAdmin.payload,
    )
    const unknownWriter = await writer.request('sessions.delete', { key: k('never2'), archivedOnly: true })
    expect(unknownWriter.error).toEqual(recorded.delete.unknownWriter.error)
    expect((await link.request('sessions.delete', { key: 'main' })).error).toEqual(recorded.delete.mainKey.error)
    // A rewound session leaves one transcript per incarnation (the real answer listed two).
    await link.request('sessions.patch', { key: k('d'), label: 'Deleted label' })
    const firstRow = (await link.request('chat.history', { sessionKey: k('d') })).payload.messages[0]
    await link.request('sessions.rewind', { sessionKey: k('d'), entryId: firstRow.__openclaw.id })
    await chat(link, k('d'), 'run-d2')
    await archive(link, k('d'))
    const twice = await writer.request('sessions.delete', { key: k('d'), archivedOnly: true })
    expect(twice.payload.archived).toHaveLength(2)
    // The label of a deleted session is free again.
    const reuse = await link.request('sessions.patch', { key: k('b2'), label: 'Deleted label' })
    expect(reuse.ok).toBe(recorded.delete.labelReuseAfterDelete.ok)
  })
})
