/**
 * Behaviour 4: users kept apart. The mock gateway behaves like the real one — it broadcasts every
 * session's events to every connection, lists every session to everyone and dedupes idempotency
 * keys globally — so whatever isolation these tests see is the proxy's work.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { parseSessionKey } from '@clawchat/protocol'
import { base32Encode, gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'
import { startHarness, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let harnesses: Harness[] = []
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
})

async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(options)
  harnesses.push(h)
  await h.waitForLinkUp()
  return h
}

const ALICE_ENC = base32Encode('alice')
const aliceKey = (session: string) => gatewaySessionKey('clawchat', 'alice', session)

/** Everything Alice owns that Bob must never see, in any form. */
const ALICE_SECRETS = ['alice', 'Alice', 'ALICE-SECRET', ALICE_ENC, 'a-run-', 'a-slow']

/** Upstream identifiers no browser may ever see. */
const UPSTREAM_MARKERS = [
  'agent:main',
  '"sessionId"',
  '__openclaw',
  '"participants":',
  '"deltaCursor"',
  '"sessionInfo"',
  'gateway-client',
  '"createdActor"',
  '"lastRunId"',
  '"path":',
  '"terminalReceipt"',
  '"turnId"',
  'clawchat:',
]

function expectNoneOf(client: TestClient, needles: readonly string[]): void {
  const all = client.raw.join('\n')
  for (const needle of needles) {
    const frame = client.raw.find((f) => f.includes(needle))
    expect(frame, `a frame contains ${JSON.stringify(needle)}`).toBeUndefined()
  }
  expect(all.length).toBeGreaterThan(0)
}

/**
 * The gateway emits a final chat event of `userId`'s main session (run id "marker"); resolves once
 * `client` has it. Events go through the one link in order: what the gateway emitted before it
 * had its chance to reach `client` first.
 */
async function markerReaches(h: Harness, client: TestClient, userId: string): Promise<void> {
  h.gateway!.emitEvent('chat', {
    runId: upstreamRunId('clawchat', userId, 'main', 'marker'),
    sessionKey: `agent:main:${gatewaySessionKey('clawchat', userId, 'main')}`,
    seq: 1,
    state: 'final',
  })
  await client.waitForEvent('chat', (p) => p.runId === 'marker')
}

/**
 * Sends an allowed request and waits until the gateway has it; answers its upstream id. Requests
 * go through the one link in order: one the proxy had sent before would have arrived first.
 */
async function allowedRequestReachesGateway(h: Harness, client: TestClient): Promise<string> {
  const before = h.gateway!.requests.length
  expect((await client.request('chat.history', {})).ok).toBe(true)
  const recorded = h.gateway!.requests.slice(before).find((r) => r.method === 'chat.history')
  expect(recorded).toBeDefined()
  return recorded!.id
}

function finals(client: TestClient): Array<Record<string, any>> {
  return client
    .events('chat')
    .filter((f) => f.payload.state === 'final')
    .map((f) => f.payload)
}

