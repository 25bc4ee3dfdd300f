import { describe, expect, it } from 'vitest'
import { BROWSER_EVENTS, USER_METHODS } from '@clawchat/protocol'
import { buildHelloOk, buildSessionPayload } from '../src/connection/hello.js'
import { DEFAULT_LIMITS } from '../src/limits/limits.js'
import { helloOkProblem } from './helpers/hello-validator.js'

const input = {
  gatewayVersion: '2026.9.6',
  connId: 'c-1',
  methods: USER_METHODS,
  scopes: ['operator.read', 'operator.write'],
  uptimeMs: 1234.5,
  limits: DEFAULT_LIMITS,
}

describe('hello-ok', () => {
  it('passes the official HelloOk validator', () => {
    expect(helloOkProblem(buildHelloOk(input))).toBeNull()
    expect(helloOkProblem(buildHelloOk({ ...input, gatewayVersion: undefined }))).toBeNull()
  })

  it('is a real validator: an extra field fails it', () => {
    expect(helloOkProblem({ ...buildHelloOk(input), extra: 1 })).toMatch(/unexpected property 'extra'/)
    const withMethod = buildHelloOk(input) as unknown as { auth: Record<string, unknown> }
    withMethod.auth.method = 'token'
    expect(helloOkProblem(withMethod)).not.toBeNull()
  })

  it('is filled as docs/ARCHITECTURE.md says, naming nothing upstream', () => {
    const hello = buildHelloOk(input)
    expect(hello.server).toEqual({ version: '2026.9.6', connId: 'c-1' })
    expect(hello.features).toEqual({ methods: [...USER_METHODS], events: [...BROWSER_EVENTS] })
    expect(hello.snapshot.presence).toEqual([])
    expect(hello.snapshot.sessionDefaults).toMatchObject({ mainKey: 'main', mainSessionKey: 'main' })
    expect(hello.snapshot.uptimeMs).toBe(1234)
    expect(hello.auth).toEqual({ role: 'operator', scopes: ['operator.read', 'operator.write'] })
    expect(hello.policy).toEqual({
      maxPayload: DEFAULT_LIMITS.maxPayload,
      maxBufferedBytes: DEFAULT_LIMITS.outboundHighWaterMark,
      tickIntervalMs: DEFAULT_LIMITS.tickIntervalMs,
    })
    expect(JSON.stringify(hello)).not.toMatch(/agent:|token|deviceToken|recoveryScope|path/)
  })
})

describe('clawchat.session payload', () => {
  it('names the user, main, the methods and the limits (without the tick interval)', () => {
    const payload = buildSessionPayload({ id: 'alice', name: 'Alice', role: 'user' }, USER_METHODS, DEFAULT_LIMITS)
    expect(payload).toEqual({
      user: { id: 'alice', name: 'Alice', role: 'user' },
      sessionKey: 'main',
      methods: [...USER_METHODS],
      limits: {
        maxPayload: DEFAULT_LIMITS.maxPayload,
        messagesPerSecond: DEFAULT_LIMITS.messagesPerSecond,
        userMessagesPerSecond: DEFAULT_LIMITS.userMessagesPerSecond,
        connectionsPerUser: DEFAULT_LIMITS.connectionsPerUser,
        outboundHighWaterMark: DEFAULT_LIMITS.outboundHighWaterMark,
        maxLifetimeMs: DEFAULT_LIMITS.maxLifetimeMs,
      },
    })
  })
})
