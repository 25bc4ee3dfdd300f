/**
 * The unattended deny (issue 18 item 3): an approval nobody who may answer can see is denied by the
 * proxy after `approvals.unattendedDenyMs`, and its owner is told why; someone who may answer being
 * connected, or connecting in time, keeps it waiting. Fake timers drive the proxy's clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { DEFAULT_APPROVAL_POLICY } from '../src/isolation/approvals/approval-policy.js'
import { unattendedReason } from '../src/isolation/approvals/unattended.js'
import {
  RECORDED_APPROVAL_ID as ID,
  approvalRequested,
  approvalResolved,
  clawchatRun,
} from './fixtures/approval-frames.js'
import { fakeWork } from './helpers/fake-work.js'

const ALICE = clawchatRun('alice')
const MS = 120_000
const event = (name: string, payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: name, payload })

beforeEach(() => {
  vi.useFakeTimers()
  // The recorded approval's own time: it expires 30 minutes later.
  vi.setSystemTime(1796323455949 + 1000)
})
afterEach(() => vi.useRealTimers())

/** Alice's approval pending, requested now, with the watch started. */
function started(policy = DEFAULT_APPROVAL_POLICY) {
  const s = fakeWork(policy, MS)
  const alice = s.connections.add('alice')
  const payload = approvalRequested(ALICE)
  s.gateway.approvals.set(ID, payload)
  s.work.start()
  return { ...s, alice, payload }
}

describe('unattended deny', () => {
  it('denies when no admin is connected, and tells the owner why (resolvedBy clawchat)', async () => {
    const s = started()
    s.work.route(event('exec.approval.requested', s.payload))
    await vi.advanceTimersByTimeAsync(MS - 5000)
    expect(s.gateway.resolves()).toEqual([])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(s.gateway.resolves()).toEqual([{ id: ID, decision: 'deny' }])
    s.work.route(event('exec.approval.resolved', approvalResolved(ALICE, 'deny')))
    const told = s.alice.events.find((e) => e.event === 'exec.approval.resolved')?.payload
    expect(told).toMatchObject({ id: ID, decision: 'deny', resolvedBy: 'clawchat', reason: unattendedReason(MS) })
    expect(told.reason).toMatch(/Nobody who may answer this approval was connected for 2 minutes/)
    const line = s.audit.find((a) => a.event === 'approval.decision')
    expect(line).toMatchObject({ userId: 'clawchat', decision: 'deny', ownerUserId: 'alice', outcome: 'ok' })
    await vi.advanceTimersByTimeAsync(MS * 2)
    expect(s.gateway.resolves()).toHaveLength(1)
    s.work.stop()
  })

  it('waits while an admin with approval caps is connected; counts from when the last one left', async () => {
    const s = started()
    const admin = s.connections.add('root', 'admin')
    s.work.route(event('exec.approval.requested', s.payload))
    await vi.advanceTimersByTimeAsync(MS * 2)
    expect(s.gateway.resolves()).toEqual([])
    s.connections.remove(admin)
    await vi.advanceTimersByTimeAsync(MS - 10_000)
    expect(s.gateway.resolves()).toEqual([])
    await vi.advanceTimersByTimeAsync(20_000)
    expect(s.gateway.resolves()).toEqual([{ id: ID, decision: 'deny' }])
    s.work.stop()
  })

  it('an admin connecting in time cancels it; an admin without approval caps does not count', async () => {
    const s = started()
    s.connections.add('root', 'admin', [])
    s.work.route(event('exec.approval.requested', s.payload))
    await vi.advanceTimersByTimeAsync(MS - 20_000)
    s.connections.add('root2', 'admin')
    await vi.advanceTimersByTimeAsync(MS * 3)
    expect(s.gateway.resolves()).toEqual([])
    s.work.stop()
  })

  it("under user: 'own' the connected owner attends their own approval", async () => {
    const s = started({ user: 'own', admin: 'any' })
    s.work.route(event('exec.approval.requested', s.payload))
    await vi.advanceTimersByTimeAsync(MS * 2)
    expect(s.gateway.resolves()).toEqual([])
    s.connections.remove(s.alice)
    await vi.advanceTimersByTimeAsync(MS + 10_000)
    expect(s.gateway.resolves()).toEqual([{ id: ID, decision: 'deny' }])
    s.work.stop()
  })

  it('approvals found by the list after the link came up are watched too; 0 turns the watch off', async () => {
    const s = started()
    await s.work.linkUp()
    await vi.advanceTimersByTimeAsync(MS + 10_000)
    expect(s.gateway.resolves()).toEqual([{ id: ID, decision: 'deny' }])
    s.work.stop()

    const off = fakeWork(DEFAULT_APPROVAL_POLICY, 0)
    off.gateway.approvals.set(ID, approvalRequested(ALICE))
    off.work.start()
    off.work.route(event('exec.approval.requested', approvalRequested(ALICE)))
    await vi.advanceTimersByTimeAsync(MS * 20)
    expect(off.gateway.resolves()).toEqual([])
    off.work.stop()
  })
})
