/**
 * The Passport recipe as its users meet it: a form login, a chat with the session cookie, the user's
 * role from the user store; a wrong password, no session, a forged cookie and a deleted user are
 * refused, and logging out closes the open socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { ClawChatUserInput } from '@clawchat/server'
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
import { createPassportApp } from './app.js'

const passwords: Record<string, string> = { grace: 'cobol-1959', linus: 'git-2005' }
const users = new Map<string, ClawChatUserInput>([
  ['grace', { id: 'grace', name: 'Grace Hopper', role: 'admin' }],
  ['linus', { id: 'linus', name: 'Linus' }],
])

let gw: TestGateway
let app: RunningApp
beforeAll(async () => {
  gw = await startGateway()
  app = await serveApp(async () =>
    createPassportApp({
      gateway: gw.gateway,
      sessionSecret: 'test-only-secret',
      logger: captureLog().logger,
      verifyPassword: async (username, password) =>
        passwords[username] === password ? (users.get(username) ?? null) : null,
      findUser: async (id) => users.get(id) ?? null,
    }),
  )
})
afterAll(async () => {
  await app?.close()
  await gw?.close()
})

function login(username: string, password: string): Promise<Response> {
  return fetch(`${app.baseUrl}/login`, { method: 'POST', body: new URLSearchParams({ username, password }) })
}

describe('the Passport recipe', () => {
  it('logs in with the form, then chats with the session cookie as the user of the user store', async () => {
    const res = await login('grace', 'cobol-1959')
    expect(res.status).toBe(200)
    const { user, reply } = await chatOnce(app.wsUrl, { Cookie: cookieOf(res) }, 'hello, Passport')
    expect(user).toEqual({ id: 'grace', name: 'Grace Hopper', role: 'admin' })
    expect(reply).toBe('ECHO<<hello, Passport>>')
  })

  it('refuses a wrong password, no session and a forged session cookie with 401', async () => {
    expect((await login('grace', 'fortran')).status).toBe(401)
    expect(await upgradeStatus(app.wsUrl)).toBe(401)
    expect(await upgradeStatus(app.wsUrl, { Cookie: 'connect.sid=s%3Aforged.c2lnbmF0dXJl' })).toBe(401)
  })

  it('refuses a session whose user has been deleted since login', async () => {
    const cookie = cookieOf(await login('linus', 'git-2005'))
    expect(await upgradeStatus(app.wsUrl, { Cookie: cookie })).toBe(101)
    const linus = users.get('linus')!
    users.delete('linus')
    try {
      expect(await upgradeStatus(app.wsUrl, { Cookie: cookie })).toBe(401)
    } finally {
      users.set('linus', linus)
    }
  })

  it('logging out closes the open socket (4401) and the old cookie no longer opens one', async () => {
    const cookie = cookieOf(await login('linus', 'git-2005'))
    const ws = new WebSocket(app.wsUrl, { headers: { Cookie: cookie } })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    expect((await fetch(`${app.baseUrl}/logout`, { method: 'POST', headers: { Cookie: cookie } })).status).toBe(200)
    expect(await closed).toBe(4401)
    expect(await upgradeStatus(app.wsUrl, { Cookie: cookie })).toBe(401)
  })
})
