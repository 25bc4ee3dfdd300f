/**
 * Issue 5, behaviour 2: logging out in one place closes the sockets opened with that session
 * everywhere, with 4401, even when the app's logout route knows nothing about the proxy — at once
 * when the session is destroyed through its store in this process (issue 16.9, see
 * logout-store-destroy.test.ts), else through the proxy's periodic session check (within 5 s by default).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

function auditLines(harness: Harness): Array<Record<string, any>> {
  return harness.capture.audit.map((l) => JSON.parse(l) as Record<string, any>)
}

describe('logout', () => {
  it('a session destroyed by POST /logout closes a live socket opened with it elsewhere, within 1 s', async () => {
    // The app's /logout only destroys the session: the proxy must notice by itself.
    h = await startHarness({ logoutDisconnects: false })
    await h.waitForLinkUp()
    const cookie = await h.login({ id: 'alice' })
    const elsewhere = await h.open(cookie) // another tab with the same session
    await elsewhere.connect()
    const otherDevice = await h.connectAs({ id: 'alice' }) // the same user, another session
    const bob = await h.connectAs({ id: 'bob' })

    const res = await fetch(`${h.baseUrl}/logout`, { method: 'POST', headers: { cookie } })
    expect(res.ok).toBe(true)
    const loggedOutAt = Date.now()
    const closed = await elsewhere.closedPromise
    const latencyMs = Date.now() - loggedOutAt
    console.log(
      `[measure] logout closed a live socket elsewhere ${latencyMs} ms after POST /logout (sessionCheckIntervalMs 4000)`,
    )
    expect(closed.code).toBe(4401)
    expect(latencyMs).toBeLessThanOrEqual(1000)

    expect(otherDevice.closed).toBeNull()
    expect(bob.closed).toBeNull()
    expect((await otherDevice.request('chat.history', {})).ok).toBe(true)
    expect(auditLines(h).find((l) => l.event === 'session.ended')).toMatchObject({ userId: 'alice', connections: 1 })
    // The app session id is a credential: it never reaches the audit trail.
    expect(h.capture.audit.join('\n')).not.toMatch(/sessionId|app\.sid/)
    expect(await h.upgradeStatus(cookie)).toBe(401)
  }, 15_000)

  it('closes the sockets of an expired session, and of a session that no longer holds the user', async () => {
    h = await startHarness({ cookie: { maxAge: 800 }, proxy: { sessionCheckIntervalMs: 200 } })
    const expiring = await h.open(await h.login({ id: 'alice' }))
    const forgetting = await h.login({ id: 'carol' })
    const forgot = await h.open(forgetting)
    const started = Date.now()
    const res = await fetch(`${h.baseUrl}/forget-user`, { method: 'POST', headers: { cookie: forgetting } })
    expect(res.ok).toBe(true)
    expect(await forgot.closedPromise).toEqual({ code: 4401, reason: 'logged out' })
    expect((await expiring.closedPromise).code).toBe(4401)
    expect(Date.now() - started).toBeGreaterThanOrEqual(600) // not before the session expired
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('reads each session once per round however many sockets share it, and closes nothing while the store fails', async () => {
    h = await startHarness({ proxy: { sessionCheckIntervalMs: 150 } })
    const reads = new Map<string, number>()
    const realGet = h.store.get.bind(h.store)
    const aliceCookie = await h.login({ id: 'alice' })
    const bobCookie = await h.login({ id: 'bob' })
    const sockets = [
      ...(await Promise.all([1, 2, 3].map(() => h!.open(aliceCookie)))),
      ...(await Promise.all([1, 2].map(() => h!.open(bobCookie)))),
    ]
    h.store.get = (sid, callback) => {
      reads.set(sid, (reads.get(sid) ?? 0) + 1)
      realGet(sid, callback)
    }
    // Three rounds at least: both sessions read three times.
    await waitFor(() => reads.size === 2 && Math.min(...reads.values()) >= 3, 10_000, 'three rounds')
    const counts = [...reads.values()]
    expect(counts).toHaveLength(2) // two distinct sessions, five sockets
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(3)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)

    h.breakStore()
    // Three failed rounds (each logs once): a close decided in the first would have arrived long since.
    const failedRounds = () => h!.capture.logs.filter((l) => l.includes('could not read the session store')).length
    await waitFor(() => failedRounds() >= 3, 10_000, 'three failed rounds')
    for (const socket of sockets) expect(socket.closed).toBeNull()
    expect(h.capture.logs.some((l) => l.includes('could not read the session store'))).toBe(true)
  })

  it('can be turned off (sessionCheckIntervalMs: 0): then a session ended without a destroy here closes only with disconnectSession', async () => {
    h = await startHarness({ logoutDisconnects: false, proxy: { sessionCheckIntervalMs: 0 } })
    const cookie = await h.login({ id: 'alice' })
    const tab = await h.open(cookie)
    // Not destroyed (that would close the socket at once, check or no check): the user is only removed.
    await fetch(`${h.baseUrl}/forget-user`, { method: 'POST', headers: { cookie } })
    const reads: string[] = []
    const realGet = h.store.get.bind(h.store)
    h.store.get = (sid, callback) => {
      reads.push(sid)
      realGet(sid, callback)
    }
    // A round trip to the app (without a cookie: no session read of its own) as the barrier.
    expect((await fetch(`${h.baseUrl}/clawchat/session`)).status).toBe(401)
    expect(tab.closed).toBeNull()
    expect(reads).toEqual([])
    const sid =
      decodeURIComponent(cookie.split('=')[1] ?? '')
        .slice(2)
        .split('.')[0] ?? ''
    expect(h.proxy.disconnectSession(sid)).toBe(1)
    expect((await tab.closedPromise).code).toBe(4401)
    await waitFor(() => h!.proxy.stats().connections === 0, 5000, 'the registry to forget the socket')
  })
})
