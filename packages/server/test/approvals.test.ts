/**
 * Approvals per user (issue 18 item 3), on a fake upstream with the real gateway's frames: who
 * receives an approval's events and in which view, who may list / get / resolve it, and that an id
 * a user may not see — guessed, reused, another user's — gets exactly the gateway's not-found answer.
 */
import { describe, expect, it } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { DEFAULT_APPROVAL_POLICY, type ApprovalPolicy } from '../src/isolation/approvals/approval-policy.js'
import { DEFAULT_METHOD_POLICY, effectiveScopes, planRequest } from '../src/isolation/policy.js'
import { sanitizeGatewayError } from '../src/isolation/sanitize.js'
import { RECORDED_APPROVAL_ID, approvalRequested, approvalResolved, clawchatRun } from './fixtures/approval-frames.js'
import { fakeWork } from './helpers/fake-work.js'

const ALICE = clawchatRun('alice', 'main', 'run-1')
const ID = RECORDED_APPROVAL_ID

const event = (name: string, payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: name, payload })

/** Calls a method as `userId` through the policy and the planner; the browser's answer. */
async function call(
  setup: ReturnType<typeof fakeWork>,
  userId: string,
  role: 'user' | 'admin',
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ ok: true; payload: any } | { ok: false; error: any }> {
  const ctx = { namespace: 'clawchat', userId, role, newIdempotencyKey: () => 'k', work: setup.work }
  const planned = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (!planned.ok) return { ok: false, error: planned.error }
  try {
    return { ok: true, payload: await planned.plan.run(setup.gateway.request) }
  } catch (error) {
    // As the connection answers a failed plan (requests.ts answerFailure).
    return { ok: false, error: sanitizeGatewayError({ namespace: 'clawchat', userId }, (error as any).shape) }
  }
}

/** A setup with alice's approval pending on the gateway and its requested event routed. */
function withAlicesApproval(policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY) {
  const setup = fakeWork(policy)
  const payload = approvalRequested(ALICE)
  setup.gateway.approvals.set(ID, payload)
  const alice = setup.connections.add('alice')
  const aliceNoCaps = setup.connections.add('alice', 'user', [])
  const bob = setup.connections.add('bob')
  const admin = setup.connections.add('root', 'admin')
  setup.work.route(event('exec.approval.requested', payload))
  return { ...setup, alice, aliceNoCaps, bob, admin }
}

const NOT_FOUND = {
  code: 'INVALID_REQUEST',
  message: 'unknown or expired approval id',
  details: { reason: 'APPROVAL_NOT_FOUND' },
}

