/**
 * The identity-headers recipe as its users meet it: requests that come through the authenticating
 * proxy (here: from 127.0.0.1, with `from: 'loopback'`) chat as the user the headers name; without
 * the headers, or from an address that is not the proxy's, the upgrade is refused with 401.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  captureLog,
  chatOnce,
  serveApp,
  startGateway,
  upgradeStatus,
  type RunningApp,
  type TestGateway,
} from '../support/stack.js'
import { createProxyHeadersApp } from './app.js'

/** What oauth2-proxy adds to each request of a logged-in user. */
const ada = {
  'X-Forwarded-User': 'c2a4f1e0-ada',
  'X-Forwarded-Email': 'ada@example.com',
  'X-Forwarded-Preferred-Username': 'ada',
  'X-Forwarded-Groups': 'staff,chat-admins',
}

let gw: TestGateway | undefined
let app: RunningApp | undefined
afterEach(async () => {
  await app?.close()
  await gw?.close()
  app = gw = undefined
})

async function start(from: string) {
  gw = await startGateway()
  const log = captureLog()
  const gateway = gw.gateway
  app = await serveApp(async () => createProxyHeadersApp({ gateway, from, logger: log.logger }))
  return { app, log }
}

describe('the identity-headers recipe', () => {
  it('from the trusted proxy: chats as the user the headers name, admin by group', async () => {
    const { app } = await start('loopback')
    const { user, reply } = await chatOnce(app.wsUrl, ada, 'hello through oauth2-proxy')
    expect(user).toEqual({ id: 'c2a4f1e0-ada', name: 'ada', role: 'admin' })
    expect(reply).toBe('ECHO<<hello through oauth2-proxy>>')
    const me = await fetch(`${app.baseUrl}/me`, { headers: { 'X-Forwarded-User': 'bob' } })
    expect(await me.json()).toEqual({ id: 'bob', role: 'user' })
  })

  it('without the headers (the proxy let an anonymous request through): 401', async () => {
    const { app } = await start('loopback')
    expect(await upgradeStatus(app.wsUrl)).toBe(401)
    expect(await upgradeStatus(app.wsUrl, { 'X-Forwarded-Email': 'ada@example.com' })).toBe(401)
  })

  it('from an address that is not the proxy: the headers are refused, logged without their values', async () => {
    const { app, log } = await start('192.0.2.10') // the proxy lives elsewhere; this test connects from 127.0.0.1
    expect(await upgradeStatus(app.wsUrl, ada)).toBe(401)
    expect(await upgradeStatus(app.wsUrl, { ...ada, 'X-Forwarded-For': '192.0.2.10' })).toBe(401)
    expect((await fetch(`${app.baseUrl}/me`, { headers: ada })).status).toBe(401)
    const refusals = log.lines.filter((l) => l.includes('refused identity headers'))
    expect(refusals.length).toBeGreaterThanOrEqual(3)
    expect(JSON.parse(refusals[0]!)).toMatchObject({ level: 'warn', peer: '127.0.0.1' })
    expect(log.lines.join('\n')).not.toMatch(/c2a4f1e0|ada@example|chat-admins/)
  })
})
