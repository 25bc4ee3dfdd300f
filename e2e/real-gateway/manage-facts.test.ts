// What ClawChat's design for issue 20 (resume after reload, manage chats) assumes of the real gateway
// (openclaw 2026.9.6, exec policy `ask`), measured with raw clients shaped like ClawChat's link
// (device-signed `gateway-client`/`backend`, operator.read/write/admin) and a write-only one:
// sessions.patch (label/pinned/archived), sessions.delete (scopes, archivedOnly), sessions.rewind,
// sessions.list (archived, sortBy) and where chat.history puts a run in progress (also while a run
// waits for an approval). One gateway for the file. What it measured goes to
// e2e/artifacts/real-gateway/manage-facts.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newTestDevice, rawConnected } from './device-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import { EXEC_ASK_CONFIG } from './gateway-config.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import {
  LINK_CAPS,
  LINK_SCOPES,
  entryIds,
  execMarker,
  finalOf,
  historyView,
  ok,
  send,
  sessionIdOf,
  sessionsChangedSince,
} from './manage-facts-helpers.js'
import type { RawWs } from './raw-ws.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const measured: Record<string, unknown> = {}

let model: FakeModel
let gateway: RealGateway
let link: RawWs
let writer: RawWs
let watcher: RawWs
const sockets: RawWs[] = []

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({
    modelServerUrl: model.baseUrl,
    extraConfig: EXEC_ASK_CONFIG,
    readyTimeoutMs: 180_000,
  })
  console.log(`[manage facts] real gateway started in ${gateway.startMs} ms`)
  const connect = async (scopes: string[]) => {
    const ws = await rawConnected({
      url: gateway.url,
      token: gateway.token,
      scopes,
      caps: LINK_CAPS,
      device: newTestDevice(),
    })
    sockets.push(ws)
    return ws
  }
  link = await connect(LINK_SCOPES)
  writer = await connect(['operator.read', 'operator.write'])
  watcher = await connect(LINK_SCOPES)
  await ok(watcher, 'sessions.subscribe', {})
}, 240_000)

afterAll(async () => {
  for (const s of sockets) s.terminate()
  mkdirSync(ARTIFACTS, { recursive: true })
  writeFileSync(`${ARTIFACTS}manage-facts.json`, JSON.stringify(measured, null, 1))
  await gateway?.stop()
  await model?.stop()
})