describe('two users on one gateway', () => {
  it('chat at once on the same browser session names, and nothing crosses', async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice', name: 'Alice' })
    const bob = await h.connectAs({ id: 'bob', name: 'Bob' })
    const sends: Array<Promise<unknown>> = []
    for (let i = 0; i < 3; i += 1) {
      for (const session of ['main', 'work']) {
        sends.push(
          alice.request('chat.send', {
            sessionKey: session,
            message: `ALICE-SECRET ${session} ${i}`,
            idempotencyKey: `a-run-${session}-${i}`,
          }),
        )
        sends.push(
          bob.request('chat.send', {
            sessionKey: session,
            message: `bob says ${session} ${i}`,
            idempotencyKey: `b-run-${session}-${i}`,
          }),
        )
      }
    }
    const answers = (await Promise.all(sends)) as Array<{ ok: boolean }>
    expect(answers.every((a) => a.ok)).toBe(true)
    await waitFor(() => finals(alice).length === 6 && finals(bob).length === 6, 15_000, 'twelve finals')

    expect(new Set(finals(alice).map((p) => p.runId))).toEqual(
      new Set(['main', 'work'].flatMap((s) => [0, 1, 2].map((i) => `a-run-${s}-${i}`))),
    )
    expect(new Set(finals(bob).map((p) => p.runId))).toEqual(
      new Set(['main', 'work'].flatMap((s) => [0, 1, 2].map((i) => `b-run-${s}-${i}`))),
    )
    for (const f of finals(alice)) expect(f.message.content[0].text).toMatch(/^ECHO<<ALICE-SECRET /)
    for (const f of finals(bob)) expect(f.message.content[0].text).toMatch(/^ECHO<<bob says /)
    for (const client of [alice, bob]) {
      for (const f of client.frames.filter(
        (fr) => fr.type === 'event' && ['chat', 'agent', 'sessions.changed'].includes(fr.event),
      )) {
        expect(['main', 'work']).toContain(f.payload.sessionKey)
      }
      const seqs = client.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
      expect(seqs).toEqual(seqs.map((_s, i) => i + 1))
      expectNoneOf(client, UPSTREAM_MARKERS)
    }
    expectNoneOf(bob, ALICE_SECRETS)
    expectNoneOf(alice, ['bob', 'Bob', 'b-run-', base32Encode('bob')])

    // Each sees their own history under the same browser key.
    const aliceHistory = await alice.request('chat.history', { sessionKey: 'main' })
    const bobHistory = await bob.request('chat.history', { sessionKey: 'main' })
    expect(aliceHistory.payload.messages).toHaveLength(6)
    expect(JSON.stringify(aliceHistory.payload)).not.toContain('bob says')
    expect(JSON.stringify(bobHistory.payload)).not.toContain('ALICE')
    expectNoneOf(bob, ALICE_SECRETS)
  })

  it('delivers a user events to all of that user connections, and only theirs', async () => {
    const h = await start()
    const alice1 = await h.connectAs({ id: 'alice' })
    const alice2 = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await alice1.request('chat.send', { message: 'ALICE-SECRET two tabs', idempotencyKey: 'a-run-tabs' })
    await alice2.waitForEvent('chat', (p) => p.state === 'final' && p.runId === 'a-run-tabs')
    await alice1.waitForEvent('chat', (p) => p.state === 'final')
    // A marker event for Bob, sent after Alice's run: the link relays in order, so anything of hers
    // that was to reach him would have arrived before it.
    await markerReaches(h, bob, 'bob')
    expect(bob.events('chat').map((f) => f.payload.runId)).toEqual(['marker'])
    expect(bob.events('agent')).toEqual([])
    expect(bob.events('sessions.changed')).toEqual([])
  })

  it('drops events of sessions the proxy did not make, mismatched run ids, and gateway-wide events', async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    const admin = await h.connectAs({ id: 'root', role: 'admin' })
    const gw = h.gateway!
    gw.emitEvent('chat', {
      runId: 'x1',
      sessionKey: 'agent:main:main',
      seq: 1,
      state: 'final',
      message: { role: 'assistant', content: 'gateway main' },
    })
    gw.emitEvent('chat', {
      runId: upstreamRunId('clawchat', 'bob', 'main', 'k'),
      sessionKey: `agent:main:${aliceKey('main')}`,
      seq: 1,
      state: 'final',
    })
    gw.emitEvent('chat', {
      runId: 'x2',
      sessionKey: `agent:main:${gatewaySessionKey('other-app', 'alice', 'main')}`,
      seq: 1,
      state: 'final',
    })
    gw.emitEvent('presence', { host: 'gateway-host', ip: '10.0.0.1' })
    gw.emitEvent('health', { ok: true, sessions: { path: '/srv/openclaw-state' } })
    gw.emitEvent('session.message', {
      sessionKey: `agent:main:${aliceKey('main')}`,
      message: { role: 'user', content: 'x' },
    })
    gw.emitEvent('exec.approval.requested', { id: 'a1' })
    // A marker event that does reach Alice, to know the others had their chance.
    gw.emitEvent('chat', {
      runId: upstreamRunId('clawchat', 'alice', 'main', 'marker'),
      sessionKey: `agent:main:${aliceKey('main')}`,
      seq: 1,
      state: 'final',
    })
    await alice.waitForEvent('chat', (p) => p.runId === 'marker')
    expect(alice.events('chat')).toHaveLength(1)
    for (const event of ['presence', 'health', 'session.message', 'exec.approval.requested']) {
      expect(alice.events(event)).toEqual([])
      expect(admin.events(event)).toEqual([])
    }
    expect(admin.events('chat')).toEqual([])
  })
})

