/**
 * The isolation suite for the chat-managing methods (issue 20): with any crafted key — another
 * user's gateway key, `agent:main:…`, `../`, prototype names, unicode look-alikes — Bob's
 * `sessions.patch`, `sessions.delete` and `sessions.rewind` are refused before anything goes
 * upstream, or land on Bob's own session; Alice's chat keeps its name, pin, messages; and no label
 * of Alice's can be named, taken or seen by Bob.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { parseSessionKey } from '@clawchat/protocol'
import { base32Encode, gatewaySessionKey } from '../src/isolation/session-keys.js'
import { upstreamLabel } from '../src/isolation/session-labels.js'
import { startHarness, type Harness, type TestClient } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const ALICE_ENC = base32Encode('alice')
const aliceKey = (session: string) => gatewaySessionKey('clawchat', 'alice', session)

const CRAFTED = [
  'agent:main:main',
  `agent:main:${aliceKey('work')}`,
  aliceKey('work'),
  `clawchat:alice:work`,
  `${ALICE_ENC}:work`,
  ALICE_ENC,
  '../alice',
  '../../work',
  'work/../main',
  'work ',
  ' work',
  'WORK',
  'w\u043Erk', // Cyrillic о
  'ｗｏｒｋ', // full-width
  'work\u200B', // zero-width space
  '__proto__',
  'constructor',
  'prototype',
  '',
  'x'.repeat(65),
]

const MANAGING = ['sessions.patch', 'sessions.delete', 'sessions.rewind'] as const

function paramsFor(method: (typeof MANAGING)[number], key: unknown): Record<string, unknown> {
  if (method === 'sessions.rewind') return { sessionKey: key, entryId: 'e-1' }
  if (method === 'sessions.patch') return { key, label: 'Taken?', pinned: false }
  return { key }
}

async function chatIn(client: TestClient, sessionKey: string, message: string, runId: string): Promise<void> {
  expect((await client.request('chat.send', { sessionKey, message, idempotencyKey: runId })).ok).toBe(true)
  await client.waitForEvent('chat', (p) => p.runId === runId && p.state === 'final')
}

describe("user B cannot manage user A's chats", () => {
  it('by any crafted key: refused with nothing upstream, or only ever on his own session', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await chatIn(alice, 'work', 'ALICE-SECRET plan', 'a-run-1')
    expect((await alice.request('sessions.patch', { key: 'work', label: 'ALICE-LABEL', pinned: true })).ok).toBe(true)
    h.gateway!.clearRequests()

    for (const key of CRAFTED) {
      for (const method of MANAGING) {
        const before = h.gateway!.requests.length
        const res = await bob.request(method, paramsFor(method, key))
        const legal = parseSessionKey(key).ok
        if (!legal) {
          expect(res.error?.code, `${method} ${JSON.stringify(key)}`).toBe('INVALID_REQUEST')
          expect(h.gateway!.requests.length, `${method} ${JSON.stringify(key)} went upstream`).toBe(before)
        }
      }
    }
    // Non-string keys too.
    for (const key of [42, null, { toString: 'work' }, ['work'], true]) {
      for (const method of MANAGING) {
        const res = await bob.request(method, paramsFor(method, key))
        expect(res.error?.code, `${method} ${JSON.stringify(key)}`).toBe('INVALID_REQUEST')
      }
    }
    // Every key and label that reached the gateway from Bob is in Bob's namespace.
    const bobPrefix = gatewaySessionKey('clawchat', 'bob', '')
    for (const request of h.gateway!.requests) {
      const params = request.params as Record<string, unknown>
      const key = String(params.key ?? params.sessionKey ?? '')
      if (key) expect(key.startsWith(bobPrefix), `${request.method} ${key}`).toBe(true)
      if (typeof params.label === 'string') expect(params.label.startsWith(bobPrefix)).toBe(true)
    }
    // Alice's chat is as she left it.
    const list = (await alice.request('sessions.list', {})).payload
    expect(list.sessions.find((s: any) => s.key === 'work')).toMatchObject({ label: 'ALICE-LABEL', pinned: true })
    const history = (await alice.request('chat.history', { sessionKey: 'work' })).payload
    expect(history.messages.map((m: any) => m.runId)).toEqual(['a-run-1', 'a-run-1'])
    expect(bob.raw.join('\n')).not.toMatch(/ALICE-SECRET|ALICE-LABEL|a-run-1/)
  })

  it("cannot take, name or see Alice's label, even by typing her prefix", async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await chatIn(alice, 'work', 'hi', 'a1')
    await chatIn(bob, 'work', 'hi', 'b1')
    expect((await alice.request('sessions.patch', { key: 'work', label: 'Secret trip' })).ok).toBe(true)
    // Her exact upstream label, typed by Bob, is his own label behind his own prefix: no collision.
    const typed = upstreamLabel('clawchat', 'alice', 'Secret trip')
    const res = await bob.request('sessions.patch', { key: 'work', label: typed })
    expect(res.ok).toBe(true)
    expect(res.payload.label).toBe(typed)
    const aliceList = (await alice.request('sessions.list', {})).payload
    expect(aliceList.sessions.map((s: any) => s.label)).toEqual(['Secret trip'])
    const bobList = (await bob.request('sessions.list', {})).payload
    expect(bobList.sessions.map((s: any) => s.key)).toEqual(['work'])
    expect(bob.raw.join('\n')).not.toContain('"Secret trip"')
  })
})
