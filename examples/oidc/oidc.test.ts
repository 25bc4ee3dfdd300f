/**
 * The OpenID Connect recipe as its users meet it: the browser goes to /login, the (tiny, test-only)
 * provider sends it back with a code, the app stores the user in the session, and the session cookie
 * opens the chat. No login, a pre-login session, a callback with another login's state, and a forged
 * ID token are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  captureLog,
  chatOnce,
  cookieOf,
  serveApp,
  startGateway,
  upgradeStatus,
  type RunningApp,
  type TestGateway,
} from '../support/stack.js'
import { createOidcApp } from './app.js'
import { startMiniProvider, type MiniProvider } from './test/mini-provider.js'

let gw: TestGateway
let op: MiniProvider
let app: RunningApp
beforeAll(async () => {
  gw = await startGateway()
  op = await startMiniProvider()
  app = await serveApp((publicUrl) =>
    createOidcApp({
      gateway: gw.gateway,
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      publicUrl,
      sessionSecret: 'test-only-secret',
      adminGroups: ['chat-admins'],
      allowInsecureRequests: true, // the test provider speaks plain http on 127.0.0.1 — never in production
      logger: captureLog().logger,
    }),
  )
})
afterAll(async () => {
  await app?.close()
  await op?.close()
  await gw?.close()
})

/** GET without following redirects: the status, the Location, the cookie set (if any). */
async function visit(url: string, cookie?: string) {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} })
  return {
    status: res.status,
    location: res.headers.get('location') ?? '',
    cookie: res.headers.get('set-cookie') ? cookieOf(res) : undefined,
  }
}

/** /login → the provider → /callback, as a browser follows the redirects. */
async function startLogin() {
  const login = await visit(`${app.baseUrl}/login`)
  expect(login.status).toBe(302)
  expect(login.location.startsWith(`${op.issuer}/authorize?`)).toBe(true)
  const back = await visit(login.location)
  expect(back.status).toBe(302)
  return { preLoginCookie: login.cookie!, callback: back.location }
}

describe('the OpenID Connect recipe', () => {
  it('logs in through the provider and chats with the session cookie', async () => {
    op.user = { sub: 'oidc|ada', name: 'Ada Lovelace', groups: ['staff', 'chat-admins'] }
    const { preLoginCookie, callback } = await startLogin()
    const done = await visit(callback, preLoginCookie)
    expect(done).toMatchObject({ status: 302, location: '/' })
    const { user, reply } = await chatOnce(app.wsUrl, { Cookie: done.cookie! }, 'hello, OIDC')
    expect(user).toEqual({ id: 'oidc|ada', name: 'Ada Lovelace', role: 'admin' })
    expect(reply).toBe('ECHO<<hello, OIDC>>')
    // The session id changed at login: the cookie from before it opens nothing.
    expect(done.cookie).not.toBe(preLoginCookie)
    expect(await upgradeStatus(app.wsUrl, { Cookie: preLoginCookie })).toBe(401)
  })

  it('refuses the upgrade without a login, and mid-login (before the callback)', async () => {
    expect(await upgradeStatus(app.wsUrl)).toBe(401)
    const { preLoginCookie } = await startLogin()
    expect(await upgradeStatus(app.wsUrl, { Cookie: preLoginCookie })).toBe(401)
  })

  it("refuses a callback that carries another login's state", async () => {
    op.user = { sub: 'oidc|mallory' }
    const victim = await startLogin()
    const attacker = await startLogin()
    const crossed = await visit(attacker.callback, victim.preLoginCookie)
    expect(crossed.status).toBe(401)
    expect(await upgradeStatus(app.wsUrl, { Cookie: victim.preLoginCookie })).toBe(401)
  })

  it.each(['forged', 'expired', 'audience'] as const)('refuses a %s ID token: no login, no socket', async (tamper) => {
    op.user = { sub: 'oidc|eve' }
    op.tamper = tamper
    try {
      const { preLoginCookie, callback } = await startLogin()
      expect((await visit(callback, preLoginCookie)).status).toBe(401)
      expect(await upgradeStatus(app.wsUrl, { Cookie: preLoginCookie })).toBe(401)
    } finally {
      op.tamper = undefined
    }
  })
})
