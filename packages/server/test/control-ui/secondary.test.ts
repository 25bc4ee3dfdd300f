/**
 * Issue 21, the console's secondary sockets (any path under the prefix but the console's own: the
 * real UI's browser screencast, desktop and audio sockets): piped to the same path on the gateway
 * with its bearer token and its own Origin, never the browser's cookie; frames untouched (the mock
 * echoes them); gated like the console; counted and cut at logout like it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { waitFor, type Harness } from '../helpers/harness.js'
import { CONSOLE_PATH, auditLines, startConsoleHarness } from './console-harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const ECHO = `${CONSOLE_PATH}/ws/screencast?tab=1`

function open(headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(`${h!.wsUrl.replace(/\/clawchat$/, '')}${ECHO}`, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })))
}

describe('a secondary console socket', () => {
  it("is piped to the gateway with its bearer and its Origin, not the browser's cookie; frames both ways", async () => {
    h = await startConsoleHarness()
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const ws = await open({ cookie, origin: h.baseUrl, authorization: 'Bearer browser-own' })
    const text = next(ws)
    ws.send('hello screencast')
    const echoedText = await text
    expect(echoedText.isBinary).toBe(false)
    expect(echoedText.data.toString()).toBe('hello screencast')
    const binary = next(ws)
    ws.send(Buffer.from([0, 1, 2, 255]))
    const echoed = await binary
    expect(echoed.isBinary).toBe(true)
    expect([...echoed.data]).toEqual([0, 1, 2, 255])
    const gatewayOrigin = h.gateway!.url.replace('ws:', 'http:')
    expect(h.gateway!.upgradeRequests().filter((r) => r.path === ECHO)).toEqual([
      { path: ECHO, origin: gatewayOrigin, authorized: true, hadCookie: false },
    ])
    expect(h.proxy.stats().controlUi).toEqual({ connections: 1, users: 1 })
    expect(auditLines(h).find((l) => l.event === 'control-ui.open')).toMatchObject({
      userId: 'root',
      kind: 'secondary',
    })
    ws.close()
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
  })

  it('is refused without a session (401) or without the role (403), and nothing reaches the gateway', async () => {
    h = await startConsoleHarness()
    expect(await h.upgradeStatus(undefined, {}, ECHO)).toBe(401)
    expect(await h.upgradeStatus(await h.login({ id: 'bob', role: 'user' }), {}, ECHO)).toBe(403)
    expect(h.gateway!.upgradeRequests().filter((r) => r.path === ECHO)).toEqual([])
  })

  it('is cut at logout', async () => {
    h = await startConsoleHarness({}, { logoutDisconnects: false })
    const cookie = await h.login({ id: 'root', role: 'admin' })
    const ws = await open({ cookie })
    const closed = new Promise((resolve) => ws.once('close', resolve))
    const started = Date.now()
    await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie } })
    await closed
    expect(Date.now() - started).toBeLessThan(5000)
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
  })
})
