/**
 * A clean stop or restart, as the real gateway drains (fixtures/recorded/shutdown-drain.json,
 * recorded by e2e/real-gateway/shutdown-probe.test.ts): from the start of `close()`/`restart()` every
 * request gets the recorded `UNAVAILABLE` "<method> unavailable during gateway restart" (retryable),
 * a new WebSocket gets HTTP 503, the runs accepted before finish, then `shutdown` and 1012. So no
 * `chat.send` is ever acknowledged and then forgotten (issue 16.10: 499 of 20,000 were).
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { MockAgent } from '../src/index.js'
import { Harness, until } from './helpers/harness.js'

const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/shutdown-drain.json', import.meta.url), 'utf8'))

const h = new Harness()
afterEach(() => h.cleanup())

/** Twelve chunks, one every `ms`: long enough to still run while the test talks to the draining gateway. */
const slowAgent = (ms: number): MockAgent =>
  async function* (message) {
    for (let i = 1; i <= 12; i++) {
      await sleep(ms)
      yield `chunk${String(i).padStart(2, '0')} `
    }
    yield `ECHO<<${message}>>`
  }

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
function upgradeStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.once('open', () => {
      ws.terminate()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    ws.once('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message))
  })
}

describe('while the gateway drains for a stop or restart', () => {
  it('answers every request with the recorded UNAVAILABLE, starts nothing, and lets the running run finish first', async () => {
    const gw = await h.gateway({ agent: slowAgent(40), shutdownGraceMs: 10_000 })
    const c = await h.connected(gw)
    await c.request('chat.send', {
      sessionKey: 'clawchat:probe:slow',
      message: 'streaming at SIGTERM',
      idempotencyKey: 'slow-1',
    })
    await c.event('chat', (p) => p.runId === 'slow-1' && p.state === 'delta', 10_000)
    const restarting = gw.restart()
    await until(() => !gw.listening, 5000, 'the drain to start')

    const answers = await Promise.all(
      recorded.refusals.map((r: { request: { method: string; params: unknown } }) =>
        c.request(r.request.method, r.request.params, undefined, 10_000),
      ),
    )
    for (const [i, answer] of answers.entries()) {
      const real = recorded.refusals[i].response
      expect(answer.ok).toBe(false)
      expect(answer.error).toEqual(real.error)
      // Same fields in the same order as the real frame.
      expect(Object.keys(answer.error)).toEqual(Object.keys(real.error))
    }
    expect(await upgradeStatus(gw.url)).toBe(503)
    expect(recorded.newWebSocketDuringDrain.error).toBe('upgrade refused: HTTP 503')

    const close = await c.closed
    await restarting
    expect(close).toEqual(recorded.close)
    const runsSeen = new Set(c.events('chat').map((e) => e.payload.runId))
    expect(runsSeen).toEqual(new Set(['slow-1']))
    const final = c.frames.findIndex(
      (f) => f.event === 'chat' && f.payload.runId === 'slow-1' && f.payload.state === 'final',
    )
    const shutdown = c.frames.findIndex((f) => f.event === 'shutdown')
    expect(final).toBeGreaterThan(-1)
    expect(shutdown).toBeGreaterThan(final)
    expect(c.frames[shutdown].payload).toEqual({
      ...recorded.shutdown.payload,
      reason: 'gateway restarting',
      restartExpectedMs: 0,
    })

    // After the restart: the message that was refused is not stored; sent again with its key it runs.
    const b = await h.connected(gw)
    const refusedSend = recorded.refusals.find((r: { request: { method: string } }) => r.request.method === 'chat.send')
      .request.params
    expect((await b.request('chat.history', { sessionKey: refusedSend.sessionKey })).payload.messages).toEqual(
      recorded.afterRestart.historyOfTheRefusedSends,
    )
    const again = await b.request('chat.send', refusedSend)
    expect(again.payload).toEqual({
      runId: refusedSend.idempotencyKey,
      status: recorded.afterRestart.refusedKeySentAgain.response.payload.status,
    })
    const end = await b.event(
      'chat',
      (p) => p.runId === refusedSend.idempotencyKey && ['final', 'error', 'aborted'].includes(p.state),
      10_000,
    )
    expect(end.payload.state).toBe(recorded.afterRestart.refusedKeySentAgain.terminal)
    const slow = (await b.request('chat.history', { sessionKey: 'clawchat:probe:slow' })).payload.messages
    expect(slow.map((m: { role: string }) => m.role)).toEqual(
      recorded.afterRestart.historyOfTheRunThatStreamed.map((m: { role: string }) => m.role),
    )
  })

  it('never acknowledges a chat.send it then forgets: whatever arrives until the close is refused, every acknowledged run ends', async () => {
    const gw = await h.gateway({ agent: slowAgent(5), shutdownGraceMs: 10_000 })
    const c = await h.connected(gw)
    const answers: Array<Promise<any>> = []
    let n = 0
    const send = () =>
      answers.push(
        c
          .request(
            'chat.send',
            { sessionKey: 'clawchat:burst:main', message: `m${++n}`, idempotencyKey: `burst-${n}` },
            undefined,
            15_000,
          )
          .catch(() => undefined),
      )
    for (let i = 0; i < 20; i++) send()
    await c.event('chat', (p) => p.state === 'delta')
    const closing = gw.close()
    let open = true
    void c.closed.then(() => (open = false))
    // Keep sending until the socket closes, as a busy proxy would.
    while (open) {
      send()
      await Promise.race([c.closed, sleep(2)])
    }
    await closing
    const settled = (await Promise.all(answers)).filter((a) => a !== undefined)
    const acked = settled.filter((a) => a.ok).map((a) => a.payload.runId)
    const refused = settled.filter((a) => !a.ok)
    expect(acked.length).toBeGreaterThan(0)
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused)
      expect(r.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { reason: 'gateway-restarting' } })
    const ended = new Set(
      c
        .events('chat')
        .filter((e) => e.payload.state === 'final')
        .map((e) => e.payload.runId),
    )
    for (const runId of acked) expect(ended.has(runId), `acknowledged run ${runId} ended before the close`).toBe(true)
  })

  it('a key answered before a restart runs again after it (the dedupe cache is in memory), but its message is stored once', async () => {
    const gw = await h.gateway({ agent: (m) => [`ECHO<<${m}>>`] })
    const a = await h.connected(gw)
    const params = {
      sessionKey: 'clawchat:probe:done',
      message: 'finished before the restart',
      idempotencyKey: 'done-1',
    }
    await a.request('chat.send', params)
    await a.event('chat', (p) => p.runId === 'done-1' && p.state === 'final')
    await gw.restart()
    const b = await h.connected(gw)
    const again = await b.request('chat.send', params)
    expect(again.payload.status).toBe(recorded.afterRestart.finishedKeySentAgain.response.payload.status)
    await b.event('chat', (p) => p.runId === 'done-1' && p.state === 'final')
    const rows = (await b.request('chat.history', { sessionKey: params.sessionKey })).payload.messages
    const real = recorded.afterRestart.finishedKeySentAgain.history
    expect(rows.map((m: { role: string }) => m.role)).toEqual(real.map((m: { role: string }) => m.role))
    expect(rows.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1)
  })
})
