import { afterEach, describe, expect, it } from 'vitest'
import { canonicalSessionKey, type MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import { loadTxt, received } from './helpers/reference.js'
import { shapeDiffFromSamples } from './helpers/shape.js'

/**
 * Session-key canonicalisation (SESSIONS-AND-BROADCAST Q1): transcripts-sessions/q1-session-keys.txt
 * replayed frame by frame against the mock, with an agent that answers like the reference's fake
 * model (`ECHO<<marker>>`), so responses and histories can be compared value for value.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const q1 = loadTxt('transcripts-sessions/q1-session-keys.txt')
const sentByA = q1.filter((l) => l.conn === 'A' && l.dir === '>>' && l.frame?.method !== 'connect').map((l) => l.frame)
const recordedA = received(q1, 'A')
const fakeModel: MockAgent = (message) => [`ECHO<<${message.split('MSG:')[1] ?? message}>>`]

describe('canonicalSessionKey', () => {
  it.each([
    ['main', 'agent:main:main'],
    ['MAIN', 'agent:main:main'],
    ['agent:main:main', 'agent:main:main'],
    ['clawchat:alice:main', 'agent:main:clawchat:alice:main'],
    ['agent:main:ClawChat:Alice:Main', 'agent:main:clawchat:alice:main'],
    ['clawchat:Bob Smith ünïcødé 🦀 日本語', 'agent:main:clawchat:bob smith ünïcødé 🦀 日本語'],
  ])('%s → %s', (raw, key) => {
    expect(canonicalSessionKey(raw)).toEqual({ ok: true, key, agentId: 'main' })
  })

  it('refuses keys of another agent', () => {
    expect(canonicalSessionKey('agent:zed:clawchat:alice:main')).toEqual({ ok: false, agentId: 'zed' })
  })
})

describe('replay of q1-session-keys', () => {
  it('answers every request as recorded: acks, the 512-character limit, the unknown agent, histories and the session list', async () => {
    expect(sentByA.length).toBeGreaterThan(25)
    const gw = await h.gateway({ agent: fakeModel })
    const c = await h.connected(gw)
    for (const frame of sentByA) {
      const res = await c.request(frame.method, frame.params, frame.id)
      const ref = recordedA.find((f) => f.type === 'res' && f.id === frame.id)
      if (frame.method === 'chat.send') {
        expect(res).toEqual(ref)
        if (res.ok) {
          const final = await c.event('chat', (p) => p.runId === frame.params.idempotencyKey && p.state === 'final')
          const refFinal = recordedA.find(
            (f) => f.event === 'chat' && f.payload.runId === frame.params.idempotencyKey && f.payload.state === 'final',
          )
          expect(final.payload.sessionKey).toBe(refFinal.payload.sessionKey)
          expect(final.payload.message.content).toEqual(refFinal.payload.message.content)
        }
      } else if (frame.method === 'chat.history') {
        expect(res.payload.sessionKey).toBe(ref.payload.sessionKey)
        expect(res.payload.sessionInfo.key).toBe(ref.payload.sessionInfo.key)
        expect(res.payload.totalMessages).toBe(ref.payload.totalMessages)
        expect(res.payload.messages.map((m: any) => [m.role, m.content])).toEqual(
          ref.payload.messages.map((m: any) => [m.role, m.content]),
        )
        expect(shapeDiffFromSamples(res, [ref], { ignore: ['$.payload.sessionInfo.activitySummary'] })).toEqual([])
      } else if (frame.method === 'sessions.list') {
        expect(res.payload.sessions.map((s: any) => s.key).sort()).toEqual(
          ref.payload.sessions.map((s: any) => s.key).sort(),
        )
        expect(res.payload.count).toBe(ref.payload.count)
      } else {
        throw new Error(`unexpected method in transcript: ${frame.method}`)
      }
    }
  })

  it('canonical keys can be longer than 512 characters (a 512-character key gets the agent:main: prefix)', async () => {
    const gw = await h.gateway({ agent: fakeModel })
    const c = await h.connected(gw)
    const raw = `clawchat:${'x'.repeat(503)}`
    expect(raw).toHaveLength(512)
    await c.request('chat.send', { sessionKey: raw, message: 'MSG:long', idempotencyKey: 'long-1' })
    const final = await c.event('chat', (p) => p.runId === 'long-1' && p.state === 'final')
    expect(final.payload.sessionKey).toHaveLength(523)
  })
})
