/**
 * Issue 22.1: `GET`/`HEAD <path>/healthz` and `<path>/readyz`, answered by the proxy's middleware in
 * the app a ClawChat user writes (Express, express-session, the mock gateway): liveness while the
 * proxy serves and `closing` after `close()`; readiness follows the gateway link (down when the
 * gateway is stopped, ready again once it is back) and the session store; HEAD, 405; and no answer
 * ever carries the token, a user id or a session id.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

interface ProbeAnswer {
  status: number
  headers: Headers
  text: string
  body: any
}

/** Every probe answer a test got, to scan for leaks. */
const answers: string[] = []

async function probe(path: string, method = 'GET'): Promise<ProbeAnswer> {
  const res = await fetch(`${h!.baseUrl}${path}`, { method })
  const text = await res.text()
  answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`)
  const json = text !== '' && /^application\/json/.test(res.headers.get('content-type') ?? '')
  return { status: res.status, headers: res.headers, text, body: json ? JSON.parse(text) : undefined }
}

/** The ids of the sessions in the app's MemoryStore. */
function storedSessionIds(h: Harness): string[] {
  return Object.keys((h.store as unknown as { sessions: Record<string, unknown> }).sessions)
}

function expectNoLeak(h: Harness, ...secrets: string[]): void {
  for (const answer of answers) {
    expect(answer).not.toContain(h.token)
    for (const secret of secrets) expect(answer).not.toContain(secret)
  }
}

describe('probes on the proxy path', () => {
  it('healthz is 200 while serving and 503 closing once close() began; JSON, no-store', async () => {
    h = await startHarness({ noGateway: true })
    const live = await probe('/clawchat/healthz')
    expect(live.status).toBe(200)
    expect(live.body).toEqual({ status: 'ok' })
    expect(live.headers.get('content-type')).toMatch(/^application\/json/)
    expect(live.headers.get('cache-control')).toBe('no-store')

    await h.proxy.close()
    const closing = await probe('/clawchat/healthz')
    expect(closing.status).toBe(503)
    expect(closing.body).toEqual({ status: 'closing' })
    const ready = await probe('/clawchat/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ status: 'not ready', reason: 'the proxy is closing' })
  })

  it('readyz: connecting → ready (store unknown yet, then ok) → down when the gateway stops → ready again', async () => {
    h = await startHarness({ noGateway: true })
    const connecting = await probe('/clawchat/readyz')
    expect(connecting.status).toBe(503)
    // The gateway's port refuses connections: the first attempt may already have failed.
    expect(connecting.body).toEqual({
      status: 'not ready',
      reason: expect.stringMatching(/^the gateway link is (connecting|down; the proxy is reconnecting)$/),
      checks: {
        gateway: expect.stringMatching(/^(connecting|down)$/),
        admission: 'accepting',
        sessionStore: 'unknown yet',
      },
    })

    await h.startGateway()
    await h.waitForLinkUp()
    const up = await probe('/clawchat/readyz')
    expect(up.status).toBe(200)
    // The app runs express-session after the proxy: the store is met at the first upgrade.
    expect(up.body).toEqual({
      status: 'ready',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unknown yet' },
    })
    const alice = await h.connectAs({ id: 'alice-42' })
    const withStore = await probe('/clawchat/readyz')
    expect(withStore.status).toBe(200)
    expect(withStore.body.checks).toEqual({ gateway: 'up', admission: 'accepting', sessionStore: 'ok' })

    await h.gateway!.close()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'down')
    const down = await probe('/clawchat/readyz')
    expect(down.status).toBe(503)
    expect(down.body.status).toBe('not ready')
    expect(['connecting', 'down']).toContain(down.body.checks.gateway)
    expect(down.body.reason).toMatch(/^the gateway link is (connecting|down; the proxy is reconnecting)$/)
    expect(down.body.checks.sessionStore).toBe('ok')
    // Liveness is not readiness: the process still serves.
    expect((await probe('/clawchat/healthz')).status).toBe(200)

    await h.gateway!.restart()
    await alice.waitForEvent('clawchat.gateway', (p) => p.state === 'up')
    const back = await probe('/clawchat/readyz')
    expect(back.status).toBe(200)
    expect(back.body.status).toBe('ready')
    expectNoLeak(h, 'alice-42', ...storedSessionIds(h))
  })

  it('readyz is 503 naming the store when the session store fails a read, and ready once it answers', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    await h.connectAs({ id: 'bob-7' })
    const sessionIds = storedSessionIds(h)
    expect(sessionIds.length).toBeGreaterThan(0)
    h.breakStore()
    const broken = await probe('/clawchat/readyz')
    expect(broken.status).toBe(503)
    expect(broken.body).toEqual({
      status: 'not ready',
      reason: 'the session store failed a read',
      checks: { gateway: 'up', admission: 'accepting', sessionStore: 'unreachable' },
    })
    expectNoLeak(h, 'bob-7', ...sessionIds)
  })

  it("readyz is 503 while the gateway's host suspends it, and ready again once it resumes", async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    expect((await probe('/clawchat/readyz')).status).toBe(200)
    h.gateway!.suspend()
    const suspended = await waitFor(
      async () => {
        const answer = await probe('/clawchat/readyz')
        return answer.body.checks.admission === 'prepared' ? answer : undefined
      },
      5000,
      'readyz to report the suspension',
    )
    expect(suspended.status).toBe(503)
    expect(suspended.body).toMatchObject({ status: 'not ready', checks: { gateway: 'up', admission: 'prepared' } })
    expect(suspended.body.reason).toMatch(/suspended/)
    expect(h.gateway!.resumeFromSuspension()).toBe(true)
    const resumed = await waitFor(
      async () => {
        const answer = await probe('/clawchat/readyz')
        return answer.status === 200 ? answer : undefined
      },
      5000,
      'readyz to be ready again',
    )
    expect(resumed.body.checks.admission).toBe('accepting')
  })

  it('HEAD answers status and headers without a body; other methods 405 with Allow; no session needed', async () => {
    h = await startHarness()
    await h.waitForLinkUp()
    const head = await probe('/clawchat/healthz', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    expect(head.headers.get('cache-control')).toBe('no-store')
    expect(head.headers.get('content-type')).toMatch(/^application\/json/)
    const headReady = await probe('/clawchat/readyz', 'HEAD')
    expect(headReady.status).toBe(200)
    expect(headReady.text).toBe('')

    for (const path of ['/clawchat/healthz', '/clawchat/readyz']) {
      const post = await probe(path, 'POST')
      expect(post.status).toBe(405)
      expect(post.headers.get('allow')).toBe('GET, HEAD')
      expect(post.body).toEqual({ error: `use GET or HEAD ${path}` })
    }
    // Other paths are not probes: passed on to the app (404 from Express).
    expect((await probe('/clawchat/healthz/x')).status).toBe(404)
    expect((await probe('/healthz')).status).toBe(404)
  })
})