describe('user B, by any crafted frame, cannot reach user A', () => {
  it('cannot name A sessions with crafted session keys', async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await alice.request('chat.send', { message: 'ALICE-SECRET history', idempotencyKey: 'a-run-h' })
    await alice.waitForEvent('chat', (p) => p.state === 'final')

    const crafted = [
      'agent:main:main',
      `agent:main:${aliceKey('main')}`,
      aliceKey('main'),
      `clawchat:alice:main`,
      ALICE_ENC,
      `${ALICE_ENC}:main`,
      '../alice',
      'main ',
      'MAIN',
    ]
    for (const key of crafted) {
      for (const [method, params] of [
        ['chat.history', { sessionKey: key }],
        ['chat.send', { sessionKey: key, message: 'bob probing' }],
        ['chat.abort', { sessionKey: key }],
        ['sessions.reset', { key }],
      ] as const) {
        const res = await bob.request(method, params)
        if (res.ok) {
          // Only legal browser keys get through — and they name Bob's own session.
          expect(parseSessionKey(key).ok, `${method} ${key}`).toBe(true)
          if (method === 'chat.history') expect(res.payload.messages).toEqual([])
        } else {
          expect(res.error.code, `${method} ${key}`).toBe('INVALID_REQUEST')
        }
      }
    }
    // Alice's session is untouched: not reset, no message of Bob's.
    const history = await alice.request('chat.history', {})
    expect(
      history.payload.messages.map((m: any) => (typeof m.content === 'string' ? m.content : m.content[0].text)),
    ).toEqual(['ALICE-SECRET history', 'ECHO<<ALICE-SECRET history>>'])
    // Every key that reached the gateway from Bob is inside Bob's namespace.
    const bobPrefix = gatewaySessionKey('clawchat', 'bob', '')
    for (const request of h.gateway!.requests.filter((r) =>
      ['chat.history', 'chat.send', 'chat.abort', 'sessions.reset'].includes(r.method),
    )) {
      const params = request.params as Record<string, string>
      const key = params.sessionKey ?? params.key ?? ''
      expect(key.startsWith(bobPrefix) || key.startsWith(aliceKey(''))).toBe(true)
    }
    await waitFor(
      () => bob.events('chat').filter((f) => ['final', 'aborted'].includes(f.payload.state)).length >= 1,
      10_000,
      "Bob's own run",
    )
    // Bob typed "alice" and her encoded id himself (echoed in his own errors and session names);
    // nothing of Alice's own reaches him.
    expectNoneOf(bob, ['ALICE-SECRET', 'a-run-h', 'ECHO<<ALICE'])
  })

  it("cannot abort A's run — by A's runId, by A's upstream run id, or by session — and A can", async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    const started = await alice.request('chat.send', { message: 'ALICE-SECRET [[SLOW]]', idempotencyKey: 'a-slow-1' })
    expect(started.payload).toEqual({ runId: 'a-slow-1', status: 'started' })
    await alice.waitForEvent('chat', (p) => p.state === 'delta')

    const attempts = [
      { runId: 'a-slow-1' },
      { sessionKey: 'main', runId: 'a-slow-1' },
      { sessionKey: 'main' },
      {},
      { runId: upstreamRunId('clawchat', 'alice', 'main', 'a-slow-1') },
      { sessionKey: 'work', runId: 'a-slow-1' },
    ]
    for (const params of attempts) {
      const res = await bob.request('chat.abort', params)
      if (res.ok) expect(res.payload, JSON.stringify(params)).toEqual({ ok: true, aborted: false, runIds: [] })
      else expect(res.error.code).toBe('INVALID_REQUEST')
    }
    const final = await alice.waitForEvent('chat', (p) => p.state === 'final' || p.state === 'aborted', 15_000)
    expect(final.payload.state).toBe('final')
    expect(final.payload.message.content[0].text).toContain('chunk30')

    // The owner can abort its own run, by runId.
    await alice.request('chat.send', { message: 'ALICE-SECRET [[SLOW]] again', idempotencyKey: 'a-slow-2' })
    await alice.waitForEvent('chat', (p) => p.state === 'delta' && p.runId === 'a-slow-2')
    const aborted = await alice.request('chat.abort', { runId: 'a-slow-2' })
    expect(aborted.payload).toEqual({ ok: true, aborted: true, runIds: ['a-slow-2'] })
    const end = await alice.waitForEvent(
      'chat',
      (p) => p.runId === 'a-slow-2' && (p.state === 'aborted' || p.state === 'final'),
    )
    expect(end.payload.state).toBe('aborted')
    expectNoneOf(bob, ALICE_SECRETS)
  })

  it("cannot list A's sessions", async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    for (const session of ['main', 'alice-private']) {
      await alice.request('chat.send', {
        sessionKey: session,
        message: 'ALICE-SECRET list',
        idempotencyKey: `a-run-l-${session}`,
      })
    }
    await bob.request('chat.send', { sessionKey: 'bobs', message: 'bob list', idempotencyKey: 'b-run-l' })
    await waitFor(() => finals(alice).length === 2 && finals(bob).length === 1, 10_000, 'three runs')
    const bobList = await bob.request('sessions.list', {})
    expect(bobList.payload.sessions.map((s: any) => s.key)).toEqual(['bobs'])
    expect(bobList.payload.count).toBe(1)
    const aliceList = await alice.request('sessions.list', {})
    expect(aliceList.payload.sessions.map((s: any) => s.key).sort()).toEqual(['alice-private', 'main'])
    for (const params of [{ search: 'alice' }, { label: 'x' }, { includeGlobal: true }, { agentId: 'main' }]) {
      expect((await bob.request('sessions.list', params)).error.code).toBe('INVALID_REQUEST')
    }
    expectNoneOf(bob, ALICE_SECRETS)
    expectNoneOf(alice, UPSTREAM_MARKERS)
  })

  it("cannot hit A's idempotency cache by reusing A's key and text", async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    const bob = await h.connectAs({ id: 'bob' })
    await alice.request('chat.send', { message: 'same text', idempotencyKey: 'shared-key' })
    await alice.waitForEvent('chat', (p) => p.state === 'final')
    // Same key, same text, same browser session name: a fresh run of Bob's own, not Alice's cached one.
    const res = await bob.request('chat.send', { message: 'same text', idempotencyKey: 'shared-key' })
    expect(res.payload).toEqual({ runId: 'shared-key', status: 'started' })
    await bob.waitForEvent('chat', (p) => p.state === 'final' && p.runId === 'shared-key')
    expect((await bob.request('chat.history', {})).payload.messages).toHaveLength(2)
    // Alice retrying with her own key is deduplicated by the gateway, as it should be.
    const retry = await alice.request('chat.send', { message: 'same text', idempotencyKey: 'shared-key' })
    expect(retry.payload.runId).toBe('shared-key')
    expect(retry.payload.status).not.toBe('started')
    expect(finals(alice)).toHaveLength(1)
    const upstreamKeys = h
      .gateway!.requests.filter((r) => r.method === 'chat.send')
      .map((r) => (r.params as any).idempotencyKey)
    expect(new Set(upstreamKeys).size).toBe(2)
    expect(upstreamKeys).not.toContain('shared-key')
  })

  it('gets FORBIDDEN for unknown and unlisted methods, and nothing reaches the gateway', async () => {
    const h = await start()
    const bob = await h.connectAs({ id: 'bob' })
    h.gateway!.clearRequests()
    const methods = [
      'sessions.subscribe',
      'sessions.messages.subscribe',
      'health',
      'status',
      'agents.list',
      'system-presence',
      'sessions.patchMany',
      'sessions.compact',
      'config.get',
      'chat.inject',
      'models.list',
      'nope.nothing',
      'CHAT.SEND',
    ]
    for (const method of methods) {
      const res = await bob.request(method, { sessionKey: 'main' })
      expect(res.error.code, method).toBe('FORBIDDEN')
      expect(res.error.message).toMatch(/not available through ClawChat|not allowed for your role/)
    }
    await allowedRequestReachesGateway(h, bob)
    expect(h.gateway!.requests.filter((r) => methods.includes(r.method))).toEqual([])
  })

  it('gets INVALID_REQUEST for extra params, and nothing reaches the gateway', async () => {
    const h = await start()
    const bob = await h.connectAs({ id: 'bob' })
    h.gateway!.clearRequests()
    const cases: Array<[string, Record<string, unknown>]> = [
      ['chat.send', { message: 'x', sessionId: 'c3d58c1a-8c60-4073-8392-be0d595f9c7e' }],
      ['chat.send', { message: 'x', agentId: 'main' }],
      ['chat.send', { message: 'x', deliver: true, originatingChannel: 'x' }],
      ['chat.history', { sessionKey: 'main', sessionId: 'x' }],
      ['chat.history', { messageId: 'x' }],
      ['chat.abort', { sessionKey: 'main', agentId: 'main' }],
      ['sessions.list', { ownerId: 'gateway-owner' }],
      ['sessions.reset', { key: 'main', agentId: 'x' }],
      ['sessions.patch', { key: 'main', pinned: true, expectedSessionId: 'x' }],
      ['sessions.patch', { key: 'main', label: 'x', model: 'gpt' }],
      ['sessions.delete', { key: 'main', archivedOnly: false }],
      ['sessions.rewind', { sessionKey: 'main', entryId: 'x', agentId: 'main' }],
    ]
    for (const [method, params] of cases) {
      const res = await bob.request(method, params)
      expect(res.error.code, `${method} ${JSON.stringify(params)}`).toBe('INVALID_REQUEST')
      expect(res.error.message).toMatch(/unexpected property/)
    }
    const barrier = await allowedRequestReachesGateway(h, bob)
    expect(h.gateway!.requests.filter((r) => r.method !== 'sessions.subscribe' && r.id !== barrier)).toEqual([])
  })
})

