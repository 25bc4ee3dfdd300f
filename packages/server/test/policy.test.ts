import { describe, expect, it } from 'vitest'
import { ADMIN_METHODS, USER_METHODS } from '@clawchat/protocol'
import {
  DEFAULT_METHOD_POLICY,
  allowedMethods,
  effectiveScopes,
  mayCall,
  planRequest,
  type PlanContext,
  type UpstreamCall,
} from '../src/isolation/policy.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'generated-1' }
const bob: PlanContext = { ...alice, userId: 'bob' }

/** A fake upstream that records calls and answers from a script. */
function upstream(answer: (method: string, params: Record<string, unknown>) => unknown) {
  const calls: Array<{ method: string; params: Record<string, unknown> }> = []
  const call: UpstreamCall = async (method, params) => {
    calls.push({ method, params })
    return answer(method, params)
  }
  return { calls, call }
}

function plan(method: string, params: unknown, ctx = alice) {
  const result = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.error)}`)
  return result.plan
}

function refusal(method: string, params: unknown, ctx = alice) {
  const result = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (result.ok) throw new Error('expected a refusal')
  return result.error
}

describe('method policy (default-deny)', () => {
  it('lets users call USER_METHODS and admins ADMIN_METHODS', () => {
    expect(allowedMethods(DEFAULT_METHOD_POLICY, 'user')).toEqual([...USER_METHODS])
    expect(allowedMethods(DEFAULT_METHOD_POLICY, 'admin')).toEqual([...ADMIN_METHODS])
    for (const m of USER_METHODS) expect(mayCall(DEFAULT_METHOD_POLICY, 'user', m)).toBeNull()
    expect(mayCall(DEFAULT_METHOD_POLICY, 'user', 'models.list')?.code).toBe('FORBIDDEN')
    expect(mayCall(DEFAULT_METHOD_POLICY, 'admin', 'models.list')).toBeNull()
  })

  it.each([
    'config.set',
    'health',
    'status',
    'presence',
    'agents.list',
    'sessions.subscribe',
    'sessions.patchMany',
    'sessions.compact',
    'nope.nothing',
    'connect.x',
    '',
  ])('refuses %j with FORBIDDEN and a clear message, for users and admins alike', (method) => {
    for (const role of ['user', 'admin'] as const) {
      const error = mayCall(DEFAULT_METHOD_POLICY, role, method)
      expect(error?.code).toBe('FORBIDDEN')
      expect(error?.message).toMatch(/not available through ClawChat|not allowed/)
    }
  })

  it('names effective scopes per role', () => {
    expect(effectiveScopes('user')).toEqual(['operator.read', 'operator.write'])
    expect(effectiveScopes('admin')).toContain('operator.admin')
  })

  it('honours a custom policy', () => {
    const policy = { user: ['chat.send'], admin: ['chat.send', 'chat.history'] }
    expect(planRequest(policy, 'chat.history', {}, alice)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(planRequest(policy, 'chat.history', {}, { ...alice, role: 'admin' }).ok).toBe(true)
  })
})

describe('chat.send', () => {
  it('fills sessionKey "main" and a generated idempotencyKey; the runId is the browser key', async () => {
    const up = upstream((_m, p) => ({ runId: p.idempotencyKey, status: 'started' }))
    const result = await plan('chat.send', { message: 'Hello' }).run(up.call)
    expect(up.calls).toEqual([
      {
        method: 'chat.send',
        params: {
          sessionKey: gatewaySessionKey(NS, 'alice', 'main'),
          message: 'Hello',
          idempotencyKey: upstreamRunId(NS, 'alice', 'main', 'generated-1'),
          suppressCommandInterpretation: true,
        },
      },
    ])
    expect(result).toEqual({ runId: 'generated-1', status: 'started' })
  })

  it('lower-cases the session key and keeps the browser idempotency key as the run id', async () => {
    const up = upstream(() => ({ runId: 'whatever-the-gateway-says', status: 'in_flight' }))
    const result = await plan('chat.send', { message: 'x', sessionKey: 'Work', idempotencyKey: 'K1' }).run(up.call)
    expect(up.calls[0]?.params.sessionKey).toBe(gatewaySessionKey(NS, 'alice', 'work'))
    expect(up.calls[0]?.params.idempotencyKey).toBe(upstreamRunId(NS, 'alice', 'work', 'K1'))
    expect(result).toEqual({ runId: 'K1', status: 'in_flight' })
  })

  it('gives two users with the same idempotency key on the same session different upstream keys', () => {
    const a = upstream(() => ({}))
    const b = upstream(() => ({}))
    void plan('chat.send', { message: 'x', idempotencyKey: 'same' }).run(a.call)
    void plan('chat.send', { message: 'x', idempotencyKey: 'same' }, bob).run(b.call)
    expect(a.calls[0]?.params.idempotencyKey).not.toBe(b.calls[0]?.params.idempotencyKey)
    expect(a.calls[0]?.params.sessionKey).not.toBe(b.calls[0]?.params.sessionKey)
  })

  it.each([
    [{ message: 'x', sessionKey: 'agent:main:main' }, /sessionKey "agent:main:main" is not valid/],
    [{ message: 'x', sessionKey: gatewaySessionKey(NS, 'bob', 'main') }, /is not valid/],
    [{ message: 'x', sessionKey: 'a b' }, /is not valid/],
    [{ message: 'x', sessionKey: 7 }, /must be a string/],
    [{ message: 'x', agentId: 'main' }, /unexpected property 'agentId'/],
    [{ message: 'x', sessionId: 'c3d58c1a' }, /unexpected property 'sessionId'/],
    [{ message: 'x', originatingTo: 'y' }, /unexpected property 'originatingTo'/],
    [{ message: 42 }, /message must be a string/],
    [{}, /message must be a string/],
    [{ message: 'x', idempotencyKey: '' }, /idempotencyKey must be/],
    [{ message: 'x', idempotencyKey: 'has space' }, /idempotencyKey must be/],
    [{ message: 'x', idempotencyKey: 'x'.repeat(129) }, /idempotencyKey must be/],
    [{ message: 'x', attachments: 'nope' }, /attachments must be an array/],
  ])('refuses %j with INVALID_REQUEST', (params, message) => {
    const error = refusal('chat.send', params)
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toMatch(message)
  })

  it('refuses params that are not an object', () => {
    expect(refusal('chat.send', 'Hello').code).toBe('INVALID_REQUEST')
    expect(refusal('chat.send', ['Hello']).code).toBe('INVALID_REQUEST')
  })
})

describe('chat.history', () => {
  it('asks for the user own session and returns whitelisted messages under the browser key', async () => {
    const up = upstream(() => ({
      sessionKey: gatewaySessionKey(NS, 'alice', 'main'),
      sessionId: 'c3d58c1a-8c60-4073-8392-be0d595f9c7e',
      deltaCursor: 'eyJzZXNzaW9uSWQiOiJ4In0=',
      sessionInfo: { key: 'agent:main:clawchat:mfwgsy3f:main', sessionId: 'c3d58c1a' },
      hasMore: false,
      totalMessages: 2,
      messages: [
        {
          role: 'user',
          content: 'hi',
          timestamp: 1,
          idempotencyKey: 'x:user',
          __openclaw: { runId: 'r', transport: { clients: [{ id: 'gateway-client' }] }, senderId: 'gateway-owner' },
        },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'yo' }],
          stopReason: 'stop',
          responseId: 'chatcmpl-1',
          provider: 'fake',
          usage: {},
        },
        'garbage',
      ],
    }))
    const result = await plan('chat.history', { sessionKey: 'Main', limit: 20 }).run(up.call)
    // Bounded on every call: the gateway never sends more than maxBytes of messages.
    expect(up.calls[0]).toEqual({
      method: 'chat.history',
      params: { limit: 20, maxChars: 8000, maxBytes: 1024 * 1024, sessionKey: gatewaySessionKey(NS, 'alice', 'main') },
    })
    expect(result).toEqual({
      sessionKey: 'main',
      hasMore: false,
      totalMessages: 2,
      messages: [
        { role: 'user', content: 'hi', timestamp: 1 },
        { role: 'assistant', content: [{ type: 'text', text: 'yo' }], stopReason: 'stop' },
      ],
    })
  })

  it.each([
    [{ sessionKey: 'agent:main:clawchat:mfwgsy3f:main' }, /is not valid/],
    [{ sessionId: 'c3d58c1a' }, /unexpected property 'sessionId'/],
    [{ cursor: 'x' }, /unexpected property 'cursor'/],
    [{ inputRunIds: ['x'] }, /unexpected property 'inputRunIds'/],
    [{ limit: 0 }, /limit must be an integer/],
  ])('refuses %j', (params, message) => {
    expect(refusal('chat.history', params).message).toMatch(message)
  })
})

describe('chat.abort', () => {
  it('re-derives the run id inside the caller own namespace: another user run id can never be named', async () => {
    const up = upstream(() => ({ ok: true, aborted: false, runIds: [] }))
    await plan('chat.abort', { sessionKey: 'main', runId: 'alice-key' }, bob).run(up.call)
    expect(up.calls[0]?.params).toEqual({
      sessionKey: gatewaySessionKey(NS, 'bob', 'main'),
      runId: upstreamRunId(NS, 'bob', 'main', 'alice-key'),
    })
    // Even Alice's full upstream run id, if Bob somehow had it, is wrapped into Bob's namespace.
    const aliceUpstream = upstreamRunId(NS, 'alice', 'main', 'alice-key')
    const crafted = planRequest(DEFAULT_METHOD_POLICY, 'chat.abort', { runId: aliceUpstream }, bob)
    if (crafted.ok) {
      await crafted.plan.run(up.call)
      expect(up.calls[1]?.params.runId).not.toBe(aliceUpstream)
      expect(String(up.calls[1]?.params.runId).startsWith(`${gatewaySessionKey(NS, 'bob', 'main')}:`)).toBe(true)
    } else {
      expect(crafted.error.code).toBe('INVALID_REQUEST')
    }
  })

  it('aborts by session only when no runId is given, and maps run ids back', async () => {
    const mine = upstreamRunId(NS, 'alice', 'main', 'k1')
    const theirs = upstreamRunId(NS, 'bob', 'main', 'k2')
    const up = upstream(() => ({
      ok: true,
      aborted: true,
      runIds: [mine, theirs, 'c39bd61e-97cd-4929-87d3-e33505ce2a22'],
    }))
    const result = (await plan('chat.abort', {}).run(up.call)) as { runIds: string[]; aborted: boolean }
    expect(up.calls[0]?.params).toEqual({ sessionKey: gatewaySessionKey(NS, 'alice', 'main') })
    expect(result.aborted).toBe(true)
    expect(result.runIds[0]).toBe('k1')
    expect(result.runIds).toHaveLength(2)
    expect(JSON.stringify(result)).not.toContain('k2')
    expect(JSON.stringify(result)).not.toContain('c39bd61e')
  })
})

describe('sessions.list', () => {
  const row = (key: string, extra: Record<string, unknown> = {}) => ({
    key,
    sessionId: 'aca8d30d-6e40-44e2-a4a0-d560aa588388',
    lastRunId: 'r',
    activeRunIds: ['r'],
    participants: [{ identity: { id: 'gateway-client' } }],
    contextBudgetStatus: { sessionId: 'aca8d30d' },
    updatedAt: 5,
    status: 'done',
    label: 'L',
    ...extra,
  })

  it('keeps only the user own rows, whitelisted, under browser keys', async () => {
    const up = upstream(() => ({
      path: '/srv/openclaw-state/agents/main/agent/openclaw-agent.sqlite',
      owners: [{ id: 'gateway-owner' }],
      count: 5,
      hasMore: false,
      sessions: [
        row(`agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`),
        row(`agent:main:${gatewaySessionKey(NS, 'bob', 'main')}`),
        row('agent:main:main'),
        row(`agent:main:${gatewaySessionKey('other-app', 'alice', 'main')}`),
        row(`agent:main:${gatewaySessionKey(NS, 'alice', 'work')}`),
      ],
    }))
    const result = await plan('sessions.list', {}).run(up.call)
    // 'L' is no label of Alice's (hers go upstream behind her prefix); 'r' is no run of hers.
    expect(result).toEqual({
      count: 2,
      sessions: [
        { key: 'main', updatedAt: 5, status: 'done', activeRunIds: [] },
        { key: 'work', updatedAt: 5, status: 'done', activeRunIds: [] },
      ],
      hasMore: false,
    })
  })

  it('asks the gateway once, for the caller own sessions only, and passes the paging on', async () => {
    const up = upstream(() => ({
      sessions: [row(`agent:main:${gatewaySessionKey(NS, 'alice', 'c')}`)],
      hasMore: true,
      nextOffset: 12,
    }))
    const result = await plan('sessions.list', { limit: 2, offset: 10 }).run(up.call)
    expect(up.calls).toEqual([
      {
        method: 'sessions.list',
        params: {
          search: ':clawchat:mfwgsy3f:',
          limit: 2,
          offset: 10,
          includeLastMessage: true,
          includeDerivedTitles: true,
          sortBy: 'lastInteractionAt',
        },
      },
    ])
    expect(result).toMatchObject({ count: 1, sessions: [{ key: 'c' }], hasMore: true, nextOffset: 12 })
  })

  it('passes archived on (true, false or all), and refuses anything else naming it', async () => {
    for (const archived of [true, false, 'all'] as const) {
      const up = upstream(() => ({ sessions: [] }))
      await plan('sessions.list', { archived }).run(up.call)
      expect(up.calls[0]?.params).toMatchObject({ archived, sortBy: 'lastInteractionAt' })
    }
    expect(refusal('sessions.list', { archived: 'yes' }).message).toBe(
      "invalid sessions.list params: archived must be a boolean (or 'all': archived sessions only, or all of them)",
    )
  })

  it.each([[{ search: 'alice' }], [{ label: 'x' }], [{ ownerId: 'x' }], [{ limit: -1 }], [{ includeGlobal: true }]])(
    'refuses %j',
    (params) => {
      expect(refusal('sessions.list', params).code).toBe('INVALID_REQUEST')
    },
  )
})

describe('sessions.reset and models.list', () => {
  it('resets only the user own session and answers with the browser key', async () => {
    const up = upstream(() => ({
      ok: true,
      key: 'agent:main:clawchat:mfwgsy3f:work',
      entry: { sessionId: 'c3d58c1a' },
    }))
    const result = await plan('sessions.reset', { key: 'work' }).run(up.call)
    expect(up.calls[0]?.params).toEqual({ key: gatewaySessionKey(NS, 'alice', 'work') })
    expect(result).toEqual({ ok: true, key: 'work' })
    expect(refusal('sessions.reset', { key: 'agent:main:main' }).code).toBe('INVALID_REQUEST')
  })

  it('lists models with whitelisted fields, for admins only by default', async () => {
    expect(refusal('models.list', {}).code).toBe('FORBIDDEN')
    const up = upstream(() => ({
      models: [{ id: 'fake-1', name: 'Fake', provider: 'fake', available: true, contextWindow: 1, secret: 'x' }],
    }))
    const result = await plan('models.list', {}, { ...alice, role: 'admin' }).run(up.call)
    expect(result).toEqual({ models: [{ id: 'fake-1', name: 'Fake', provider: 'fake', available: true }] })
  })
})
