import { describe, expect, it } from 'vitest'
import { ADMIN_METHODS, USER_METHODS } from '@clawchat/protocol'
import { DEFAULT_LIMITS } from '../src/limits/limits.js'
import { resolveOptions } from '../src/gate/options.js'
import { plainWsProblem } from '../src/upstream/plain-ws.js'

const session = (_req: unknown, _res: unknown, next: () => void) => next()
const TOKEN = 'tok-9f3c1e0b-SECRET'
const base = { gateway: { url: 'ws://127.0.0.1:18789', token: TOKEN }, session }

function error(options: unknown): string {
  try {
    resolveOptions(options)
  } catch (e) {
    const message = (e as Error).message
    expect(message).not.toContain(TOKEN)
    return message
  }
  throw new Error('expected resolveOptions to throw')
}

describe('clawchatProxy options', () => {
  it('fills every default', () => {
    const o = resolveOptions({ gateway: { token: TOKEN }, session })
    expect(o.gateway).toEqual({
      url: 'ws://127.0.0.1:18789',
      token: TOKEN,
      identityPath: '.clawchat/identity.json',
      requestTimeoutMs: 30_000,
    })
    expect(o.path).toBe('/clawchat')
    expect(o.allowedOrigins).toBeUndefined()
    expect(o.namespace).toBe('clawchat')
    expect(o.methods).toEqual({ user: [...USER_METHODS], admin: [...ADMIN_METHODS] })
    expect(o.limits).toEqual(DEFAULT_LIMITS)
    expect(o.audit).toBeUndefined()
    expect(o.sessionCheckIntervalMs).toBe(4000)
    expect(o.limits).toMatchObject({ pingIntervalMs: 30_000, handshakeTimeoutMs: 15_000 })
    expect(o.authenticate({ session: { user: { id: 'u' } } } as never)).toEqual({ id: 'u' })
    expect(o.authenticate({} as never)).toBeNull()
  })

  it.each([
    [
      { ...base, gateway: { ...base.gateway, url: 'http://x' } },
      'clawchatProxy: option "gateway.url" must be a ws:// or wss:// URL, got "http://x"',
    ],
    [{ ...base, gateway: { ...base.gateway, url: 42 } }, 'option "gateway.url" must be a ws:// or wss:// URL, got 42'],
    [
      { ...base, gateway: { url: 'ws://127.0.0.1:1' } },
      'option "gateway.token" must be the gateway\'s token as a non-empty string, got undefined (is OPENCLAW_GATEWAY_TOKEN set?)',
    ],
    [
      { ...base, gateway: { ...base.gateway, token: '' } },
      'option "gateway.token" must be the gateway\'s token as a non-empty string, got an empty string',
    ],
    [{ ...base, gateway: { ...base.gateway, tokn: 'x' } }, 'unknown option "gateway.tokn"'],
    [{ ...base, gateway: { ...base.gateway, identityPath: '' } }, 'option "gateway.identityPath" must be a file path'],
    [
      { ...base, gateway: { ...base.gateway, requestTimeoutMs: 5 } },
      'option "gateway.requestTimeoutMs" must be an integer number of ms, at least 100, got 5',
    ],
    [{ gateway: base.gateway }, 'option "session" is required'],
    [{ ...base, session: 'yes' }, 'option "session" must be a middleware function'],
    [{ ...base, authenticate: {} }, 'option "authenticate" must be a function'],
    [{ ...base, path: 'clawchat' }, 'option "path" must be a URL path like "/clawchat"'],
    [{ ...base, path: '/clawchat/' }, 'option "path" must be a URL path'],
    [{ ...base, allowedOrigins: 'https://a.example' }, 'option "allowedOrigins" must be an array'],
    [
      { ...base, allowedOrigins: ['https://a.example/app'] },
      'option "allowedOrigins" must hold origins like "https://app.example"',
    ],
    [{ ...base, allowedOrigins: ['*'] }, 'option "allowedOrigins" must hold origins'],
    [{ ...base, namespace: 'Claw Chat' }, 'option "namespace" must be 1 to 32 characters'],
    [
      { ...base, policy: { methods: { user: ['config.set'] } } },
      'option "policy.methods.user" may only name methods ClawChat can relay safely',
    ],
    [{ ...base, policy: { methods: { guest: [] } } }, 'unknown option "policy.methods.guest"'],
    [
      { ...base, limits: { maxPayload: 10 } },
      'option "limits.maxPayload" must be an integer number of bytes, at least 1024, got 10',
    ],
    [{ ...base, limits: { rate: 1 } }, 'option "limits.rate" is not a limit'],
    [
      { ...base, audit: console.log },
      'option "audit" must be true, a file path, a writable stream, a pino logger, or { to, bodies }, got a function',
    ],
    [{ ...base, audit: '' }, 'option "audit" must be true, a file path'],
    [
      { ...base, audit: { to: 42 } },
      'option "audit.to" must be true, a file path, a writable stream, a pino logger, or { to, bodies }, got number',
    ],
    [{ ...base, audit: { bodies: 'yes' } }, 'option "audit.bodies" must be a boolean, got "yes"'],
    [{ ...base, audit: { to: process.stdout, body: true } }, 'unknown option "audit.body"; known: to, bodies'],
    [
      { ...base, sessionCheckIntervalMs: 10 },
      'option "sessionCheckIntervalMs" must be an integer number of ms, at least 100, or 0 to turn the check off, got 10',
    ],
    [{ ...base, sessionCheckIntervalMs: '5s' }, 'option "sessionCheckIntervalMs" must be an integer number of ms'],
    [
      { ...base, limits: { pingIntervalMs: 50 } },
      'option "limits.pingIntervalMs" must be an integer number of ms, at least 100, or 0 for no pings, got 50',
    ],
    [
      { ...base, limits: { handshakeTimeoutMs: -1 } },
      'option "limits.handshakeTimeoutMs" must be an integer number of ms, at least 100, or 0 for no limit, got -1',
    ],
    [{ ...base, limits: { constructor: 1 } }, 'option "limits.constructor" is not a limit'],
    [{ ...base, logger: {} }, 'option "logger" must be a pino-compatible logger'],
    [{ ...base, trustProxy: 'yes' }, 'option "trustProxy": invalid IP address: yes'],
    [{ ...base, trustProxy: -1 }, 'option "trustProxy" as a number must be a count of hops'],
    [{ ...base, trustProxy: {} }, `option "trustProxy" must be true, false, a number of hops`],
    [{ ...base, gatway: {} }, 'unknown option "gatway"'],
  ])('rejects a bad option with a message naming it (%#)', (options, message) => {
    expect(error(options)).toContain(message)
  })

  it('never echoes a malformed token', () => {
    expect(error({ ...base, gateway: { ...base.gateway, token: 12345 } })).toBe(
      'clawchatProxy: option "gateway.token" must be the gateway\'s token as a non-empty string, got a number',
    )
  })

  it('explains at start-up a plain ws:// URL the gateway client would refuse', () => {
    const message = error({ ...base, gateway: { ...base.gateway, url: 'ws://gateway-server:18789' } })
    expect(message).toContain('option "gateway.url"')
    expect(message).toContain('wss://')
    expect(message).toContain('OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1')
  })

  it('normalises origins and keeps custom method lists', () => {
    const o = resolveOptions({
      ...base,
      allowedOrigins: ['HTTPS://App.Example:443'],
      policy: { methods: { user: ['chat.send'] } },
    })
    expect(o.allowedOrigins).toEqual(['https://app.example'])
    expect(o.methods.user).toEqual(['chat.send'])
    expect(o.methods.admin).toEqual([...ADMIN_METHODS])
  })
})

describe('plain ws:// rule', () => {
  it.each([
    'ws://127.0.0.1:1',
    'ws://localhost:1',
    'ws://[::1]:1',
    'ws://10.1.2.3',
    'ws://192.168.1.2',
    'ws://172.20.0.1',
    'ws://gw.local',
    'ws://gw.tailnet.ts.net',
    'wss://gateway.example.com',
    'ws://100.64.1.1',
  ])('accepts %s', (url) => expect(plainWsProblem(url, {})).toBeNull())

  it.each(['ws://gateway-server:18789', 'ws://8.8.8.8', 'ws://gateway.example.com'])('refuses %s', (url) => {
    expect(plainWsProblem(url, {})).toMatch(/wss:\/\//)
  })

  it('lets OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 allow host names, never public IPs', () => {
    expect(plainWsProblem('ws://gateway-server:18789', { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: '1' })).toBeNull()
    expect(plainWsProblem('ws://8.8.8.8', { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: '1' })).toMatch(/public IP/)
  })
})
