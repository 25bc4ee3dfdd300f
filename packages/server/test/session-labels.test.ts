/**
 * Labels per user: the gateway's labels are unique gateway-wide, so each user's go upstream behind
 * their own prefix and come back without it — in `sessions.list` rows, `sessions.changed` events
 * and `sessions.patch` answers. A label without the user's prefix is left out: Bob can neither
 * collide with Alice's label nor see it.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext, type UpstreamCall } from '../src/isolation/policy.js'
import { patchAnswer, sanitizeSessionRow, sanitizeSessionsChanged } from '../src/isolation/sanitize-session.js'
import { browserLabel, checkLabel, labelPrefix, upstreamLabel } from '../src/isolation/session-labels.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }
const bob: PlanContext = { ...alice, userId: 'bob' }
const aliceKey = (key: string) => `agent:main:${gatewaySessionKey(NS, 'alice', key)}`

describe('label prefixes', () => {
  it("are the user's segment of their gateway keys, and two users' same label differs upstream", () => {
    expect(labelPrefix(NS, 'alice')).toBe('clawchat:mfwgsy3f:')
    expect(upstreamLabel(NS, 'alice', 'Trip')).toBe('clawchat:mfwgsy3f:Trip')
    expect(upstreamLabel(NS, 'bob', 'Trip')).not.toBe(upstreamLabel(NS, 'alice', 'Trip'))
  })

  it("come off for their owner only: another user's label, a bare one or a non-string is left out", () => {
    const hers = upstreamLabel(NS, 'alice', 'Trip: day 2')
    expect(browserLabel(alice, hers)).toBe('Trip: day 2')
    expect(browserLabel(bob, hers)).toBeUndefined()
    expect(browserLabel(alice, 'Trip')).toBeUndefined()
    expect(browserLabel(alice, labelPrefix(NS, 'alice'))).toBeUndefined()
    expect(browserLabel(alice, 42)).toBeUndefined()
    // Case matters upstream (the gateway's uniqueness is case-sensitive): the prefix is exact.
    expect(browserLabel(alice, hers.toUpperCase())).toBeUndefined()
  })

  it('trim and check what the browser sends', () => {
    expect(checkLabel('  Trip  ', NS, 'alice')).toEqual({ ok: true, label: 'Trip' })
    expect(checkLabel(null, NS, 'alice')).toEqual({ ok: true, label: null })
    expect(checkLabel('a\tb', NS, 'alice')).toMatchObject({ ok: false })
  })
})

describe("a session row's label", () => {
  it('comes without the prefix in sessions.list, with pinned and archived as the gateway says them', async () => {
    const rows = [
      { key: aliceKey('a'), label: upstreamLabel(NS, 'alice', 'Trip'), pinned: true, pinnedAt: 5, archived: false },
      { key: aliceKey('b'), label: upstreamLabel(NS, 'bob', 'Bob secret'), displayName: upstreamLabel(NS, 'bob', 'x') },
      { key: aliceKey('c'), label: 'set by another client', pinnedAt: 7 },
      { key: `agent:main:${gatewaySessionKey(NS, 'bob', 'a')}`, label: upstreamLabel(NS, 'bob', 'Trip') },
    ]
    const call: UpstreamCall = async () => ({ sessions: rows, hasMore: false })
    const planned = planRequest(DEFAULT_METHOD_POLICY, 'sessions.list', {}, alice)
    if (!planned.ok) throw new Error('refused')
    const answer = (await planned.plan.run(call)) as { sessions: unknown[] }
    expect(answer.sessions).toEqual([
      { key: 'a', label: 'Trip', pinned: true, archived: false },
      { key: 'b' },
      { key: 'c', pinned: true },
    ])
    expect(JSON.stringify(answer)).not.toMatch(/Bob secret|clawchat:|another client/)
  })

  it('shows in the titles the gateway makes of it (displayName, derivedTitle) without the prefix', () => {
    const label = upstreamLabel(NS, 'alice', 'Trip')
    const row = { key: aliceKey('a'), label, displayName: label, derivedTitle: label }
    expect(sanitizeSessionRow(alice, row)).toEqual({
      key: 'a',
      label: 'Trip',
      displayName: 'Trip',
      derivedTitle: 'Trip',
    })
    const plain = { key: aliceKey('a'), derivedTitle: 'How do I bake bread?', displayName: 'clawchat tips' }
    expect(sanitizeSessionRow(alice, plain)).toEqual({
      key: 'a',
      derivedTitle: 'How do I bake bread?',
      displayName: 'clawchat tips',
    })
  })

  it('comes without the prefix in sessions.changed (the shape measured on a patch), the flattened copy dropped', () => {
    const label = upstreamLabel(NS, 'alice', 'Trip')
    const payload = {
      sessionKey: aliceKey('a'),
      agentId: 'main',
      reason: 'patch',
      ts: 9,
      label,
      displayName: label,
      archived: true,
      archivedAt: 8,
      archiveReason: 'manual',
      pinned: false,
      session: { key: aliceKey('a'), sessionId: 'c3d58c1a', label, derivedTitle: label, archived: true, archivedAt: 8 },
    }
    const out = sanitizeSessionsChanged(alice, 'a', payload)
    expect(out).toEqual({
      sessionKey: 'a',
      reason: 'patch',
      ts: 9,
      session: { key: 'a', label: 'Trip', derivedTitle: 'Trip', archived: true },
    })
    // A row of Alice's that somehow carries Bob's label shows no label at all.
    const crossed = sanitizeSessionsChanged(alice, 'a', {
      sessionKey: aliceKey('a'),
      session: { key: aliceKey('a'), label: upstreamLabel(NS, 'bob', 'Bob secret') },
    })
    expect(JSON.stringify(crossed)).not.toContain('Bob secret')
  })

  it("keeps the user's own active run ids only, in browser ids, and leaves the list out when the gateway does", () => {
    const row = {
      key: aliceKey('a'),
      activeRunIds: [upstreamRunId(NS, 'alice', 'a', 'k1'), 'f0e1-recovery', upstreamRunId(NS, 'bob', 'a', 'kb')],
    }
    expect(sanitizeSessionRow(alice, row)).toEqual({ key: 'a', activeRunIds: ['k1'] })
    expect(sanitizeSessionRow(alice, { key: aliceKey('a'), hasActiveRun: true })).toEqual({
      key: 'a',
      hasActiveRun: true,
    })
  })

  it("comes without the prefix in a patch's answer; a flag the entry does not mention is off", () => {
    const answer = patchAnswer(alice, 'a', {
      ok: true,
      path: '/srv/x.sqlite',
      key: aliceKey('a'),
      entry: { sessionId: 's', label: upstreamLabel(NS, 'alice', 'Trip'), archivedAt: 3 },
    })
    expect(answer).toEqual({ ok: true, key: 'a', label: 'Trip', pinned: false, archived: true })
  })
})
