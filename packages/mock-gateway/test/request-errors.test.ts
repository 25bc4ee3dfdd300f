import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { loadTxt, received, REFERENCE_DIR } from './helpers/reference.js'

/**
 * Request errors (SESSIONS-AND-BROADCAST Q5/Q6): transcripts-sessions/q6-errors.txt replayed frame by
 * frame (read+write client A, admin D) and the request-id cases of q5-summary.json. Every answer
 * must equal the recorded one, and none of them closes the connection.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const q6 = loadTxt('transcripts-sessions/q6-errors.txt')

function replayable(conn: string) {
  return q6
    .filter((l) => l.conn === conn && l.dir === '>>' && l.frame && l.frame.method !== 'connect')
    .map((l) => ({ sent: l.frame, ref: received(q6, conn).find((f) => f.type === 'res' && f.id === l.frame.id) }))
    .filter((x) => x.ref && x.ref.ok === false)
}

/** The recorded answers to non-string ids (q5-summary.json is not valid JSON as a whole, so its reply lines are read one by one). */
function q5ErrorReplies(): any[] {
  const text = readFileSync(path.join(REFERENCE_DIR, 'transcripts-sessions/q5-summary.json'), 'utf8')
  return text
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l.startsWith('"{\\"type\\":\\"res\\"') && l.includes('\\"ok\\":false'))
    .map((l) => JSON.parse(JSON.parse(l)))
}

describe('replay of q6-errors', () => {
  it('a read/write client gets the recorded error for every bad request, and stays connected', async () => {
    const cases = replayable('A')
    expect(cases.length).toBeGreaterThanOrEqual(14)
    const gw = await h.gateway()
    const c = await h.connected(gw)
    for (const { sent, ref } of cases) {
      c.send(sent)
      const res = await c.waitFor((f) => f.type === 'res' && f.id === ref.id)
      expect(res).toEqual(ref)
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    expect((await c.request('health', {})).ok).toBe(true)
  })

  it('an admin client gets "unknown method: X" and the same param errors', async () => {
    const cases = replayable('D')
    expect(cases.map((x) => x.ref.error.message)).toContain('unknown method: nope.nothing')
    const gw = await h.gateway()
    const c = await h.connected(gw, { scopes: ['operator.read', 'operator.write', 'operator.admin'] })
    for (const { sent, ref } of cases) {
      c.send(sent)
      expect(await c.waitFor((f) => f.type === 'res' && f.id === ref.id)).toEqual(ref)
    }
  })

  it('sessions.unsubscribe does not exist: admin-only to a reader, unknown to an admin (MORE-BEHAVIOURS Q1)', async () => {
    const gw = await h.gateway()
    const rw = await h.connected(gw)
    expect((await rw.request('sessions.unsubscribe', {})).error.message).toBe('missing scope: operator.admin')
    const admin = await h.connected(gw, { scopes: ['operator.admin'] })
    expect((await admin.request('sessions.unsubscribe', {})).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'unknown method: sessions.unsubscribe',
    })
  })
})

describe('request ids (q5)', () => {
  it('answers non-string, null and empty ids as recorded, echoing the id', async () => {
    const refs = q5ErrorReplies()
    expect(refs.map((r) => r.id)).toEqual([5, 0, '', 'invalid', { a: 1 }])
    const sentIds = [5, 0, '', null, { a: 1 }]
    const gw = await h.gateway()
    const c = await h.connected(gw)
    for (const [i, id] of sentIds.entries()) {
      c.send({ type: 'req', id, method: 'health', params: {} })
      const res = await c.waitFor(
        (f) => f.type === 'res' && f.ok === false && JSON.stringify(f.id) === JSON.stringify(refs[i].id),
      )
      expect(res).toEqual(refs[i])
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('accepts any non-empty string id, echoed verbatim, and answers duplicates twice', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    for (const id of ['c17:5', 'r'.repeat(200), 'k'.repeat(100_000), 'ид:🦀 x']) {
      expect((await c.request('health', {}, id)).ok).toBe(true)
    }
    c.send({ type: 'req', id: 'dup-1', method: 'sessions.list', params: {} })
    c.send({ type: 'req', id: 'dup-1', method: 'chat.history', params: { sessionKey: 'main' } })
    await c.waitFor(() => c.frames.filter((f) => f.type === 'res' && f.id === 'dup-1').length === 2)
    const both = c.frames.filter((f) => f.type === 'res' && f.id === 'dup-1')
    expect(both.map((f) => f.ok)).toEqual([true, true])
  })

  it('a frame that is not JSON after the handshake closes the socket 1000 without an answer (as before it)', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    c.send('{nope')
    expect(await c.closed).toEqual({ code: 1000, reason: '' })
  })
})
