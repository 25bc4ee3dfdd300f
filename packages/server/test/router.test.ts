/**
 * The event router on its own, with a fake registry and fake connections: each gateway event
 * reaches the connections of the user who owns its session and nobody else's, sanitised for that
 * user; everything else the gateway broadcasts stops here; the redaction hook runs once per event.
 */
import { describe, expect, it } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { EventRouter, type EventRedaction, type RoutableConnection } from '../src/isolation/router.js'
import { gatewaySessionKey, opaqueRunId, upstreamRunId } from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const key = (userId: string, session = 'main') => `agent:main:${gatewaySessionKey(NS, userId, session)}`
const run = (userId: string, browserKey: string, session = 'main') => upstreamRunId(NS, userId, session, browserKey)

/** A fake browser connection that records what it was sent. */
function connection(userId: string, connId: string) {
  const sent: Array<{ event: string; payload: unknown }> = []
  const conn: RoutableConnection = {
    connId,
    userId,
    sessionId: undefined,
    caps: [],
    sendEvent: (event, payload) => void sent.push({ event, payload }),
  }
  return { conn, sent }
}

/** A router over a fake registry holding alice (two tabs) and bob (one). */
function setup(streams?: EventRedaction) {
  const alice1 = connection('alice', 'a1')
  const alice2 = connection('alice', 'a2')
  const bob = connection('bob', 'b1')
  const conns = [alice1.conn, alice2.conn, bob.conn]
  const asked: string[] = []
  const registry = {
    forUser(userId: string) {
      asked.push(userId)
      return conns.filter((c) => c.userId === userId)
    },
  }
  return { router: new EventRouter(NS, registry, streams), alice1, alice2, bob, asked }
}

const chat = (payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: 'chat', payload })

