/** The approvals registry (issue 18): owners from the request, bounded, pruned on expiry and after resolution. */
import { describe, expect, it } from 'vitest'
import { KeyCache } from '../src/isolation/key-cache.js'
import { ApprovalRegistry, EXPIRY_GRACE_MS, RESOLVED_KEEP_MS } from '../src/isolation/approvals/approval-registry.js'
import { approvalRequested, approvalResolved, clawchatRun } from './fixtures/approval-frames.js'

const ALICE = clawchatRun('alice', 'work', 'k1')

function registry(max = 100) {
  const clock = { now: 1_796_323_456_000 }
  return { clock, approvals: new ApprovalRegistry('clawchat', new KeyCache('clawchat'), () => clock.now, max) }
}

describe('approval registry', () => {
  it("knows the owner from the request's session key and run id; a mismatch or a foreign key is external", () => {
    const { approvals } = registry()
    expect(approvals.requested('exec', approvalRequested(ALICE, 'a'))?.owner).toEqual({
      userId: 'alice',
      sessionKey: 'work',
      runId: 'k1',
    })
    const forged = approvalRequested({ sessionKey: ALICE.sessionKey, runId: clawchatRun('bob').runId }, 'b')
    expect(approvals.requested('exec', forged)?.owner).toBeNull()
    expect(approvals.requested('exec', approvalRequested(null, 'c'))?.owner).toBeNull()
    expect(approvals.requested('exec', { id: 'd' })).toBeUndefined()
  })

  it('is bounded: the oldest go first', () => {
    const { approvals } = registry(3)
    for (const id of ['a', 'b', 'c', 'd']) approvals.requested('exec', approvalRequested(ALICE, id))
    expect(approvals.size).toBe(3)
    expect(approvals.get('a')).toBeUndefined()
    expect(approvals.get('d')?.id).toBe('d')
  })

  it('drops a pending approval after its expiry, a resolved one after a while; a late request stays resolved', () => {
    const { approvals, clock } = registry()
    const payload = approvalRequested(ALICE, 'a')
    approvals.requested('exec', payload)
    approvals.resolved('exec', approvalResolved(ALICE, 'deny', 'b'))
    expect(approvals.get('b')?.resolved?.decision).toBe('deny')
    expect(approvals.requested('exec', approvalRequested(ALICE, 'b'))?.resolved?.decision).toBe('deny')
    expect(approvals.pending().map((e) => e.id)).toEqual(['a'])
    clock.now += RESOLVED_KEEP_MS
    expect(approvals.get('b')).toBeUndefined()
    clock.now = (payload.expiresAtMs as number) + EXPIRY_GRACE_MS - 1
    expect(approvals.get('a')).toBeDefined()
    clock.now += 1
    expect(approvals.get('a')).toBeUndefined()
  })

  it('a list replaces the pending ones of its kind: those missing from it are gone', () => {
    const { approvals } = registry()
    approvals.requested('exec', approvalRequested(ALICE, 'a'))
    approvals.requested('plugin', { ...approvalRequested(ALICE, 'p'), approvalKind: 'plugin' })
    approvals.sync('exec', [approvalRequested(ALICE, 'b')])
    expect(
      approvals
        .pending()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['b', 'p'])
  })
})
