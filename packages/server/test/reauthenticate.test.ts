/**
 * Issue 22.3: a login without an app session (a JWT, identity headers: `authenticate` alone) is
 * checked again every `sessionCheckIntervalMs` on the socket's own upgrade request, so access ends
 * with the login — a socket whose `authenticate` now answers nobody, throws, or names another user
 * closes with 4401 within one interval. Sockets with an app session keep the store check alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { ConnectionRegistry } from '../src/connection/registry.js'
import { startLogoutWatch, type WatchedConnection } from '../src/gate/logout-watch.js'
import { SavedUpgradeRequest } from '../src/gate/reauthenticate.js'
import { trustedIdentityHeaders, type AuthenticateRequest, type ClawChatUserInput } from '../src/index.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'
import {
  CONSOLE_PATH,
  httpGet,
  openConsole,
  pageConnectParams,
  startConsoleHarness,
} from './control-ui/console-harness.js'

const INTERVAL_MS = 200

let h: Harness | undefined
afterEach(async () => {
  vi.useRealTimers()
  await h?.close()
  h = undefined
})

function auditLines(harness: Harness): Array<Record<string, any>> {
  return harness.capture.audit.map((l) => JSON.parse(l) as Record<string, any>)
}

/** A JWT-like login: each bearer token names a user until the test says otherwise. */
function tokenLogin() {
  const tokens = new Map<string, ClawChatUserInput | null | (() => never)>()
  /** How often each token was asked about. */
  const calls = new Map<string, number>()
  const authenticate = (req: AuthenticateRequest): ClawChatUserInput | null => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (token === undefined) return null
    calls.set(token, (calls.get(token) ?? 0) + 1)
    const answer = tokens.get(token) ?? null
    return typeof answer === 'function' ? answer() : answer
  }
  return { tokens, calls, authenticate, bearer: (token: string) => ({ Authorization: `Bearer ${token}` }) }
}

/** A proxy with `authenticate` alone (no `session` option), checking every 200 ms. */
async function tokenHarness(login: ReturnType<typeof tokenLogin>): Promise<Harness> {
  return startHarness({
    proxy: { session: undefined, authenticate: login.authenticate, sessionCheckIntervalMs: INTERVAL_MS },
  })
}

describe('the login check of sockets without an app session', () => {
  it('closes a socket with 4401 within one interval once its token no longer names a user', async () => {
    const login = tokenLogin()
    login.tokens.set('t-alice', { id: 'alice' })
    login.tokens.set('t-bob', { id: 'bob' })
    h = await tokenHarness(login)
    const alice = await h.open(undefined, login.bearer('t-alice'))
    const bob = await h.open(undefined, login.bearer('t-bob'))
    await alice.connect()
    // Rounds come and go: the socket stays while the token is good.
    await waitFor(() => (login.calls.get('t-alice') ?? 0) >= 3, 10_000, 'two re-checks')
    expect(alice.closed).toBeNull()
    login.tokens.set('t-alice', null) // the token expired
    const expiredAt = Date.now()
    const closed = await alice.closedPromise
    const latencyMs = Date.now() - expiredAt
    console.log(`[measure] an expired login closed its socket ${latencyMs} ms later (sessionCheckIntervalMs 200)`)
    expect(closed).toEqual({ code: 4401, reason: 'login expired' })
    expect(latencyMs).toBeLessThan(INTERVAL_MS + 800) // one interval, with room for a busy machine
    expect(bob.closed).toBeNull()
    expect((await bob.request('chat.history', {})).ok).toBe(true)
    expect(auditLines(h).filter((l) => l.event === 'session.ended')).toEqual([
      expect.objectContaining({ event: 'session.ended', userId: 'alice', reason: 'login expired', connections: 1 }),
    ])
    expect(h.capture.audit.join('\n')).not.toContain('t-alice')
  })

  it('closes a socket whose authenticate now names another user', async () => {
    const login = tokenLogin()
    login.tokens.set('t-1', { id: 'alice' })
    h = await tokenHarness(login)
    const socket = await h.open(undefined, login.bearer('t-1'))
    login.tokens.set('t-1', { id: 'mallory' })
    expect(await socket.closedPromise).toEqual({ code: 4401, reason: 'logged in as another user' })
    expect(auditLines(h).find((l) => l.event === 'session.ended')).toMatchObject({ userId: 'alice' })
  })

  it('closes a socket whose authenticate throws, logging it once without the error text or headers', async () => {
    const login = tokenLogin()
    login.tokens.set('t-secret-value', { id: 'alice' })
    login.tokens.set('t-bob', { id: 'bob' })
    h = await tokenHarness(login)
    const socket = await h.open(undefined, login.bearer('t-secret-value'))
    await h.open(undefined, login.bearer('t-bob'))
    login.tokens.set('t-secret-value', () => {
      throw new TypeError('cannot verify t-secret-value')
    })
    expect(await socket.closedPromise).toEqual({ code: 4401, reason: 'login could not be checked' })
    // Rounds go on after the close (bob's socket is asked about three more times): still one line.
    const bobCalls = login.calls.get('t-bob') ?? 0
    await waitFor(() => (login.calls.get('t-bob') ?? 0) >= bobCalls + 3, 10_000, 'three more rounds')
    expect(login.calls.get('t-secret-value')).toBe(2) // the upgrade, and the round that closed it
    const lines = h.capture.logs.filter((l) => l.includes('authenticate threw'))
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', message: expect.stringContaining('(TypeError)') })
    expect(h.capture.logs.join('\n')).not.toContain('t-secret-value')
    expect(h.capture.logs.join('\n')).not.toContain('cannot verify')
  })

  it('keeps a socket behind trusted identity headers open: the peer address and headers are kept', async () => {
    const trusted = trustedIdentityHeaders({ from: 'loopback' })
    let calls = 0
    h = await startHarness({
      proxy: {
        session: undefined,
        sessionCheckIntervalMs: INTERVAL_MS,
        authenticate: (req) => (calls++, trusted(req)),
      },
    })
    const socket = await h.open(undefined, { 'X-Forwarded-User': 'alice' })
    await socket.connect()
    await waitFor(() => calls >= 4, 10_000, 'three re-checks')
    expect(socket.closed).toBeNull()
    expect((await socket.request('chat.history', {})).ok).toBe(true)
  })

  it('does not re-run authenticate for a socket with an express-session session', async () => {
    let calls = 0
    h = await startHarness({
      proxy: {
        sessionCheckIntervalMs: INTERVAL_MS,
        authenticate: (req) => (calls++, (req.session?.user as ClawChatUserInput | undefined) ?? null),
      },
    })
    const socket = await h.open(await h.login({ id: 'alice' }))
    expect(calls).toBe(1) // the upgrade
    let reads = 0
    const realGet = h.store.get.bind(h.store)
    h.store.get = (sid, callback) => (reads++, realGet(sid, callback))
    await waitFor(() => reads >= 3, 10_000, 'three rounds of the store check')
    expect(calls).toBe(1)
    expect(socket.closed).toBeNull()
  })
})

