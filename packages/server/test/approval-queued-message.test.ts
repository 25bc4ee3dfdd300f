/**
 * A second message while a run waits for an approval (reference "A run waiting for approval", t2
 * phase 3): the gateway acks it `started`, queues it and steers it into the waiting run, whose reply
 * (under the FIRST run id) answers it; the second run id only gets a bare `final`. Through the proxy
 * both run ids are alice's own names, the second message's final arrives, and bob sees none of it.
 */
import { afterEach, expect, it } from 'vitest'
import { SDK_CAPS } from '@clawchat/protocol'
import { startHarness, type Harness } from './helpers/harness.js'
import { leanView } from './helpers/lean-view.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo block-me","title":"p3"}]]'

it('a message sent while an approval waits is answered inside the waiting run, under alice’s own run ids', async () => {
  harness = await startHarness({
    gateway: { exec: { mode: 'ask' } },
    proxy: { approvals: { route: true }, policy: { approvals: { user: 'own' } } },
  })
  const h = harness
  await h.waitForLinkUp()
  const alice = await h.open(await h.login({ id: 'alice' }))
  const bob = await h.open(await h.login({ id: 'bob' }))
  for (const client of [alice, bob]) {
    await client.waitForEvent('connect.challenge')
    expect((await client.connect({ caps: [...SDK_CAPS] })).ok).toBe(true)
  }
  expect((await alice.request('chat.send', { message: EXEC, idempotencyKey: 'first' })).ok).toBe(true)
  const asked = await alice.waitForEvent('exec.approval.requested')
  expect(asked.payload.request).toMatchObject({ runId: 'first', sessionKey: 'main' })

  const second = await alice.request('chat.send', {
    message: 'plain follow-up MSG:steered-in',
    idempotencyKey: 'second',
  })
  expect(second.payload).toEqual({ runId: 'second', status: 'started' })
  // While it waits the first run is still active; the second message is queued, not answered.
  expect(alice.events('chat').filter((f) => f.payload.runId === 'second')).toEqual([])

  const resolved = await alice.request('exec.approval.resolve', { id: asked.payload.id, decision: 'allow-once' })
  expect(resolved.payload).toEqual({ ok: true })
  const bare = await alice.waitForEvent('chat', (p) => p.runId === 'second' && p.state === 'final')
  expect(bare.payload.message).toBeUndefined()
  await alice.waitForEvent('chat', (p) => p.runId === 'first' && p.state === 'final')
  // SDK_CAPS name the lean wire: the reply's text comes in the run head and compact deltas.
  expect(leanView(alice).runs.get('first')?.text).toContain('steered-in')

  expect(bob.events('chat')).toEqual([])
  expect(bob.events('exec.approval.requested')).toEqual([])
  expect(bob.raw.join('\n')).not.toContain('block-me')
})
