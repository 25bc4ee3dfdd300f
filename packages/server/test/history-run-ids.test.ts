/**
 * `chat.history` rows name the browser's run (its chat.send idempotencyKey) for the user's own runs,
 * so the SDK can tell whether a message it sent is stored before it sends it again after a gateway
 * restart. Nobody else's run ids — upstream or another user's — ever show.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext } from '../src/isolation/policy.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'generated-1' }

async function historyAs(ctx: PlanContext, messages: unknown[]): Promise<Array<Record<string, unknown>>> {
  const planned = planRequest(DEFAULT_METHOD_POLICY, 'chat.history', { sessionKey: 'main' }, ctx)
  if (!planned.ok) throw new Error(JSON.stringify(planned.error))
  const out = (await planned.plan.run(async () => ({
    sessionKey: gatewaySessionKey(NS, ctx.userId, 'main'),
    messages,
  }))) as { messages: Array<Record<string, unknown>> }
  return out.messages
}

describe('chat.history run ids', () => {
  it("gives the user's own user and assistant rows the browser's runId, in the shapes the gateway stores", async () => {
    const own = upstreamRunId(NS, 'alice', 'main', 'browser-key-1')
    const rows = await historyAs(alice, [
      {
        role: 'user',
        content: 'hi',
        timestamp: 1,
        idempotencyKey: `${own}:user`,
        __openclaw: { idempotencyKey: `${own}:user`, id: 'm1' },
      },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'yo' }],
        stopReason: 'stop',
        __openclaw: { runId: own, id: 'm2' },
      },
      // Only the __openclaw copy of the key (the real gateway has both; take either).
      {
        role: 'user',
        content: 'again',
        __openclaw: { idempotencyKey: `${upstreamRunId(NS, 'alice', 'main', 'browser-key-2')}:user` },
      },
    ])
    expect(rows).toEqual([
      { role: 'user', content: 'hi', timestamp: 1, runId: 'browser-key-1', id: 'm1' },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'yo' }],
        stopReason: 'stop',
        runId: 'browser-key-1',
        id: 'm2',
      },
      { role: 'user', content: 'again', runId: 'browser-key-2' },
    ])
  })

  it("leaves out run ids the proxy did not make for this user: a gateway recovery run, another user's run, garbage", async () => {
    const bobs = upstreamRunId(NS, 'bob', 'main', 'bob-key')
    const rows = await historyAs(alice, [
      {
        role: 'user',
        content: '[System] Your previous turn was interrupted by a gateway restart',
        idempotencyKey: 'a1b2c3:user',
      },
      { role: 'assistant', content: 'recovered', __openclaw: { runId: 'f0e1d2c3-recovery' } },
      { role: 'assistant', content: 'crafted', __openclaw: { runId: bobs } },
      { role: 'user', content: 'odd', idempotencyKey: 42, __openclaw: 'x' },
    ])
    for (const row of rows) expect(row).not.toHaveProperty('runId')
    expect(JSON.stringify(rows)).not.toContain('bob-key')
    expect(JSON.stringify(rows)).not.toContain('a1b2c3')
  })
})
