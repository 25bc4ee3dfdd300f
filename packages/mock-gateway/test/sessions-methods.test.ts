import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { loadJson, loadJsonl, loadTxt, responseTo } from './helpers/reference.js'
import { expectSameShape, expectShapeOfSamples } from './helpers/shape.js'

/**
 * sessions.list, chat.history, sessions.reset, models.list, agents.list, status and health against
 * transcripts/step5-*.jsonl, transcripts-sessions/q1, q4 and transcripts-more/q1-summary.json.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const ADMIN = ['operator.read', 'operator.write', 'operator.admin']
const moreQ1 = loadJson('transcripts-more/q1-summary.json')
const rawRes = (raw: string) => JSON.parse(raw)
const step5 = loadJsonl('transcripts/step5-chat-fake.jsonl')
const step5b = loadJsonl('transcripts/step5-chat-fake-2.jsonl')
const q1keys = loadTxt('transcripts-sessions/q1-session-keys.txt')
const q4 = loadTxt('transcripts-sessions/q4-idempotency.txt')

async function chatOnce(c: Awaited<ReturnType<Harness['connected']>>, sessionKey: string, runId: string) {
  await c.request('chat.send', { sessionKey, message: `hello ${runId}`, idempotencyKey: runId })
  await c.event('chat', (p) => p.runId === runId && p.state === 'final')
}

describe('sessions.list', () => {
  it('lists every session with the recorded top-level fields and row fields (identifiers included)', async () => {
    const refs = [
      responseTo(step5b, '4'),
      responseTo(q1keys, 'A-30'),
      rawRes(moreQ1.rw['sessions.list(before reset)'].raw),
    ]
    const gw = await h.gateway({ agent: () => ['hi'] })
    const a = await h.connected(gw)
    const b = await h.connected(gw)
    await chatOnce(a, 'main', 'list-1')
    await chatOnce(a, 'clawchat:alice:main', 'list-2')
    const res = await b.request('sessions.list', {})
    expectShapeOfSamples(res, refs)
    expect(res.payload.sessions.map((s: any) => s.key).sort()).toEqual([
      'agent:main:clawchat:alice:main',
      'agent:main:main',
    ])
    const alice = res.payload.sessions.find((s: any) => s.key === 'agent:main:clawchat:alice:main')
    expect(alice).toMatchObject({
      lastRunId: 'list-2',
      activeRunIds: [],
      participants: [{ identity: { id: 'gateway-client' } }],
    })
    expect(alice.contextBudgetStatus.sessionId).toBe(alice.sessionId)
    expect(res.payload.path).toMatch(/openclaw/)
  })

  it('is "(multiple)" with no sessions, and pages with limit/offset', async () => {
    const ref = responseTo(step5, '4')
    const gw = await h.gateway({ agent: () => ['hi'] })
    const c = await h.connected(gw)
    const empty = await c.request('sessions.list', {}, '4')
    expect(empty.payload.path).toBe(ref.payload.path)
    expectSameShape(empty, ref)
    for (const k of ['s1', 's2', 's3']) await chatOnce(c, k, `page-${k}`)
    const page = await c.request('sessions.list', { limit: 2 })
    expect(page.payload).toMatchObject({ count: 2, totalCount: 3, limitApplied: 2, nextOffset: 2, hasMore: true })
    const rest = await c.request('sessions.list', { limit: 2, offset: 2 })
    expect(rest.payload).toMatchObject({ count: 1, nextOffset: null, hasMore: false })
  })

  it('includeLastMessage adds lastMessagePreview', async () => {
    const gw = await h.gateway({ agent: () => ['the reply'] })
    const c = await h.connected(gw)
    await chatOnce(c, 'prev', 'prev-1')
    const plain = await c.request('sessions.list', {})
    expect(plain.payload.sessions[0].lastMessagePreview).toBeUndefined()
    const withLast = await c.request('sessions.list', { includeLastMessage: true })
    expect(withLast.payload.sessions[0].lastMessagePreview).toBe('the reply')
  })
})

describe('chat.history', () => {
  it('of a key without a session: no messages, the key echoed, a minimal sessionInfo (main and custom)', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    const main = await c.request('chat.history', { sessionKey: 'main' }, '5')
    expect(main).toEqual({ ...responseTo(step5, '5'), payload: { ...main.payload } })
    expectSameShape(main, responseTo(step5, '5'))
    expect(main.payload.sessionInfo.classification).toBe('main')
    const custom = await c.request('chat.history', { sessionKey: 'clawchat:q4b-mwusi069:main' }, 'A-11')
    const ref = responseTo(q4, 'A-11')
    expectSameShape(custom, ref)
    expect(custom.payload.sessionKey).toBe('clawchat:q4b-mwusi069:main')
    expect(custom.payload.sessionInfo.classification).toBe(ref.payload.sessionInfo.classification)
  })

  it('honours limit (the last messages) and reports hasMore', async () => {
    const gw = await h.gateway({ agent: () => ['r'] })
    const c = await h.connected(gw)
    await chatOnce(c, 'lim', 'lim-1')
    await chatOnce(c, 'lim', 'lim-2')
    const res = await c.request('chat.history', { sessionKey: 'lim', limit: 3 })
    expect(res.payload.messages).toHaveLength(3)
    expect(res.payload).toMatchObject({ totalMessages: 4, hasMore: true })
    expect(res.payload.messages[2].__openclaw.runId).toBe('lim-2')
    const cursor = JSON.parse(Buffer.from(res.payload.deltaCursor, 'base64').toString())
    expect(cursor).toMatchObject({ agentId: 'main', sessionId: res.payload.sessionId, version: 1 })
  })
})

describe('sessions.reset', () => {
  it('needs operator.admin', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    expect(await c.request('sessions.reset', { key: 'main' }, 'A-8')).toEqual(
      rawRes(moreQ1.rw['sessions.reset main'].raw),
    )
  })

  it('keeps the sessionId, leaves a single Reset message and answers like the recorded admin reset', async () => {
    const ref = rawRes(moreQ1.admin['sessions.reset main'].raw)
    const refHistory = rawRes(moreQ1.rw['chat.history after reset'].raw)
    const gw = await h.gateway({ agent: () => ['r'] })
    const admin = await h.connected(gw, { scopes: ADMIN })
    await chatOnce(admin, 'main', 'before-reset')
    const before = await admin.request('chat.history', { sessionKey: 'main' })
    const res = await admin.request('sessions.reset', { key: 'main' }, 'ADM-2')
    expectSameShape(res, ref)
    expect(res.payload.key).toBe('agent:main:main')
    expect(res.payload.entry.sessionId).toBe(before.payload.sessionId)
    expect(res.payload.entry).toMatchObject({ inputTokens: 0, outputTokens: 0, totalTokens: 0 })
    const after = await admin.request('chat.history', { sessionKey: 'main' }, 'A-11')
    expectSameShape(after, refHistory, { ignore: ['$.payload.sessionInfo.*'] })
    expect(after.payload.messages).toHaveLength(1)
    expect(after.payload.messages[0]).toMatchObject({
      role: 'system',
      content: [{ type: 'text', text: 'Reset' }],
      __openclaw: { kind: 'reset' },
    })
  })

  it('creates a session that does not exist (classification custom, no chatType)', async () => {
    const ref = rawRes(moreQ1.admin['sessions.reset nonexistent'].raw)
    const gw = await h.gateway()
    const admin = await h.connected(gw, { scopes: ADMIN })
    const res = await admin.request('sessions.reset', { key: 'clawchat:nosuch:main' }, 'ADM-3')
    expectSameShape(res, ref)
    expect(res.payload.key).toBe(ref.payload.key)
    const list = await admin.request('sessions.list', {})
    const row = list.payload.sessions.find((s: any) => s.key === 'agent:main:clawchat:nosuch:main')
    expect(row.classification).toBe('custom')
    expect(row.chatType).toBeUndefined()
  })

  it('refuses a key of an unknown agent', async () => {
    const gw = await h.gateway()
    const admin = await h.connected(gw, { scopes: ADMIN })
    expect((await admin.request('sessions.reset', { key: 'agent:zed:x' })).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Agent "zed" no longer exists in configuration',
    })
  })
})

describe('models.list, agents.list, status, health (read scope)', () => {
  it.each(['models.list', 'agents.list', 'status', 'health'])('%s answers in the recorded shape', async (method) => {
    const ref = rawRes(moreQ1.rw[method].raw)
    const gw = await h.gateway()
    const c = await h.connected(gw)
    const res = await c.request(method, {}, ref.id)
    expectSameShape(res, ref, { ignore: ['$.payload.processMemory', '$.payload.eventLoop'] })
  })

  it('status is redacted for non-admins and not for admins; health shows the sqlite path to any reader', async () => {
    const gw = await h.gateway({ agent: () => ['r'] })
    const rw = await h.connected(gw)
    await chatOnce(rw, 'main', 'status-1')
    const redacted = await rw.request('status', {})
    expect(redacted.payload.sessions).toMatchObject({
      paths: [],
      recent: [],
      byAgent: [{ path: '[redacted]', recent: [] }],
    })
    const admin = await h.connected(gw, { scopes: ADMIN })
    const full = await admin.request('status', {})
    expect(full.payload.sessions.paths[0]).toMatch(/\.sqlite$/)
    expect(full.payload.sessions.recent[0].key).toBe('agent:main:main')
    const health = await rw.request('health', {})
    expect(health.payload.sessions.path).toMatch(/\.sqlite$/)
    expect(health.payload.sessions.count).toBe(1)
  })

  it('scopeless clients are refused all of them with missing operator.read', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw, { clientId: 'test', mode: 'test' })
    for (const method of ['models.list', 'agents.list', 'status', 'health', 'sessions.subscribe', 'chat.history']) {
      const res = await c.request(method, method === 'chat.history' ? { sessionKey: 'main' } : {})
      expect(res.error).toEqual({
        code: 'FORBIDDEN',
        message: 'missing scope: operator.read',
        details: { code: 'MISSING_SCOPE', missingScope: 'operator.read', requiredScopes: ['operator.read'] },
      })
    }
  })
})
