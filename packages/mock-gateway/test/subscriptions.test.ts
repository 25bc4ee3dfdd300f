import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'
import { loadJson } from './helpers/reference.js'
import { expectShapeOfSamples } from './helpers/shape.js'

/**
 * sessions.subscribe / sessions.messages.subscribe (SESSIONS-AND-BROADCAST Q2, MORE-BEHAVIOURS Q1):
 * who gets `sessions.changed` and `session.message`, in which order among the run's events, and in
 * which shape, against transcripts-more/q1-summary.json and q1b-summary.json.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const q1 = loadJson('transcripts-more/q1-summary.json')
const q1b = loadJson('transcripts-more/q1b-summary.json')
const refSubscriberFrames: any[] = q1.S_sessionsChanged.map((raw: string) => JSON.parse(raw))
const refChanged = refSubscriberFrames.filter((f) => f.event === 'sessions.changed')
const refMessages: any[] = q1.M_nonChatAgent.map((raw: string) => JSON.parse(raw))
const ADMIN = ['operator.read', 'operator.write', 'operator.admin']

/** The names of the events a client received from index `from` on, leaving out ticks and health. */
function eventNames(c: RawClient, from: number): string[] {
  return c.frames
    .slice(from)
    .filter((f) => f.type === 'event' && !['tick', 'health', 'presence'].includes(f.event))
    .map((f) => f.event)
}

describe('sessions.subscribe', () => {
  it('answers {subscribed:true} and then delivers sessions.changed and session.message for every session, in the recorded order', async () => {
    const gw = await h.gateway({ agent: () => ['ECHO<<q1-sub>>'] })
    const a = await h.connected(gw)
    const s = await h.connected(gw)
    const plain = await h.connected(gw)
    // A first chat elsewhere, so the once-per-boot chat.metadata.changed is out of the way.
    await a.request('chat.send', { sessionKey: 'warmup', message: 'w', idempotencyKey: 'warmup' })
    await plain.event('chat', (p) => p.runId === 'warmup' && p.state === 'final')
    expect(await s.request('sessions.subscribe', {}, 'S-2')).toEqual(JSON.parse(q1.sessionsSubscribe))
    const sFrom = s.frames.length
    const pFrom = plain.frames.length
    await a.request('chat.send', {
      sessionKey: 'clawchat:q1sub:main',
      message: 'hello MSG:q1-sub',
      idempotencyKey: 'sub-run',
    })
    await s.event('sessions.changed', (p) => p.reason === 'agent.input.settled')
    await plain.event('chat', (p) => p.runId === 'sub-run' && p.state === 'final')
    expect(eventNames(s, sFrom)).toEqual(q1.S_eventsDuringChat)
    expect(eventNames(plain, pFrom)).toEqual(q1.C_eventsDuringChat)

    const changed = s.frames.slice(sFrom).filter((f) => f.event === 'sessions.changed')
    const cause = (f: any) => f.payload.reason ?? f.payload.phase
    expect(changed.map(cause)).toEqual(refChanged.map(cause))
    // Field presence varies with the run's state; each frame must fit the recorded sessions.changed frames between them.
    const refResetFrame = JSON.parse(q1b.S[0])
    for (const f of changed) expectShapeOfSamples(f, [...refChanged, refResetFrame])
    expect(changed.every((f) => f.payload.sessionKey === 'agent:main:clawchat:q1sub:main')).toBe(true)
    expect(changed.filter((f) => f.payload.runId !== undefined).every((f) => f.payload.runId === 'sub-run')).toBe(true)

    const messages = s.frames.slice(sFrom).filter((f) => f.event === 'session.message')
    expect(messages.map((f) => f.payload.message.role)).toEqual(['user', 'assistant'])
    messages.forEach((f, i) => expectShapeOfSamples(f, [refMessages[i]]))
    expect(messages[1].payload.messageId).toBe(messages[1].payload.message.__openclaw.id)
    expect(messages[1].payload.messageSeq).toBe(messages[1].payload.message.__openclaw.seq)
  })

  it('a session that already existed also gets reason "send" before "participants" (transcripts-sessions q2)', async () => {
    const gw = await h.gateway({ agent: () => ['x'] })
    const a = await h.connected(gw)
    const s = await h.connected(gw)
    await s.request('sessions.subscribe', {})
    for (const runId of ['first', 'second']) {
      await a.request('chat.send', { sessionKey: 'clawchat:again:main', message: runId, idempotencyKey: runId })
      await s.event('sessions.changed', (p) => p.reason === 'agent.input.settled' && p.lastRunId === runId)
    }
    const reasons = s
      .events('sessions.changed')
      .map((f) => f.payload.reason)
      .filter((r) => r === 'send' || r === 'participants')
    expect(reasons).toEqual(['participants', 'send', 'participants'])
  })
})