describe('chat.history while a run is in progress', () => {
  it('puts inFlightRun at the top level and hasActiveRun in sessionInfo; no activeRunIds while running', async () => {
    const key = 'clawchat:facts:running'
    const runId = await send(link, key, '[[SLOW:12x300]] resume me')
    await link.waitFor((f) => f.event === 'chat' && f.payload?.runId === runId && f.payload?.state === 'delta', 60_000)
    const during = await link.request('chat.history', { sessionKey: key })
    const list = await link.request('sessions.list', { search: 'facts:running' })
    const rewind = await link.request('sessions.rewind', {
      sessionKey: key,
      entryId: entryIds(during.payload, 'user')[0] ?? 'x',
    })
    await link.waitFor(finalOf(runId), 60_000, 'the final')
    const after = await link.request('chat.history', { sessionKey: key })
    measured.historyDuringRun = {
      runId,
      during: historyView(during.payload),
      listRow: (list.payload?.sessions ?? []).find((s: { key: string }) => s.key.endsWith(key)),
      rewindDuringRun: rewind,
      after: historyView(after.payload),
    }
    // The run in progress: top-level inFlightRun with the text so far; hasActiveRun in sessionInfo;
    // activeRunIds left out while running (rows too), [] when idle; nothing of it at the top level.
    expect(during.payload.inFlightRun).toMatchObject({ runId, startedAt: expect.any(Number) })
    expect(during.payload.inFlightRun.text).toMatch(/^chunk01/)
    expect(during.payload.sessionInfo).toMatchObject({ hasActiveRun: true, status: 'running' })
    expect(during.payload.sessionInfo).not.toHaveProperty('activeRunIds')
    expect(during.payload).not.toHaveProperty('hasActiveRun')
    expect(during.payload).not.toHaveProperty('activeRunIds')
    const row = (measured.historyDuringRun as { listRow: Record<string, unknown> }).listRow
    expect(row).toMatchObject({ hasActiveRun: true, status: 'running' })
    expect(row).not.toHaveProperty('activeRunIds')
    expect(rewind.error).toEqual({ code: 'UNAVAILABLE', message: 'Rewind is unavailable while the agent is working.' })
    expect(after.payload).not.toHaveProperty('inFlightRun')
    expect(after.payload.sessionInfo).toMatchObject({ hasActiveRun: false, activeRunIds: [] })
  })

  it('during an approval wait: the waiting run, then the queued one, is inFlightRun', async () => {
    const key = 'clawchat:facts:approval'
    const first = await send(link, key, `go ${execMarker('echo waited')} MSG:w1`)
    const req = await link.waitFor(
      (f) => f.event === 'exec.approval.requested' && f.payload?.request?.runId === first,
      120_000,
      'the approval request',
    )
    const waiting = await link.request('chat.history', { sessionKey: key })
    const second = await send(link, key, 'queued while waiting MSG:w2')
    await new Promise((r) => setTimeout(r, 1000))
    const queued = await link.request('chat.history', { sessionKey: key })
    const list = await link.request('sessions.list', { search: 'facts:approval' })
    await link.request('exec.approval.resolve', { id: req.payload.id, decision: 'allow-once' })
    await link.waitFor(finalOf(first), 90_000, 'the first final')
    const secondEnd = await link.waitFor(finalOf(second), 90_000, 'the second final').catch((e: Error) => e.message)
    const after = await link.request('chat.history', { sessionKey: key })
    measured.historyDuringApproval = {
      first,
      second,
      waiting: historyView(waiting.payload),
      queued: historyView(queued.payload),
      listRow: (list.payload?.sessions ?? []).find((s: { key: string }) => s.key.endsWith(key)),
      chatOfFirst: link.frames
        .filter((f) => f.event === 'chat' && f.payload?.runId === first)
        .map((f) => f.payload.state),
      chatOfSecond: link.frames
        .filter((f) => f.event === 'chat' && f.payload?.runId === second)
        .map((f) => f.payload.state),
      secondEnd: typeof secondEnd === 'string' ? secondEnd : secondEnd.payload,
      after: historyView(after.payload),
    }
    // Waiting for the approval: the waiting run is inFlightRun with no text; once a message is queued,
    // the QUEUED run is; no activeRunIds. The queued run ends at once with a bare final and its reply
    // is written under the first run's id.
    expect(waiting.payload.inFlightRun).toMatchObject({ runId: first, text: '' })
    expect(queued.payload.inFlightRun).toMatchObject({ runId: second, text: '' })
    for (const h of [waiting, queued]) {
      expect(h.payload.sessionInfo).toMatchObject({ hasActiveRun: true })
      expect(h.payload.sessionInfo).not.toHaveProperty('activeRunIds')
    }
    expect(typeof secondEnd === 'string' ? secondEnd : secondEnd.payload).toEqual({
      runId: second,
      sessionKey: `agent:main:${key}`,
      seq: 1,
      state: 'final',
    })
    const rows = after.payload.messages as Array<Record<string, any>>
    const reply = rows.at(-1)!
    expect(rows.at(-2)).toMatchObject({ role: 'user', idempotencyKey: `${second}:user` })
    expect(reply).toMatchObject({ role: 'assistant', __openclaw: { runId: first } })
  })
})

