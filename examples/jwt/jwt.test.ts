/**
 * The JWT recipe as its users meet it: a browser logs in and chats with the HttpOnly cookie, a Node
 * client with `Authorization: Bearer`; no token, a forged, expired or foreign token, and a logged-out
 * user are refused at the upgrade; a token that expires closes its open socket.
 */
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
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
import { COOKIE, createJwtApp } from './app.js'

const secret = randomBytes(32)
const users: Record<string, { password: string; id: string; name: string }> = {
  ada: { password: 'correct horse battery staple', id: 'u-ada', name: 'Ada' },
}

let gw: TestGateway
let app: RunningApp
beforeAll(async () => {
  gw = await startGateway()
  app = await serveApp(async () =>
    createJwtApp({
      gateway: gw.gateway,
      secret,
      logger: captureLog().logger,
      async verifyPassword(username, password) {
        const user = users[username]
        return user && user.password === password ? { id: user.id, name: user.name } : null
      },
    }),
  )
})
afterAll(async () => {
  await app?.close()
  await gw?.close()
})

async function login(username: string, password: string): Promise<Response> {
  return fetch(`${app.baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
}

/** A token like the app's, with one thing changed. */
function token(change: (jwt: SignJWT) => SignJWT, key: Uint8Array = secret): Promise<string> {
  const jwt = new SignJWT({ name: 'Ada' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u-ada')
    .setIssuer('https://app.example')
    .setAudience('clawchat')
    .setIssuedAt()
    .setExpirationTime('5m')
  return change(jwt).sign(key)
}

describe('the JWT recipe', () => {
  it('a browser logs in, gets an HttpOnly cookie, and chats with it', async () => {
    const res = await login('ada', 'correct horse battery staple')
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=.+; Path=/; HttpOnly; SameSite=Lax$`))
    const { user, reply } = await chatOnce(app.wsUrl, { Cookie: cookieOf(res) }, 'hello from the browser')
    expect(user).toEqual({ id: 'u-ada', name: 'Ada', role: 'user' })
    expect(reply).toBe('ECHO<<hello from the browser>>')
  })

  it('a non-browser client sends the token as Authorization: Bearer on the upgrade', async () => {
    const { token: jwt } = (await (await login('ada', 'correct horse battery staple')).json()) as { token: string }
    const { user, reply } = await chatOnce(app.wsUrl, { Authorization: `Bearer ${jwt}` }, 'hello from a CLI')
    expect(user).toMatchObject({ id: 'u-ada' })
    expect(reply).toBe('ECHO<<hello from a CLI>>')
  })

  it('refuses a wrong password, and an upgrade without a token, with 401', async () => {
    expect((await login('ada', 'wrong')).status).toBe(401)
    expect(await upgradeStatus(app.wsUrl)).toBe(401)
    expect(await upgradeStatus(app.wsUrl, { Authorization: 'Bearer not-a-jwt' })).toBe(401)
  })

  it('refuses forged, expired, foreign-audience and unsigned tokens with 401', async () => {
    expect(await upgradeStatus(app.wsUrl, { Authorization: `Bearer ${await token((t) => t)}` })).toBe(101)
    const bad = {
      forged: await token((t) => t, randomBytes(32)),
      expired: await token((t) => t.setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime('-1m')),
      otherAudience: await token((t) => t.setAudience('another-app')),
      otherIssuer: await token((t) => t.setIssuer('https://evil.example')),
      unsigned: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${(await token((t) => t)).split('.')[1]}.`,
    }
    for (const [what, jwt] of Object.entries(bad)) {
      expect({ what, status: await upgradeStatus(app.wsUrl, { Authorization: `Bearer ${jwt}` }) }).toEqual({
        what,
        status: 401,
      })
      expect({ what, status: await upgradeStatus(app.wsUrl, { Cookie: `${COOKIE}=${jwt}` }) }).toEqual({
        what,
        status: 401,
      })
    }
  })

  it('logout clears the cookie and closes the open sockets (4401)', async () => {
    const cookie = cookieOf(await login('ada', 'correct horse battery staple'))
    const ws = new WebSocket(app.wsUrl, { headers: { Cookie: cookie } })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    const res = await fetch(`${app.baseUrl}/logout`, { method: 'POST', headers: { Cookie: cookie } })
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=;`))
    expect(await closed).toBe(4401)
  })
})

describe('the JWT recipe, with the login check', () => {
  it('a token that expires while its socket is open closes the socket with 4401', async () => {
    const checking = await serveApp(async () =>
      createJwtApp({
        gateway: gw.gateway,
        secret,
        logger: captureLog().logger,
        sessionCheckIntervalMs: 200,
        verifyPassword: async () => null,
      }),
    )
    try {
      const exp = Math.floor(Date.now() / 1000) + 2 // expires in one to two seconds
      const jwt = await token((t) => t.setExpirationTime(exp))
      const ws = new WebSocket(checking.wsUrl, { headers: { Authorization: `Bearer ${jwt}` } })
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      )
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      expect(await closed).toEqual({ code: 4401, reason: 'login expired' })
      const afterExpiryMs = Date.now() - exp * 1000
      console.log(`[measure] an open socket closed ${afterExpiryMs} ms after its JWT expired (checked every 200 ms)`)
      expect(afterExpiryMs).toBeGreaterThanOrEqual(0) // not before
      expect(afterExpiryMs).toBeLessThan(1000) // one 200 ms interval, with room for a busy machine
    } finally {
      await checking.close()
    }
  })
})
