import { describe, expect, it } from 'vitest'
import {
  historyRequest,
  ownSessionsSearch,
  readBounds,
  sessionsListRequest,
  PREVIEW_MAX_CHARS,
} from '../src/isolation/bounded-reads.js'
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits/limits.js'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext, type UpstreamCall } from '../src/isolation/policy.js'
import { gatewaySessionKey } from '../src/isolation/session-keys.js'

/**
 * What one browser request may make the gateway send back (issue 16.1) and one user's list costing
 * one upstream request (16.3): the planners' side, without sockets.
 */
const NS = 'clawchat'
const alice: PlanContext = { namespace: NS, userId: 'alice', role: 'user', newIdempotencyKey: () => 'k' }

function recorder(answer: unknown) {
  const calls: Array<{ method: string; params: Record<string, unknown> }> = []
  const call: UpstreamCall = async (method, params) => {
    calls.push({ method, params })
    return answer
  }
  return { calls, call }
}

function planned(method: string, params: unknown, ctx: PlanContext = alice) {
  const r = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.plan
}

function refused(method: string, params: unknown, ctx: PlanContext = alice) {
  const r = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (r.ok) throw new Error('expected a refusal')
  return r.error
}

describe('chat.history is bounded on every upstream call', () => {
  it('sends limit, maxChars and maxBytes even when the browser sends none', async () => {
    const up = recorder({ messages: [] })
    await planned('chat.history', {}).run(up.call)
    expect(up.calls[0]?.params).toEqual({
      limit: 200,
      maxChars: 8000,
      maxBytes: 1024 * 1024,
      sessionKey: gatewaySessionKey(NS, 'alice', 'main'),
    })
  })

  it('passes the browser limit, offset and maxChars within the bounds', async () => {
    const up = recorder({ messages: [] })
    await planned('chat.history', { limit: 50, offset: 100, maxChars: 20_000 }).run(up.call)
    expect(up.calls[0]?.params).toMatchObject({ limit: 50, offset: 100, maxChars: 20_000, maxBytes: 1024 * 1024 })
  })

  it('refuses a limit or maxChars over the bounds with a message that says how to page', () => {
    expect(refused('chat.history', { limit: 201 }).message).toBe(
      'invalid chat.history params: limit must be an integer from 1 to 200 (page older messages with offset)',
    )
    expect(refused('chat.history', { limit: 1000 }).code).toBe('INVALID_REQUEST')
    expect(refused('chat.history', { maxChars: 32_001 }).message).toBe(
      'invalid chat.history params: maxChars must be an integer from 1 to 32000',
    )
    expect(refused('chat.history', { offset: -1 }).message).toMatch(/offset must be an integer from 0/)
    expect(refused('chat.history', { maxBytes: 10 }).message).toMatch(/unexpected property 'maxBytes'/)
  })

  it('takes its bounds from the limits the proxy was given', async () => {
    const ctx: PlanContext = {
      ...alice,
      limits: { historyMaxMessages: 20, historyMaxChars: 100, historyMaxBytes: 65_536 },
    }
    expect(refused('chat.history', { limit: 21 }, ctx).message).toMatch(/from 1 to 20/)
    const up = recorder({ messages: [] })
    await planned('chat.history', {}, ctx).run(up.call)
    expect(up.calls[0]?.params).toMatchObject({ limit: 20, maxChars: 100, maxBytes: 65_536 })
  })

  it('answers with the next page offset while there is more, and marks shortened messages', async () => {
    const up = recorder({
      messages: [
        { role: 'user', content: 'x\n...(truncated)...', __openclaw: { truncated: true, reason: 'display-cap' } },
        {
          role: 'assistant',
          content: [{ type: 'text', text: '[chat.history omitted: message too large]' }],
          __openclaw: { truncated: true, reason: 'oversized' },
        },
        { role: 'assistant', content: [{ type: 'text', text: 'short' }], __openclaw: { seq: 9 } },
      ],
      hasMore: true,
      nextOffset: 3,
      totalMessages: 9,
      offset: 0,
      deltaCursor: 'eyJzZXNzaW9uSWQiOiJ4In0',
    })
    const result = (await planned('chat.history', { limit: 3 }).run(up.call)) as Record<string, any>
    expect(result).toEqual({
      sessionKey: 'main',
      messages: [
        { role: 'user', content: 'x\n...(truncated)...', truncated: true },
        {
          role: 'assistant',
          content: [{ type: 'text', text: '[chat.history omitted: message too large]' }],
          truncated: true,
        },
        { role: 'assistant', content: [{ type: 'text', text: 'short' }] },
      ],
      hasMore: true,
      totalMessages: 9,
      nextOffset: 3,
    })
    const last = (await planned('chat.history', { offset: 3 }).run(
      recorder({ messages: [], hasMore: false, totalMessages: 9, nextOffset: 7 }).call,
    )) as Record<string, any>
    expect(last).toEqual({ sessionKey: 'main', messages: [], hasMore: false, totalMessages: 9 })
  })
})