describe('EventRouter', () => {
  it("delivers a chat event to every connection of the session's owner, and only to them", () => {
    const { router, alice1, alice2, bob } = setup()
    const delivered = router.route(
      chat({
        runId: run('alice', 'k1'),
        sessionKey: key('alice'),
        state: 'delta',
        deltaText: 'Hi',
        sessionId: 'c3d58c1a-upstream',
        seq: 4,
      }),
    )
    expect(delivered).toBe(2)
    const expected = {
      event: 'chat',
      payload: { runId: 'k1', sessionKey: 'main', state: 'delta', deltaText: 'Hi', seq: 4 },
    }
    expect(alice1.sent).toEqual([expected])
    expect(alice2.sent).toEqual([expected])
    expect(bob.sent).toEqual([])
  })

  it('sanitises per owner: browser keys, browser run ids, no upstream identifiers', () => {
    const { router, bob } = setup()
    router.route(
      chat({
        runId: 'c39bd61e-gateway-own-run',
        sessionKey: key('bob', 'work'),
        state: 'final',
        message: { role: 'assistant', content: 'done', __openclaw: { runId: 'x' }, senderId: 'internal' },
      }),
    )
    expect(bob.sent).toEqual([
      {
        event: 'chat',
        payload: {
          runId: opaqueRunId(NS, 'c39bd61e-gateway-own-run'),
          sessionKey: 'work',
          state: 'final',
          message: { role: 'assistant', content: 'done' },
        },
      },
    ])
    expect(JSON.stringify(bob.sent)).not.toContain(gatewaySessionKey(NS, 'bob', 'work'))
  })

  it.each([
    ['presence', { presence: [] }],
    ['health', { ok: true }],
    ['tick', { ts: 1 }],
    ['exec.approval.requested', { sessionKey: key('alice') }],
    ['session.message', { sessionKey: key('alice') }],
    ['constructor', { sessionKey: key('alice') }],
    ['__proto__', { sessionKey: key('alice') }],
    ['hasOwnProperty', { sessionKey: key('alice') }],
  ])('drops the %j event the gateway broadcasts', (event, payload) => {
    const { router, alice1, alice2, bob, asked } = setup()
    expect(router.route({ type: 'event', event, payload })).toBe(0)
    expect([...alice1.sent, ...alice2.sent, ...bob.sent]).toEqual([])
    expect(asked).toEqual([])
  })

  it.each([
    ['no session key or run id', { state: 'delta' }],
    ['the main session of the gateway', { sessionKey: 'agent:main:main', state: 'delta' }],
    ['another namespace', { sessionKey: `agent:main:${gatewaySessionKey('other', 'alice', 'main')}` }],
    ['a run of bob on a key of alice', { sessionKey: key('alice'), runId: run('bob', 'k') }],
    ['a run of alice on another session of hers', { sessionKey: key('alice', 'work'), runId: run('alice', 'k') }],
    ['a payload that is not an object', 'text'],
  ])('drops a chat event with %s', (_what, payload) => {
    const { router, alice1, alice2, bob } = setup()
    expect(router.route({ type: 'event', event: 'chat', payload })).toBe(0)
    expect([...alice1.sent, ...alice2.sent, ...bob.sent]).toEqual([])
  })

  it('finds the owner from the run id when the event has no session key', () => {
    const { router, bob, alice1 } = setup()
    const frame: EventFrame = {
      type: 'event',
      event: 'agent',
      payload: { runId: run('bob', 'k9', 'work'), stream: 'assistant', data: { text: 'x', delta: 'x' }, seq: 1 },
    }
    expect(router.route(frame)).toBe(1)
    expect(bob.sent).toEqual([
      {
        event: 'agent',
        payload: { runId: 'k9', sessionKey: 'work', stream: 'assistant', data: { text: 'x', delta: 'x' }, seq: 1 },
      },
    ])
    expect(alice1.sent).toEqual([])
  })

  it("finds the owner of a sessions.changed from its session's key", () => {
    const { router, alice1, bob } = setup()
    const frame: EventFrame = {
      type: 'event',
      event: 'sessions.changed',
      payload: { reason: 'created', session: { key: key('alice', 'work'), updatedAt: 5, sessionId: 'upstream-id' } },
    }
    expect(router.route(frame)).toBe(2)
    expect(alice1.sent).toEqual([
      {
        event: 'sessions.changed',
        payload: { reason: 'created', session: { key: 'work', updatedAt: 5 }, sessionKey: 'work' },
      },
    ])
    expect(bob.sent).toEqual([])
  })

  it('runs the redaction hook once per event, before the fan-out, even with the owner offline', () => {
    const calls: Array<{ event: string; payload: Record<string, unknown> }> = []
    const streams: EventRedaction = {
      redact(event, payload) {
        calls.push({ event, payload })
        // What a held-back tail looks like: two payloads for one event.
        return [
          { ...payload, deltaText: '[redacted]' },
          { ...payload, deltaText: 'after' },
        ]
      },
    }
    const { router, alice1, alice2 } = setup(streams)
    expect(
      router.route(chat({ runId: run('alice', 'k1'), sessionKey: key('alice'), state: 'delta', deltaText: 'tok' })),
    ).toBe(2)
    expect(calls).toHaveLength(1)
    for (const { sent } of [alice1, alice2]) {
      expect(sent.map((s) => (s.payload as { deltaText: string }).deltaText)).toEqual(['[redacted]', 'after'])
      expect(sent.every((s) => (s.payload as { sessionKey: string }).sessionKey === 'main')).toBe(true)
    }

    // Carol has no connection: her run's stream still goes through the hook (it must stay in step).
    expect(
      router.route(chat({ runId: run('carol', 'k2'), sessionKey: key('carol'), state: 'delta', deltaText: 'x' })),
    ).toBe(0)
    expect(calls).toHaveLength(2)
    expect(calls[1]?.payload.sessionKey).toBe(key('carol'))
  })

  it('does not call the redaction hook for events it drops', () => {
    const calls: string[] = []
    const { router } = setup({ redact: (event, payload) => (calls.push(event), [payload]) })
    router.route({ type: 'event', event: 'presence', payload: { runId: run('alice', 'k') } })
    router.route(chat({ sessionKey: 'agent:main:main', runId: 'r' }))
    expect(calls).toEqual([])
  })
})