describe('approval events', () => {
  it('reach the owner (own names, waiting for an admin) and admins (owner named), never bob or a no-caps socket', () => {
    const s = withAlicesApproval()
    expect(s.alice.events).toEqual([
      {
        event: 'exec.approval.requested',
        payload: {
          id: ID,
          approvalKind: 'exec',
          request: {
            command: 'echo approve-me',
            host: 'gateway',
            warningText: null,
            commandAnalysis: { riskKinds: [], warningLines: [] },
            allowedDecisions: [],
            waitingFor: 'admin',
            toolCallId: 'call_fake_7_0',
            sessionKey: 'main',
            runId: 'run-1',
          },
          createdAtMs: expect.any(Number),
          expiresAtMs: expect.any(Number),
        },
      },
    ])
    const adminView = s.admin.events[0]?.payload.request
    expect(adminView).toMatchObject({
      ownerUserId: 'alice',
      waitingFor: 'you',
      allowedDecisions: ['allow-once', 'deny'],
    })
    expect(adminView.sessionKey).toBeUndefined()
    expect(adminView.runId).toBeUndefined()
    expect(s.bob.events).toEqual([])
    expect(s.aliceNoCaps.events).toEqual([])
    const sent = JSON.stringify([s.alice.events, s.admin.events])
    for (const secret of ['/tmp/oc-tools', '/usr/bin/echo', 'agent:main', 'clawchat:', 'webchat', 'allowlist']) {
      expect(sent).not.toContain(secret)
    }
  })

  it('of a run started outside ClawChat go to admins only, marked external', () => {
    const s = fakeWork(DEFAULT_APPROVAL_POLICY)
    const alice = s.connections.add('alice')
    const admin = s.connections.add('root', 'admin')
    s.work.route(event('exec.approval.requested', approvalRequested(null)))
    expect(alice.events).toEqual([])
    expect(admin.events[0]?.payload.request).toMatchObject({ external: true, waitingFor: 'you' })
  })

  it("under admin: 'own' do not reach admins for other users' runs", () => {
    const s = withAlicesApproval({ user: 'none', admin: 'own' })
    expect(s.admin.events).toEqual([])
    expect(s.alice.events).toHaveLength(1)
  })

  it('plugin approvals follow the same rules, to connections that asked for plugin approvals', () => {
    const s = fakeWork(DEFAULT_APPROVAL_POLICY)
    const alice = s.connections.add('alice', 'user', ['exec-approvals'])
    const alicePlugins = s.connections.add('alice', 'user', ['plugin-approvals'])
    const bob = s.connections.add('bob', 'user', ['approvals'])
    s.work.route(event('plugin.approval.requested', { ...approvalRequested(ALICE), approvalKind: 'plugin' }))
    expect(alice.events).toEqual([])
    expect(alicePlugins.events[0]?.payload).toMatchObject({ id: ID, approvalKind: 'plugin' })
    expect(bob.events).toEqual([])
  })

  it('the resolved event says who resolved it: admin through ClawChat, the gateway otherwise', async () => {
    const s = withAlicesApproval()
    expect((await call(s, 'root', 'admin', 'exec.approval.resolve', { id: ID, decision: 'deny' })).ok).toBe(true)
    s.work.route(event('exec.approval.resolved', approvalResolved(ALICE, 'deny')))
    const seen = s.alice.events.find((e) => e.event === 'exec.approval.resolved')?.payload
    expect(seen).toMatchObject({ id: ID, decision: 'deny', resolvedBy: 'admin' })
    expect(JSON.stringify(seen)).not.toContain('gateway-client')
    expect(s.bob.events).toEqual([])

    const other = fakeWork(DEFAULT_APPROVAL_POLICY)
    const alice = other.connections.add('alice')
    other.work.route(event('exec.approval.requested', approvalRequested(ALICE, 'a2')))
    other.work.route(event('exec.approval.resolved', approvalResolved(ALICE, 'deny', 'a2', 'approval-scope-closed')))
    expect(alice.events[1]?.payload).toMatchObject({ id: 'a2', decision: 'deny', resolvedBy: 'gateway' })
  })
})

