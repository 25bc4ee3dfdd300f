/**
 * Option `controlUi` (issue 21): off by default, its defaults, and each bad value refused at
 * construction with an error naming the option — never later, never with the token in it.
 */
import { describe, expect, it } from 'vitest'
import { clawchatProxy } from '../../src/index.js'
import { resolveOptions } from '../../src/gate/options.js'

const token = 'tok-options-secret-value'
const base = { gateway: { token, url: 'ws://127.0.0.1:9' }, authenticate: () => null }

function problem(controlUi: unknown, extra: Record<string, unknown> = {}): string {
  try {
    resolveOptions({ ...base, ...extra, controlUi })
  } catch (error) {
    const message = (error as Error).message
    expect(message).not.toContain(token)
    return message
  }
  throw new Error('expected the options to be refused')
}

describe('option controlUi', () => {
  it('is off unless given, and false turns it off', () => {
    expect(resolveOptions(base).controlUi).toBeUndefined()
    expect(resolveOptions({ ...base, controlUi: false }).controlUi).toBeUndefined()
  })

  it('fills in the defaults', () => {
    expect(resolveOptions({ ...base, controlUi: { path: '/clawchat/control' } }).controlUi).toEqual({
      path: '/clawchat/control',
      roles: ['admin'],
      identityPath: '.clawchat/control-ui-identity.json',
      loginUrl: undefined,
      rootSockets: true,
      limits: {
        maxPayloadBytes: 26_214_400,
        requestsPerMinute: 1200,
        connectionsPerUser: 16,
        connectTimeoutMs: 15_000,
      },
    })
  })

  it('keeps what it was given', () => {
    const controlUi = {
      path: '/ops/console',
      roles: ['admin', 'user'],
      identityPath: '/var/lib/app/console.json',
      loginUrl: '/login?from=console',
      rootSockets: false,
      limits: { maxPayloadBytes: 2048, requestsPerMinute: 60, connectionsPerUser: 2, connectTimeoutMs: 500 },
    }
    expect(resolveOptions({ ...base, controlUi }).controlUi).toEqual(controlUi)
    expect(
      resolveOptions({ ...base, controlUi: { path: '/c', loginUrl: 'https://sso.example/login' } }).controlUi,
    ).toMatchObject({ loginUrl: 'https://sso.example/login' })
  })

  it.each([
    [true, /option "controlUi" must be false or an object/],
    ['/clawchat/control', /option "controlUi" must be false or an object/],
    [{}, /option "controlUi.path" is required/],
    [{ path: 'clawchat/control' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat/control/' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat//control' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat/../control' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat/./control' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat/con trol' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat/control?x=1' }, /option "controlUi.path" must be a URL path/],
    [{ path: '/clawchat' }, /option "controlUi.path" must not equal or contain the relay's own path "\/clawchat"/],
    [{ path: '/clawchat/session' }, /option "controlUi.path" must not sit inside the relay's endpoint/],
    [{ path: '/c', roles: [] }, /option "controlUi.roles" must be a non-empty array/],
    [{ path: '/c', roles: ['root'] }, /option "controlUi.roles" must be a non-empty array of "admin" and "user"/],
    [{ path: '/c', roles: 'admin' }, /option "controlUi.roles"/],
    [{ path: '/c', identityPath: '' }, /option "controlUi.identityPath" must be a file path/],
    [{ path: '/c', identityPath: 42 }, /option "controlUi.identityPath" must be a file path/],
    [{ path: '/c', loginUrl: 'login' }, /option "controlUi.loginUrl" must be a path of the app/],
    [{ path: '/c', loginUrl: '//evil.example/login' }, /option "controlUi.loginUrl"/],
    [{ path: '/c', loginUrl: 'javascript:alert(1)' }, /option "controlUi.loginUrl"/],
    [{ path: '/c', rootSockets: 'yes' }, /option "controlUi.rootSockets" must be true or false/],
    [{ path: '/c', rootSockets: 1 }, /option "controlUi.rootSockets" must be true or false/],
    [{ path: '/c', limits: 5 }, /option "controlUi.limits" must be an object/],
    [
      { path: '/c', limits: { requestsPerMinute: 0 } },
      /option "controlUi.limits.requestsPerMinute" must be a positive/,
    ],
    [{ path: '/c', limits: { requestsPerMinute: 1.5 } }, /option "controlUi.limits.requestsPerMinute"/],
    [{ path: '/c', limits: { connectionsPerUser: -1 } }, /option "controlUi.limits.connectionsPerUser"/],
    [
      { path: '/c', limits: { maxPayloadBytes: 10 } },
      /option "controlUi.limits.maxPayloadBytes" must be .* at least 1024/,
    ],
    [{ path: '/c', limits: { connectTimeoutMs: '5s' } }, /option "controlUi.limits.connectTimeoutMs"/],
    [{ path: '/c', limits: { perMinute: 5 } }, /unknown option "controlUi.limits.perMinute"/],
    [
      { path: '/c', token: 'x' },
      /unknown option "controlUi.token"; known: path, roles, identityPath, loginUrl, rootSockets, limits/,
    ],
  ])('refuses %j', (controlUi, message) => {
    expect(problem(controlUi)).toMatch(message)
  })

  it("refuses the relay's path inside the console's, and the link's identity file", () => {
    expect(problem({ path: '/app' }, { path: '/app/relay' })).toMatch(/must not equal or contain the relay's own path/)
    expect(
      problem(
        { path: '/c', identityPath: './id/link.json' },
        { gateway: { ...base.gateway, identityPath: 'id/link.json' } },
      ),
    ).toMatch(/option "controlUi.identityPath" must not be the link's identity file/)
    expect(problem({ path: '/c' }, { path: '/browser/screencast' })).toMatch(
      /option "controlUi.rootSockets" must be false when the relay's own path is "\/browser\/screencast"/,
    )
    expect(
      resolveOptions({ ...base, path: '/desktop/observe', controlUi: { path: '/c', rootSockets: false } }).controlUi,
    ).toMatchObject({ rootSockets: false })
  })

  it('is refused by clawchatProxy() itself, at construction', () => {
    expect(() => clawchatProxy({ ...base, controlUi: { path: '/c', roles: ['owner'] } } as never)).toThrow(
      /controlUi\.roles/,
    )
  })
})