describe('upstream identifiers', () => {
  it('are the proxy own: request ids, session keys and idempotency keys never come from the browser', async () => {
    const h = await start()
    const alice = await h.connectAs({ id: 'alice' })
    h.gateway!.clearRequests()
    alice.send({
      type: 'req',
      id: 'browser-id-1',
      method: 'chat.send',
      params: { message: 'x', idempotencyKey: 'a-run-ids' },
    })
    await alice.waitFor((f) => f.id === 'browser-id-1')
    const request = await h.gateway!.waitForRequest('chat.send')
    expect(typeof request.id).toBe('string')
    expect(request.id.length).toBeGreaterThan(0)
    expect(request.id).not.toBe('browser-id-1')
    expect(request.params).toEqual({
      sessionKey: aliceKey('main'),
      message: 'x',
      idempotencyKey: upstreamRunId('clawchat', 'alice', 'main', 'a-run-ids'),
      suppressCommandInterpretation: true,
    })
  })

  it('are the same on another proxy instance (and after a restart): the gateway dedupes a retried send', async () => {
    const first = await start()
    const alice = await first.connectAs({ id: 'alice' })
    await alice.request('chat.send', { message: 'retry me', idempotencyKey: 'a-run-retry' })
    await alice.waitForEvent('chat', (p) => p.state === 'final')
    const second = await start({ reuse: first })
    const again = await second.connectAs({ id: 'alice' })
    const res = await again.request('chat.send', { message: 'retry me', idempotencyKey: 'a-run-retry' })
    expect(res.payload.runId).toBe('a-run-retry')
    expect(res.payload.status).not.toBe('started')
    const history = await again.request('chat.history', {})
    expect(history.payload.messages).toHaveLength(2)
  })

  it('never reach a browser in responses, events or history rows', async () => {
    const h = await start()
    const admin = await h.connectAs({ id: 'alice', role: 'admin' })
    await admin.request('chat.send', { message: 'ids', idempotencyKey: 'a-run-x' })
    await admin.waitForEvent('chat', (p) => p.state === 'final')
    await admin.request('chat.history', {})
    await admin.request('sessions.list', { includeDerivedTitles: true, includeLastMessage: true })
    await admin.request('sessions.reset', { key: 'main' })
    await admin.request('chat.abort', {})
    const models = await admin.request('models.list', {})
    expect(models.ok).toBe(true)
    // Whatever those requests made the gateway emit came before a marker sent now.
    await markerReaches(h, admin, 'alice')
    expectNoneOf(admin, UPSTREAM_MARKERS)
    expectNoneOf(admin, [ALICE_ENC, '"idempotencyKey"', 'responseId', 'senderId', 'transcriptPosition'])
  })
})