describe('approval methods', () => {
  it('list: each viewer sees only what they may see', async () => {
    const s = withAlicesApproval()
    const mine = await call(s, 'alice', 'user', 'exec.approval.list')
    expect(mine.ok && mine.payload.map((a: any) => [a.id, a.request.sessionKey])).toEqual([[ID, 'main']])
    expect(await call(s, 'bob', 'user', 'exec.approval.list')).toEqual({ ok: true, payload: [] })
    const admin = await call(s, 'root', 'admin', 'exec.approval.list')
    expect(admin.ok && admin.payload[0].request.ownerUserId).toBe('alice')
  })

  it("bob's get and resolve of alice's id get exactly the answer of an id that does not exist", async () => {
    const s = withAlicesApproval({ user: 'own', admin: 'any' })
    const unknown = await call(s, 'bob', 'user', 'exec.approval.get', { id: 'no-such-id' })
    expect(unknown).toEqual({ ok: false, error: NOT_FOUND })
    expect(await call(s, 'bob', 'user', 'exec.approval.get', { id: ID })).toEqual(unknown)
    expect(await call(s, 'bob', 'user', 'approval.get', { id: ID })).toEqual(unknown)
    for (const decision of ['allow-once', 'deny', 'allow-always']) {
      expect(await call(s, 'bob', 'user', 'exec.approval.resolve', { id: ID, decision })).toEqual(unknown)
      expect(await call(s, 'bob', 'user', 'approval.resolve', { id: ID, kind: 'exec', decision })).toEqual(unknown)
    }
    expect(s.gateway.resolves()).toEqual([])
    // Reused after it was resolved: still nothing for bob, while alice gets the gateway's own answers.
    expect((await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'allow-once' })).ok).toBe(true)
    s.work.route(event('exec.approval.resolved', approvalResolved(ALICE, 'allow-once')))
    expect(await call(s, 'bob', 'user', 'exec.approval.resolve', { id: ID, decision: 'allow-once' })).toEqual(unknown)
    expect(await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'allow-once' })).toEqual({
      ok: true,
      payload: { ok: true },
    })
    const again = await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'deny' })
    expect(again).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'approval already resolved',
        details: { reason: 'APPROVAL_ALREADY_RESOLVED' },
      },
    })
    expect(s.gateway.resolves()).toEqual([
      { id: ID, decision: 'allow-once' },
      { id: ID, decision: 'allow-once' },
      { id: ID, decision: 'deny' },
    ])
  })

  it('by default the owner sees but may not answer; the admin may', async () => {
    const s = withAlicesApproval()
    const get = await call(s, 'alice', 'user', 'exec.approval.get', { id: ID })
    expect(get.ok && get.payload.request).toMatchObject({ waitingFor: 'admin', allowedDecisions: [] })
    const refused = await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'allow-once' })
    expect(refused).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Approvals of your runs are answered by an administrator on this site.' },
    })
    expect(s.gateway.resolves()).toEqual([])
    expect(await call(s, 'root', 'admin', 'exec.approval.resolve', { id: ID, decision: 'allow-once' })).toEqual({
      ok: true,
      payload: { ok: true },
    })
    expect(s.gateway.resolves()).toEqual([{ id: ID, decision: 'allow-once' }])
    const line = s.audit.find((a) => a.event === 'approval.decision')
    expect(line).toMatchObject({
      userId: 'root',
      role: 'admin',
      approvalId: ID,
      decision: 'allow-once',
      ownerUserId: 'alice',
      outcome: 'ok',
    })
  })

  it("under user: 'own' the owner answers; allow-always is for admins only; other decisions are named", async () => {
    const s = withAlicesApproval({ user: 'own', admin: 'any' })
    const always = await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'allow-always' })
    expect(always.ok === false && always.error.code).toBe('FORBIDDEN')
    expect(always.ok === false && always.error.message).toMatch(/only administrators may send it/)
    const adminAlways = await call(s, 'root', 'admin', 'exec.approval.resolve', { id: ID, decision: 'allow-always' })
    expect(adminAlways).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'decision must be one of allow-once, deny for this approval' },
    })
    expect(await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'deny' })).toEqual({
      ok: true,
      payload: { ok: true },
    })
    s.work.route(event('exec.approval.resolved', approvalResolved(ALICE, 'deny')))
    const resolved = s.alice.events.find((e) => e.event === 'exec.approval.resolved')
    expect(resolved?.payload.resolvedBy).toBe('user')
    expect(
      s.audit.filter((a) => a.event === 'approval.decision').map((a) => [a.userId, a.decision, a.outcome]),
    ).toEqual([['alice', 'deny', 'ok']])
  })

  it("under admin: 'none' nobody answers other users' approvals, and admins do not see them", async () => {
    const s = withAlicesApproval({ user: 'none', admin: 'none' })
    expect(await call(s, 'root', 'admin', 'exec.approval.get', { id: ID })).toEqual({ ok: false, error: NOT_FOUND })
    expect(await call(s, 'root', 'admin', 'exec.approval.list')).toEqual({ ok: true, payload: [] })
  })

  // The real gateway expands an 8-character id prefix (e2e/real-gateway/README.md, measured 2026-12-04).
  it('an id prefix finds nothing, for bob or alice, and no browser string ever goes upstream', async () => {
    const s = withAlicesApproval(DEFAULT_APPROVAL_POLICY)
    const unknown = await call(s, 'bob', 'user', 'exec.approval.get', { id: 'no-such-id' })
    for (const who of [
      ['bob', 'user'],
      ['alice', 'user'],
      ['root', 'admin'],
    ] as const) {
      for (const id of [ID.slice(0, 8), ID.slice(0, 20)]) {
        expect(await call(s, who[0], who[1], 'exec.approval.get', { id })).toEqual(unknown)
        expect(await call(s, who[0], who[1], 'exec.approval.resolve', { id, decision: 'deny' })).toEqual(unknown)
      }
    }
    expect(s.gateway.calls).toEqual([])
    // The admin's full id goes upstream — the registry's, checked, once to confirm, once to resolve.
    expect((await call(s, 'root', 'admin', 'exec.approval.resolve', { id: ID, decision: 'deny' })).ok).toBe(true)
    expect(s.gateway.calls.map((c) => [c.method, c.params.id])).toEqual([
      ['exec.approval.get', ID],
      ['exec.approval.resolve', ID],
    ])
  })

  it('refuses bad params before anything goes upstream', async () => {
    const s = withAlicesApproval()
    const bad = await call(s, 'alice', 'user', 'exec.approval.resolve', { id: ID, decision: 'yes' })
    expect(bad.ok === false && bad.error.message).toMatch(/decision must be/)
    const noId = await call(s, 'alice', 'user', 'exec.approval.get', {})
    expect(noId.ok === false && noId.error.code).toBe('INVALID_REQUEST')
    const extra = await call(s, 'alice', 'user', 'exec.approval.get', { id: ID, reviewer: 'x' })
    expect(extra.ok === false && extra.error.message).toMatch(/unexpected property 'reviewer'/)
    expect(s.gateway.calls).toEqual([])
  })

  it('plugin approvals are answered with approval.resolve and their kind; exec.approval.* do not name them', async () => {
    const s = fakeWork(DEFAULT_APPROVAL_POLICY)
    s.connections.add('root', 'admin')
    // Pending now (the recording's own times are long past).
    const pending = { ...approvalRequested(ALICE, 'p1'), approvalKind: 'plugin', expiresAtMs: Date.now() + 60_000 }
    s.work.route(event('plugin.approval.requested', pending))
    expect(await call(s, 'root', 'admin', 'exec.approval.resolve', { id: 'p1', decision: 'deny' })).toEqual({
      ok: false,
      error: NOT_FOUND,
    })
    const got = await call(s, 'root', 'admin', 'approval.get', { id: 'p1' })
    expect(got.ok && got.payload).toMatchObject({ id: 'p1', approvalKind: 'plugin' })
    expect(await call(s, 'root', 'admin', 'approval.resolve', { id: 'p1', kind: 'exec', decision: 'deny' })).toEqual({
      ok: false,
      error: NOT_FOUND,
    })
    s.gateway.approvals.set('p1', {})
    const ok = await call(s, 'root', 'admin', 'approval.resolve', { id: 'p1', kind: 'plugin', decision: 'deny' })
    expect(ok).toEqual({ ok: true, payload: { ok: true } })
    expect(s.gateway.calls.at(-1)).toEqual({
      method: 'approval.resolve',
      params: { id: 'p1', kind: 'plugin', decision: 'deny' },
    })
  })
})

describe('scopes in hello-ok', () => {
  it('name operator.approvals and operator.questions when the role may call those methods', () => {
    expect(effectiveScopes('user', DEFAULT_METHOD_POLICY.user)).toEqual([
      'operator.read',
      'operator.write',
      'operator.approvals',
      'operator.questions',
    ])
    expect(effectiveScopes('user', ['chat.send'])).toEqual(['operator.read', 'operator.write'])
    expect(effectiveScopes('admin', DEFAULT_METHOD_POLICY.admin)).toContain('operator.approvals')
  })
})