describe('sessions.patch', () => {
  it('label, pinned, archived; a taken label; limits; an unknown key', async () => {
    const a = 'clawchat:facts:patch-a'
    const b = 'clawchat:facts:patch-b'
    await link.waitFor(finalOf(await send(link, a, 'hello a')), 60_000)
    await link.waitFor(finalOf(await send(link, b, 'hello b')), 60_000)
    const at = link.frames.length
    const label = await link.request('sessions.patch', { key: a, label: 'Alpha' })
    await new Promise((r) => setTimeout(r, 800))
    const labelEvents = sessionsChangedSince(link, at)
    const taken = await link.request('sessions.patch', { key: b, label: 'Alpha' })
    const takenCase = await link.request('sessions.patch', { key: b, label: 'alpha' })
    const takenByWriter = await writer.request('sessions.patch', { key: b, label: 'Alpha' })
    const same = await link.request('sessions.patch', { key: a, label: 'Alpha' })
    const long = await link.request('sessions.patch', { key: b, label: 'L'.repeat(200) })
    const long64 = await link.request('sessions.patch', { key: b, label: 'M'.repeat(64) })
    const empty = await link.request('sessions.patch', { key: b, label: '' })
    const at2 = link.frames.length
    const pinned = await writer.request('sessions.patch', { key: a, pinned: true })
    const archivedNoId = await writer.request('sessions.patch', { key: a, archived: true })
    const archivedWrongId = await writer.request('sessions.patch', { key: a, archived: true, expectedSessionId: 'x' })
    const expectedSessionId = await sessionIdOf(link, a)
    const archived = await writer.request('sessions.patch', { key: a, archived: true, expectedSessionId })
    const pinArchived = await writer.request('sessions.patch', { key: a, pinned: true })
    const archiveUnknown = await writer.request('sessions.patch', {
      key: 'clawchat:facts:never-made3',
      archived: true,
      expectedSessionId: 'x',
    })
    await new Promise((r) => setTimeout(r, 800))
    const flagEvents = sessionsChangedSince(link, at2)
    const cleared = await writer.request('sessions.patch', { key: a, label: null })
    const unarchived = await writer.request('sessions.patch', { key: a, archived: false, expectedSessionId })
    const historyInfo = historyView((await link.request('chat.history', { sessionKey: a })).payload).sessionInfo
    const unknown = await writer.request('sessions.patch', { key: 'clawchat:facts:never-made', label: 'Ghost' })
    const unknownPin = await writer.request('sessions.patch', { key: 'clawchat:facts:never-made2', pinned: true })
    const extra = await writer.request('sessions.patch', { key: a, label: 'X', bogus: 1 })
    const reuse = await link.request('sessions.patch', { key: b, label: 'Alpha' })
    measured.patch = {
      label,
      labelEvents,
      taken,
      takenCase,
      takenByWriter,
      same,
      long,
      long64,
      empty,
      pinned,
      archivedNoId,
      archivedWrongId,
      archived,
      pinArchived,
      archiveUnknown,
      flagEvents,
      watcherEvents: sessionsChangedSince(watcher, 0),
      historyInfo,
      cleared,
      unarchived,
      unknown,
      unknownPin,
      extra,
      reuseAfterClear: reuse,
    }
    expect(label.payload).toMatchObject({ ok: true, key: `agent:main:${a}`, entry: { label: 'Alpha' } })
    expect(label.payload.path).toEqual(expect.any(String))
    // Labels are unique gateway-wide, case-sensitively; 200 characters are taken.
    expect(taken.error).toEqual({ code: 'INVALID_REQUEST', message: 'label already in use: Alpha' })
    expect(takenByWriter.error).toEqual(taken.error)
    expect(takenCase.ok).toBe(true)
    expect(same.ok).toBe(true)
    expect(long.ok).toBe(true)
    expect(empty.error.code).toBe('INVALID_REQUEST')
    expect(reuse.ok).toBe(true)
    expect(pinned.payload.entry.pinnedAt).toEqual(expect.any(Number))
    // archived needs the current sessionId; archiving unpins; an archived session cannot be pinned.
    expect(archivedNoId.error).toEqual({
      code: 'INVALID_REQUEST',
      message: `expectedSessionId required for session lifecycle patch: agent:main:${a}`,
    })
    const changed = { code: 'INVALID_REQUEST', details: { reason: 'session-changed' } }
    expect(archivedWrongId.error).toEqual({ ...changed, message: `Session ${a} changed before patch. Retry.` })
    expect(archiveUnknown.error).toMatchObject(changed)
    expect(archived.payload.entry.archivedAt).toEqual(expect.any(Number))
    expect(archived.payload.entry).not.toHaveProperty('pinnedAt')
    expect(pinArchived.error.message).toBe('cannot pin an archived session; restore it first')
    expect(unarchived.payload.entry).not.toHaveProperty('archivedAt')
    expect(cleared.payload.entry).not.toHaveProperty('label')
    // An unknown key is created; a field outside the write set needs operator.admin.
    expect(unknown.payload.entry.label).toBe('Ghost')
    expect(unknownPin.ok).toBe(true)
    expect(extra.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.admin' })
    // sessions.changed only to a subscribed connection, reason "patch", label flattened.
    expect(labelEvents).toEqual([])
    const patchEvents = sessionsChangedSince(watcher, 0).filter((e) => e.reason === 'patch')
    expect(patchEvents).toContainEqual(expect.objectContaining({ sessionKey: `agent:main:${a}`, label: 'Alpha' }))
  })
})

describe('sessions.list', () => {
  it('archived filter and sortBy', async () => {
    const keys = ['clawchat:facts:list-1', 'clawchat:facts:list-2', 'clawchat:facts:list-3'] as const
    for (const k of keys) await link.waitFor(finalOf(await send(link, k, `hi ${k}`)), 60_000)
    await ok(link, 'sessions.patch', {
      key: keys[1],
      archived: true,
      expectedSessionId: await sessionIdOf(link, keys[1]),
    })
    await ok(link, 'sessions.patch', { key: keys[2], pinned: true })
    // list-1 gets a newer interaction
    await link.waitFor(finalOf(await send(link, keys[0], 'again')), 60_000)
    const rows = async (params: Record<string, unknown>) => {
      const res = await link.request('sessions.list', { search: 'facts:list', ...params })
      if (res.ok !== true) return res
      return (res.payload.sessions as Array<Record<string, unknown>>).map((s) => ({
        key: s.key,
        archived: s.archived,
        archivedAt: s.archivedAt,
        pinned: s.pinned,
        pinnedAt: s.pinnedAt,
        label: s.label,
        hasActiveRun: s.hasActiveRun,
        activeRunIds: s.activeRunIds,
        updatedAt: s.updatedAt,
        lastInteractionAt: s.lastInteractionAt,
      }))
    }
    const full = await link.request('sessions.list', { search: 'facts:list-3' })
    measured.list = {
      default: await rows({}),
      archivedTrue: await rows({ archived: true }),
      archivedAll: await rows({ archived: 'all' }),
      archivedFalse: await rows({ archived: false }),
      sortUpdated: await rows({ sortBy: 'updatedAt' }),
      sortInteraction: await rows({ sortBy: 'lastInteractionAt' }),
      fullRow: full.payload?.sessions?.[0],
      topLevelKeys: Object.keys(full.payload ?? {}),
    }
    const l = measured.list as Record<string, Array<{ key: string }>>
    const order = (rows: Array<{ key: string }>) => rows.map((r) => r.key.replace('agent:main:', ''))
    // Archived sessions only with archived:true / 'all'; pinned first by default, not by lastInteractionAt.
    expect(order(l.default!)).toEqual([keys[2], keys[0]])
    expect(order(l.archivedFalse!)).toEqual([keys[2], keys[0]])
    expect(order(l.archivedTrue!)).toEqual([keys[1]])
    expect(order(l.archivedAll!)).toEqual([keys[2], keys[0], keys[1]])
    expect(order(l.sortInteraction!)).toEqual([keys[0], keys[2]])
    expect(full.payload.sessions[0]).toMatchObject({ pinned: true, archived: false, activeRunIds: [] })
  })
})

describe('sessions.rewind', () => {
  it('takes a user row entry id; refuses others', async () => {
    const key = 'clawchat:facts:rewind'
    await link.waitFor(finalOf(await send(link, key, 'first question')), 60_000)
    await link.waitFor(finalOf(await send(link, key, 'second question')), 60_000)
    const before = await link.request('chat.history', { sessionKey: key })
    const users = entryIds(before.payload, 'user')
    const assistants = entryIds(before.payload, 'assistant')
    const toAssistant = await link.request('sessions.rewind', { sessionKey: key, entryId: assistants[0] })
    const unknownEntry = await link.request('sessions.rewind', { sessionKey: key, entryId: 'no-such-entry' })
    const unknownSession = await link.request('sessions.rewind', { sessionKey: 'clawchat:facts:nope', entryId: 'x' })
    const byWriter = await writer.request('sessions.rewind', { sessionKey: key, entryId: users[1] })
    const sessionIds = [String(before.payload.sessionId)]
    const toSecond = await link.request('sessions.rewind', { sessionKey: key, entryId: users[1] })
    const after = await link.request('chat.history', { sessionKey: key })
    sessionIds.push(String(after.payload.sessionId))
    const rerun = await send(link, key, 'second question, edited')
    await link.waitFor(finalOf(rerun), 60_000)
    const afterSend = await link.request('chat.history', { sessionKey: key })
    const toFirst = await link.request('sessions.rewind', { sessionKey: key, entryId: users[0] })
    const afterFirst = await link.request('chat.history', { sessionKey: key })
    sessionIds.push(String(afterFirst.payload.sessionId))
    const oldId = await link.request('sessions.rewind', { sessionKey: key, entryId: users[1] })
    // An archived session cannot be rewound.
    const archivedKey = 'clawchat:facts:rewind-archived'
    await link.waitFor(finalOf(await send(link, archivedKey, 'archive me')), 60_000)
    const archivedHistory = await link.request('chat.history', { sessionKey: archivedKey })
    await ok(link, 'sessions.patch', {
      key: archivedKey,
      archived: true,
      expectedSessionId: String(archivedHistory.payload.sessionId),
    })
    const rewindArchived = await link.request('sessions.rewind', {
      sessionKey: archivedKey,
      entryId: entryIds(archivedHistory.payload, 'user')[0],
    })
    measured.rewind = {
      before: historyView(before.payload),
      toAssistant,
      unknownEntry,
      unknownSession,
      byWriter,
      toSecond,
      sessionIds,
      after: historyView(after.payload),
      afterSend: historyView(afterSend.payload),
      toFirst,
      afterFirst: historyView(afterFirst.payload),
      oldIdAfterRewind: oldId,
      rewindArchived,
    }
    // The entry id is a user row's __openclaw.id; the answer is {editorText}; the rows from it on go.
    expect(toAssistant.error).toEqual({
      code: 'INVALID_REQUEST',
      message: `entry is not a user message: ${assistants[0]}`,
    })
    expect(unknownEntry.error).toEqual({ code: 'INVALID_REQUEST', message: 'message entry not found: no-such-entry' })
    expect(unknownSession.error).toEqual({ code: 'INVALID_REQUEST', message: 'session not found: clawchat:facts:nope' })
    expect(byWriter.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.admin' })
    expect(toSecond.payload).toEqual({ editorText: 'second question' })
    expect(after.payload.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant'])
    expect(afterSend.payload.messages).toHaveLength(4)
    expect(toFirst.payload).toEqual({ editorText: 'first question' })
    expect(afterFirst.payload.messages).toEqual([])
    expect(oldId.error).toEqual({
      code: 'INVALID_REQUEST',
      message: `message entry is not on the active path: ${users[1]}`,
    })
  })
})

describe('sessions.delete', () => {
  it('scopes, archivedOnly, unknown keys, a run in progress, events', async () => {
    const k = (n: string) => `clawchat:facts:del-${n}`
    for (const n of ['a', 'b', 'c', 'd']) await link.waitFor(finalOf(await send(link, k(n), `hi ${n}`)), 60_000)
    const writerPlain = await writer.request('sessions.delete', { key: k('a') })
    const writerNotArchived = await writer.request('sessions.delete', { key: k('a'), archivedOnly: true })
    await ok(writer, 'sessions.patch', {
      key: k('a'),
      archived: true,
      expectedSessionId: await sessionIdOf(link, k('a')),
    })
    const at = link.frames.length
    const watcherAt = watcher.frames.length
    const writerArchived = await writer.request('sessions.delete', {
      key: k('a'),
      archivedOnly: true,
      deleteTranscript: true,
    })
    await new Promise((r) => setTimeout(r, 800))
    const deleteEvents = sessionsChangedSince(link, at)
    const watcherDeleteEvents = sessionsChangedSince(watcher, watcherAt)
    const historyAfter = await link.request('chat.history', { sessionKey: k('a') })
    const listAfter = await link.request('sessions.list', { search: 'facts:del-a', archived: 'all' })
    const again = await writer.request('sessions.delete', { key: k('a'), archivedOnly: true })
    const adminPlain = await link.request('sessions.delete', { key: k('b') })
    const unknownAdmin = await link.request('sessions.delete', { key: k('never') })
    const unknownWriter = await writer.request('sessions.delete', { key: k('never2'), archivedOnly: true })
    const mainKey = await link.request('sessions.delete', { key: 'main' })
    // A run in progress, archived then deleted.
    const runId = await send(link, k('c'), '[[SLOW:12x300]] being deleted')
    await link.waitFor((f) => f.event === 'chat' && f.payload?.runId === runId && f.payload?.state === 'delta', 60_000)
    const archiveRunning = await writer.request('sessions.patch', {
      key: k('c'),
      archived: true,
      expectedSessionId: await sessionIdOf(link, k('c')),
    })
    const deleteRunning = await writer.request('sessions.delete', { key: k('c'), archivedOnly: true })
    const runEnd = await link.waitFor(finalOf(runId), 60_000).catch((e: Error) => e.message)
    // A label freed by delete?
    await ok(link, 'sessions.patch', { key: k('d'), label: 'Deleted label' })
    await ok(link, 'sessions.patch', {
      key: k('d'),
      archived: true,
      expectedSessionId: await sessionIdOf(link, k('d')),
    })
    await ok(writer, 'sessions.delete', { key: k('d'), archivedOnly: true })
    const labelReuse = await link.request('sessions.patch', { key: k('b2'), label: 'Deleted label' })
    measured.delete = {
      writerPlain,
      writerNotArchived,
      writerArchived,
      deleteEvents,
      watcherDeleteEvents,
      historyAfter: historyView(historyAfter.payload),
      listAfter: listAfter.payload?.sessions?.length,
      again,
      adminPlain,
      unknownAdmin,
      unknownWriter,
      mainKey,
      archiveRunning,
      deleteRunning,
      runEnd: typeof runEnd === 'string' ? runEnd : runEnd.payload,
      labelReuseAfterDelete: labelReuse,
    }
    const notArchived = (key: string) => ({
      code: 'INVALID_REQUEST',
      message: `Session ${key} is not archived. Archive it first, then delete it.`,
    })
    expect(writerPlain.error).toMatchObject({ code: 'FORBIDDEN', message: 'missing scope: operator.admin' })
    expect(writerNotArchived.error).toEqual(notArchived(k('a')))
    expect(writerArchived.payload).toMatchObject({ ok: true, key: `agent:main:${k('a')}`, deleted: true })
    expect(writerArchived.payload.archived).toHaveLength(1)
    expect(again.error).toEqual(notArchived(k('a')))
    expect(unknownWriter.error).toEqual(notArchived(k('never2')))
    expect(adminPlain.payload).toMatchObject({ ok: true, deleted: true })
    expect(unknownAdmin.payload).toEqual({ ok: true, key: `agent:main:${k('never')}`, deleted: false, archived: [] })
    expect(mainKey.error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Cannot delete the main session (agent:main:main).',
    })
    expect(historyAfter.payload.messages).toEqual([])
    expect(listAfter.payload.sessions).toEqual([])
    expect(watcherDeleteEvents.map((e) => [e.sessionKey, e.reason])).toContainEqual([`agent:main:${k('a')}`, 'delete'])
    // Archiving a running session aborts its run; the label of a deleted session is free again.
    expect(archiveRunning.ok).toBe(true)
    expect(deleteRunning.payload).toMatchObject({ deleted: true })
    expect(typeof runEnd === 'string' ? runEnd : runEnd.payload).toMatchObject({ state: 'aborted' })
    expect(labelReuse.ok).toBe(true)
  })
})