describe('sessions.list is one upstream request for the caller own sessions', () => {
  const row = (key: string, extra: Record<string, unknown> = {}) => ({
    key,
    updatedAt: 5,
    hasActiveRun: false,
    sessionId: 'secret-uuid',
    ...extra,
  })

  it('searches for the caller key prefix, with the chat-list fields, and pages with offset', async () => {
    const up = recorder({ sessions: [], hasMore: false, nextOffset: null })
    await planned('sessions.list', {}).run(up.call)
    await planned('sessions.list', {
      limit: 20,
      offset: 40,
      includeLastMessage: false,
      includeDerivedTitles: false,
    }).run(up.call)
    expect(up.calls).toEqual([
      {
        method: 'sessions.list',
        params: {
          search: ':clawchat:mfwgsy3f:',
          limit: 100,
          includeLastMessage: true,
          includeDerivedTitles: true,
          sortBy: 'lastInteractionAt',
        },
      },
      {
        method: 'sessions.list',
        params: {
          search: ':clawchat:mfwgsy3f:',
          limit: 20,
          offset: 40,
          includeLastMessage: false,
          includeDerivedTitles: false,
          sortBy: 'lastInteractionAt',
        },
      },
    ])
  })

  it('drops rows the search matched for another reason, keeps the preview of own rows (cut), and says where the next page starts', async () => {
    const mine = `agent:main:${gatewaySessionKey(NS, 'alice', 'work')}`
    const up = recorder({
      sessions: [
        row(mine, {
          lastMessagePreview: 'p'.repeat(1000),
          derivedTitle: 'Plans',
          status: 'running',
          hasActiveRun: true,
        }),
        // Another app's session whose label quotes alice's prefix: the search matches, the ownership check does not.
        row(`agent:main:${gatewaySessionKey('other-app', 'bob', 'main')}`, {
          label: ':clawchat:mfwgsy3f:',
          lastMessagePreview: 'bob secret',
        }),
        row(`agent:main:${gatewaySessionKey(NS, 'bob', 'main')}`, { lastMessagePreview: 'bob secret' }),
      ],
      hasMore: true,
      nextOffset: 3,
    })
    const result = (await planned('sessions.list', { limit: 3 }).run(up.call)) as Record<string, any>
    expect(result).toEqual({
      count: 1,
      sessions: [
        {
          key: 'work',
          updatedAt: 5,
          hasActiveRun: true,
          status: 'running',
          derivedTitle: 'Plans',
          lastMessagePreview: 'p'.repeat(PREVIEW_MAX_CHARS),
        },
      ],
      hasMore: true,
      nextOffset: 3,
    })
    expect(JSON.stringify(result)).not.toContain('bob secret')
  })

  it('refuses a limit over the bound, and any param the gateway would filter everyone by', () => {
    expect(refused('sessions.list', { limit: 201 }).message).toBe(
      'invalid sessions.list params: limit must be an integer from 1 to 200 (page with offset)',
    )
    expect(refused('sessions.list', { offset: 1.5 }).message).toMatch(/offset must be an integer/)
    expect(refused('sessions.list', { includeLastMessage: 'yes' }).message).toMatch(
      /includeLastMessage must be a boolean/,
    )
    for (const p of [{ search: 'x' }, { label: 'x' }, { agentId: 'main' }, { sortBy: 'updatedAt' }])
      expect(refused('sessions.list', p).code).toBe('INVALID_REQUEST')
  })
})

