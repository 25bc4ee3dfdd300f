/**
 * What goes upstream is checked with the gateway's own TypeBox validators before it is sent: a
 * browser value that does not fit is refused in the protocol's words, anything else that does not
 * fit is refused without reaching the gateway, and every plan the proxy makes fits.
 */
import { describe, expect, it } from 'vitest'
import {
  validateChatAbortParams,
  validateChatHistoryParams,
  validateChatSendParams,
  validateSessionsListParams,
  validateSessionsResetParams,
} from '@openclaw/gateway-protocol'
import { DEFAULT_METHOD_POLICY, planRequest, type PlanContext } from '../src/isolation/policy.js'
import { singleCall } from '../src/isolation/request-plan.js'
import { upstreamParamsProblem } from '../src/isolation/upstream-params.js'

const alice: PlanContext = { namespace: 'clawchat', userId: 'alice', role: 'admin', newIdempotencyKey: () => 'k-1' }

/** The params the plan sends upstream (recorded by a fake upstream). */
async function sent(method: string, params: unknown): Promise<Record<string, unknown>> {
  const result = planRequest(DEFAULT_METHOD_POLICY, method, params, alice)
  if (!result.ok) throw new Error(JSON.stringify(result.error))
  let upstream: Record<string, unknown> = {}
  await result.plan.run(async (_m, p) => {
    upstream = p
    return {}
  })
  return upstream
}

describe('upstreamParamsProblem', () => {
  it('refuses browser values that do not fit, in the words of the protocol', () => {
    const send = { sessionKey: 'clawchat:mfwgsy3f:main', idempotencyKey: 'k' }
    expect(upstreamParamsProblem('chat.send', { ...send, message: 42 })).toBe(
      'message must be a string (the text to send)',
    )
    expect(upstreamParamsProblem('chat.send', send)).toBe('message must be a string (the text to send)')
    expect(upstreamParamsProblem('chat.send', { ...send, message: 'x', thinking: {} })).toBe(
      'thinking must be a string',
    )
    expect(upstreamParamsProblem('sessions.reset', { key: 'k', reason: 'later' })).toBe(
      'reason must be "new" or "reset"',
    )
    expect(upstreamParamsProblem('sessions.list', { search: ':x:', includeDerivedTitles: 1 })).toBe(
      'includeDerivedTitles must be a boolean',
    )
  })

  it('refuses what only the proxy could have got wrong, naming the field and not its value', () => {
    const problem = upstreamParamsProblem('chat.send', {
      sessionKey: 's',
      message: 'x',
      idempotencyKey: 'k',
      deliver: 'secret-value',
    })
    expect(problem).toBe("the request does not fit the gateway's schema (at /deliver: must be boolean)")
    expect(problem).not.toContain('secret-value')
    expect(upstreamParamsProblem('chat.abort', { runId: 'r' })).toMatch(/^the request does not fit.*'sessionKey'/)
  })

  it("takes chat.history's maxBytes, which the gateway takes but this schema version does not list", () => {
    expect(upstreamParamsProblem('chat.history', { sessionKey: 's', limit: 1, maxChars: 1, maxBytes: 65536 })).toBe(
      undefined,
    )
  })

  it('refuses a plan whose upstream params do not fit: nothing is sent', async () => {
    const result = singleCall('chat.abort', 'main', { sessionKey: 's', bogus: 1 }, () => ({}))
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message:
          "invalid chat.abort params: the request does not fit the gateway's schema (at root: unexpected property 'bogus')",
      },
    })
  })
})

describe('every plan fits the gateway schema', () => {
  it.each([
    [
      'chat.send',
      { message: 'hi', attachments: [{ type: 'image', content: 'aGk=' }], thinking: 'low' },
      validateChatSendParams,
    ],
    ['chat.history', { limit: 5, offset: 2, maxChars: 100 }, validateChatHistoryParams],
    ['chat.abort', { sessionKey: 'work', runId: 'r-1' }, validateChatAbortParams],
    ['sessions.list', { limit: 10, includeLastMessage: false }, validateSessionsListParams],
    ['sessions.reset', { key: 'work', reason: 'new' }, validateSessionsResetParams],
  ] as const)('%s', async (method, params, validate) => {
    const upstream = await sent(method, params)
    const { maxBytes: _maxBytes, ...known } = upstream
    expect(validate(known), JSON.stringify(validate.errors)).toBe(true)
  })
})