describe('sessions.messages.subscribe', () => {
  it('delivers session.message for that key only, answers with the canonical key, and unsubscribes', async () => {
    const gw = await h.gateway({ agent: () => ['ECHO<<q1-msg>>'] })
    const a = await h.connected(gw)
    const m = await h.connected(gw)
    await a.request('chat.send', { sessionKey: 'warmup', message: 'w', idempotencyKey: 'warmup' })
    await m.event('chat', (p) => p.runId === 'warmup' && p.state === 'final')
    expect(await m.request('sessions.messages.subscribe', { key: 'clawchat:q1msg:main' }, 'M-2')).toEqual(
      JSON.parse(q1.messagesSubscribe),
    )
    expect(await m.request('sessions.messages.subscribe', { key: 'main' }, 'M-3')).toEqual(
      JSON.parse(q1.messagesSubscribeMain),
    )
    expect(await m.request('sessions.messages.subscribe', { key: 'clawchat:never:main' }, 'M-4')).toEqual(
      JSON.parse(q1.messagesSubscribeMissing),
    )
    const from = m.frames.length
    await a.request('chat.send', {
      sessionKey: 'clawchat:q1msg:main',
      message: 'hello MSG:q1-msg',
      idempotencyKey: 'msg-run',
    })
    await m.event('chat', (p) => p.runId === 'msg-run' && p.state === 'final')
    expect(eventNames(m, from)).toEqual(q1.M_eventsDuringChat)
    // Another session's run brings no session.message.
    await a.request('chat.send', { sessionKey: 'clawchat:elsewhere:main', message: 'x', idempotencyKey: 'other-run' })
    await m.event('chat', (p) => p.runId === 'other-run' && p.state === 'final')
    expect(m.events('session.message').map((f) => f.payload.sessionKey)).toEqual([
      'agent:main:clawchat:q1msg:main',
      'agent:main:clawchat:q1msg:main',
    ])
    expect(await m.request('sessions.messages.unsubscribe', { key: 'clawchat:q1msg:main' }, 'M-5')).toEqual(
      JSON.parse(q1.messagesUnsubscribe),
    )
    await a.request('chat.send', { sessionKey: 'clawchat:q1msg:main', message: 'again', idempotencyKey: 'msg-run-2' })
    await m.event('chat', (p) => p.runId === 'msg-run-2' && p.state === 'final')
    expect(m.events('session.message')).toHaveLength(2)
  })
})

describe('reset events', () => {
  it('sessions.subscribe subscribers get sessions.changed reason "reset"; message subscribers and plain connections get nothing', async () => {
    const refReset = JSON.parse(q1b.S[0])
    expect(q1b.M).toEqual([])
    expect(q1b.P).toEqual([])
    const gw = await h.gateway({ agent: () => ['x'] })
    const admin = await h.connected(gw, { scopes: ADMIN })
    await admin.request('chat.send', { sessionKey: 'main', message: 'm', idempotencyKey: 'pre-reset' })
    await admin.event('chat', (p) => p.runId === 'pre-reset' && p.state === 'final')
    const s = await h.connected(gw)
    const m = await h.connected(gw)
    const p = await h.connected(gw)
    await s.request('sessions.subscribe', {})
    await m.request('sessions.messages.subscribe', { key: 'main' })
    const mFrom = m.frames.length
    const pFrom = p.frames.length
    await admin.request('sessions.reset', { key: 'main' })
    const changed = await s.event('sessions.changed', (x) => x.reason === 'reset')
    expectShapeOfSamples(changed, [refReset])
    expect(eventNames(m, mFrom)).toEqual([])
    expect(eventNames(p, pFrom)).toEqual([])
  })
})