describe('the search of a user matches no key of anybody else', () => {
  // Ids that are prefixes of each other, differ only in case, or are empty-ish in base32 terms.
  const ids = [
    'a',
    'ab',
    'abc',
    'Ab',
    'AB',
    'b',
    'alice',
    'alice2',
    'ali',
    'ü',
    'üü',
    '日本',
    '🦀',
    'a:b',
    'x'.repeat(40),
    'x'.repeat(41),
  ]
  const namespaces = ['clawchat', 'xclawchat', 'clawchat2', 'claw']
  const keys = ['main', 'work', 'a-b.c_d', 'x'.repeat(64)]

  it('is a substring of exactly the canonical keys of that user in that namespace', () => {
    const wrong: string[] = []
    for (const ns of namespaces) {
      for (const id of ids) {
        const search = ownSessionsSearch(ns, id).toLowerCase()
        for (const otherNs of namespaces) {
          for (const other of ids) {
            for (const key of keys) {
              const canonical = `agent:main:${gatewaySessionKey(otherNs, other, key)}`.toLowerCase()
              if (canonical.includes(search) !== (otherNs === ns && other === id))
                wrong.push(`${ns}/${id} vs ${otherNs}/${other}/${key}`)
            }
          }
        }
      }
    }
    expect(wrong).toEqual([])
  })

  it('is fixed by namespace and user id (the gateway lower-cases it, base32 is lower-case already)', () => {
    expect(ownSessionsSearch('clawchat', 'alice')).toBe(':clawchat:mfwgsy3f:')
    expect(ownSessionsSearch('clawchat', 'Alice')).not.toBe(ownSessionsSearch('clawchat', 'alice'))
  })
})

describe('the read limits', () => {
  it('have defaults and bounds, and a bad value names the option', () => {
    expect(readBounds(undefined)).toEqual({
      historyMaxMessages: 200,
      historyMaxChars: 32_000,
      historyMaxBytes: 1_048_576,
      sessionsListMaxRows: 200,
    })
    expect(resolveLimits({ historyMaxBytes: 65_536 }).historyMaxBytes).toBe(65_536)
    expect(() => resolveLimits({ historyMaxMessages: 1001 })).toThrow(
      'clawchatProxy: option "limits.historyMaxMessages" must be an integer from 1 to 1000, got 1001',
    )
    expect(() => resolveLimits({ historyMaxChars: 0 })).toThrow(
      /limits.historyMaxChars" must be an integer from 1 to 500000/,
    )
    expect(() => resolveLimits({ historyMaxBytes: 7 * 1024 * 1024 })).toThrow(
      /limits.historyMaxBytes" must be an integer number of bytes from 16384 to 6291456/,
    )
    expect(() => resolveLimits({ sessionsListMaxRows: 1.5 })).toThrow(/limits.sessionsListMaxRows/)
    expect(DEFAULT_LIMITS.historyMaxBytes).toBe(1024 * 1024)
  })

  it('are pure functions of the browser params', () => {
    expect(historyRequest({ limit: 5 }, readBounds(undefined))).toEqual({
      ok: true,
      upstream: { limit: 5, maxChars: 8000, maxBytes: 1_048_576 },
    })
    expect(sessionsListRequest({ offset: 0 }, readBounds({ sessionsListMaxRows: 50 }), 'ns', 'u')).toEqual({
      ok: true,
      upstream: {
        search: ':ns:ou:',
        limit: 50,
        includeLastMessage: true,
        includeDerivedTitles: true,
        sortBy: 'lastInteractionAt',
      },
    })
  })
})
