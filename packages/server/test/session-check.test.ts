/**
 * The logout check on its own, with a scripted store: one read per distinct session per round, a
 * bounded number in flight, a store that fails or hangs closes nothing, and the verdicts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SessionWatcher, sessionEnded, type SessionStoreLike, type WatchedSession } from '../src/gate/session-check.js'

// The watcher takes its delays and its clock from the global timers: every test runs on a fake clock.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Runs the fake clock until no timer is left, then resolves with what `round` resolved with. */
async function settled<T>(round: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync()
  return round
}

function scriptedStore(
  sessions: Map<string, unknown>,
  options: { delayMs?: number; fail?: boolean; hang?: boolean } = {},
) {
  const reads: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const store: SessionStoreLike = {
    get(sid, callback) {
      reads.push(sid)
      if (options.hang) return
      inFlight += 1
      maxInFlight = Math.max(maxInFlight, inFlight)
      setTimeout(() => {
        inFlight -= 1
        if (options.fail) callback(new Error('store is down'))
        else callback(null, sessions.get(sid))
      }, options.delayMs ?? 1)
    },
  }
  return { store, reads, maxInFlight: () => maxInFlight }
}

describe('sessionEnded', () => {
  it('says destroyed, expired or nothing', () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    expect(sessionEnded(undefined, now)).toBe('destroyed')
    expect(sessionEnded(null, now)).toBe('destroyed')
    expect(sessionEnded({ cookie: { expires: '2029-12-31T23:59:59Z' } }, now)).toBe('expired')
    expect(sessionEnded({ cookie: { expires: new Date(now - 1) } }, now)).toBe('expired')
    expect(sessionEnded({ cookie: { expires: '2030-01-02T00:00:00Z' } }, now)).toBeNull()
    expect(sessionEnded({ cookie: { expires: null } }, now)).toBeNull() // a browser-session cookie
    expect(sessionEnded({ cookie: { expires: 'garbage' } }, now)).toBeNull()
    expect(sessionEnded({ user: { id: 'a' } }, now)).toBeNull()
  })
})

describe('SessionWatcher', () => {
  it('reads each distinct session once per round, and reports the ended ones with their users', async () => {
    const sessions = new Map<string, unknown>([
      ['live', { user: { id: 'alice' } }],
      ['switched', { user: { id: 'mallory' } }],
    ])
    const { store, reads } = scriptedStore(sessions)
    const watched: WatchedSession[] = [
      { sessionId: 'live', store, userIds: ['alice'] },
      { sessionId: 'gone', store, userIds: ['bob'] },
      { sessionId: 'switched', store, userIds: ['carol'] },
    ]
    const ended: Array<[string, readonly string[], string]> = []
    const watcher = new SessionWatcher({
      intervalMs: 1000,
      sessions: () => watched,
      belongsTo: (session, userId) => (session.user as { id: string }).id === userId,
      onEnded: (sid, users, why) => void ended.push([sid, users, why]),
    })
    expect(await settled(watcher.check())).toEqual({ reads: 3, ended: 2, errors: 0 })
    expect(reads.sort()).toEqual(['gone', 'live', 'switched'])
    expect(ended).toEqual(
      expect.arrayContaining([
        ['gone', ['bob'], 'session ended (logged out or expired)'],
        ['switched', ['carol'], 'logged out'],
      ]),
    )
  })

  it('treats a store answering ENOENT (session-file-store) as a missing session, like express-session does', async () => {
    const store: SessionStoreLike = {
      get(_sid, callback) {
        setTimeout(() => callback(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })), 1)
      },
    }
    const ended: string[] = []
    const errors: unknown[] = []
    const watcher = new SessionWatcher({
      intervalMs: 1000,
      sessions: () => [{ sessionId: 'filed', store, userIds: ['alice'] }],
      onEnded: (sid) => void ended.push(sid),
      onStoreError: (error) => void errors.push(error),
    })
    expect(await settled(watcher.check())).toEqual({ reads: 1, ended: 1, errors: 0 })
    expect(ended).toEqual(['filed'])
    expect(errors).toEqual([])
  })

  it('keeps a bounded number of reads in flight', async () => {
    const { store, reads, maxInFlight } = scriptedStore(new Map(), { delayMs: 10 })
    const watched = Array.from({ length: 50 }, (_, i) => ({ sessionId: `s${i}`, store, userIds: ['u'] }))
    const watcher = new SessionWatcher({
      intervalMs: 1000,
      sessions: () => watched,
      onEnded: () => undefined,
      concurrency: 4,
    })
    const round = await settled(watcher.check())
    expect(round).toEqual({ reads: 50, ended: 50, errors: 0 })
    expect(new Set(reads).size).toBe(50)
    expect(maxInFlight()).toBe(4)
  })

  it('closes nothing when the store fails or does not answer, and reports it once per round', async () => {
    for (const options of [{ fail: true }, { hang: true }]) {
      const { store } = scriptedStore(new Map(), options)
      const ended: string[] = []
      const errors: unknown[] = []
      const watcher = new SessionWatcher({
        intervalMs: 1000,
        timeoutMs: 100,
        sessions: () => [1, 2, 3].map((i) => ({ sessionId: `s${i}`, store, userIds: ['u'] })),
        onEnded: (sid) => void ended.push(sid),
        onStoreError: (error) => void errors.push(error),
      })
      expect(await settled(watcher.check())).toEqual({ reads: 3, ended: 0, errors: 3 })
      expect(ended).toEqual([])
      expect(errors).toHaveLength(1)
    }
  })

  it('runs rounds every interval once started, never two at once, and stops', async () => {
    let rounds = 0
    let inRound = 0
    let overlapped = false
    const store: SessionStoreLike = {
      get(_sid, callback) {
        inRound += 1
        if (inRound > 1) overlapped = true
        setTimeout(() => {
          inRound -= 1
          callback(null, { ok: true })
        }, 30)
      },
    }
    const watcher = new SessionWatcher({
      intervalMs: 50,
      sessions: () => {
        rounds += 1
        return [{ sessionId: 's', store, userIds: ['u'] }]
      },
      onEnded: () => undefined,
    })
    watcher.start()
    await vi.advanceTimersByTimeAsync(420)
    watcher.stop()
    const seen = rounds
    expect(seen).toBeGreaterThanOrEqual(4)
    expect(seen).toBeLessThanOrEqual(9)
    expect(overlapped).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(rounds).toBe(seen)
  })

  it('survives an onEnded that throws, and keeps checking the rest', async () => {
    const { store } = scriptedStore(new Map())
    const seen: string[] = []
    const watcher = new SessionWatcher({
      intervalMs: 1000,
      concurrency: 1,
      sessions: () => ['a', 'b'].map((sessionId) => ({ sessionId, store, userIds: ['u'] })),
      onEnded: (sid) => {
        seen.push(sid)
        throw new Error('boom')
      },
    })
    expect(await settled(watcher.check())).toMatchObject({ reads: 2, ended: 2 })
    expect(seen).toEqual(['a', 'b'])
  })
})