/** A registry holding one session-less connection opened by `userId`, as the proxy's acceptor makes it. */
function oneConnection(userId: string) {
  const registry = new ConnectionRegistry<WatchedConnection>()
  const req = { method: 'GET', url: '/clawchat', httpVersion: '1.1', headers: {}, socket: {} } as IncomingMessage
  const conn = {
    connId: 'c1',
    userId,
    sessionId: undefined,
    sessionStore: undefined,
    upgradeRequest: new SavedUpgradeRequest(req),
  }
  registry.add(conn)
  return { registry, conn }
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} }

describe('the login check, by the clock', () => {
  it('never runs two calls at once for one socket, however slow authenticate is', async () => {
    vi.useFakeTimers()
    const { registry } = oneConnection('alice')
    const answers: Array<(user: ClawChatUserInput) => void> = []
    let active = 0
    let most = 0
    const authenticate = () => {
      active += 1
      most = Math.max(most, active)
      return new Promise<ClawChatUserInput>((resolve) =>
        answers.push((user) => {
          active -= 1
          resolve(user)
        }),
      )
    }
    const ended: string[] = []
    const watch = startLogoutWatch({
      options: { session: undefined, authenticate, sessionCheckIntervalMs: INTERVAL_MS },
      registry,
      log: quietLog,
      endSession() {},
      endLogin: (_conn, why) => void ended.push(why),
    })
    await vi.advanceTimersByTimeAsync(INTERVAL_MS * 10) // ten rounds, one call still unanswered
    expect(answers).toHaveLength(1)
    answers[0]!({ id: 'alice' })
    await vi.advanceTimersByTimeAsync(INTERVAL_MS)
    expect(answers).toHaveLength(2) // asked again at the next round, once
    expect(most).toBe(1)
    expect(ended).toEqual([])
    watch.stop()
  })

  it('with sessionCheckIntervalMs 0 never calls authenticate again', async () => {
    vi.useFakeTimers()
    const { registry } = oneConnection('alice')
    const authenticate = vi.fn(() => null)
    const watch = startLogoutWatch({
      options: { session: undefined, authenticate, sessionCheckIntervalMs: 0 },
      registry,
      log: quietLog,
      endSession() {},
      endLogin() {},
    })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(authenticate).not.toHaveBeenCalled()
    watch.stop()
  })
})

describe("the login check of an admin's Control UI console without an app session", () => {
  it('closes the console with 4401 once the admin token expires, like the relay socket', async () => {
    const login = tokenLogin()
    login.tokens.set('t-root', { id: 'root', role: 'admin' })
    h = await startConsoleHarness(
      {},
      { proxy: { session: undefined, authenticate: login.authenticate, sessionCheckIntervalMs: INTERVAL_MS } },
    )
    const html = await httpGet(h, `${CONSOLE_PATH}/`, { ...login.bearer('t-root'), accept: 'text/html' })
    const buildId = /data-openclaw-control-ui-build-id="([^"]+)-[0-9a-f]{64}"/.exec(html.body)?.[1]
    const page = await openConsole(h, { ...login.bearer('t-root'), origin: h.baseUrl })
    await page.waitForEvent('connect.challenge')
    expect(await page.request('connect', pageConnectParams(buildId!))).toMatchObject({ ok: true })
    await waitFor(() => (login.calls.get('t-root') ?? 0) >= 4, 10_000, 'a re-check of the console')
    expect(page.closed).toBeNull()
    login.tokens.set('t-root', null)
    expect(await page.closedPromise).toEqual({ code: 4401, reason: 'login expired' })
    await waitFor(() => h!.proxy.stats().controlUi.connections === 0)
  })
})
