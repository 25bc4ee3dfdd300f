// The real gateway during a clean shutdown (SIGTERM): what it answers to requests that arrive
// while it drains, what history holds after the restart, and whether a key it already answered
// runs again after the restart (its dedupe cache lives in memory). The mock does the same
// (packages/mock-gateway/test/shutdown-drain.test.ts, from test/fixtures/recorded/shutdown-drain.json,
// which was cut from the transcript this writes to e2e/artifacts/real-gateway/shutdown-probe.json).
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { probeShutdown, type ShutdownProbeResult } from './shutdown-probe.js'

let model: FakeModel
let gateway: RealGateway
let result: ShutdownProbeResult

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl, readyTimeoutMs: 240_000 })
  result = await probeShutdown(gateway)
  const dir = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}shutdown-probe.json`, JSON.stringify(result, null, 2))
}, 900_000)

afterAll(async () => {
  await gateway?.stop()
  await model?.stop()
})

describe('a clean shutdown (SIGTERM) of the real gateway', () => {
  it('refuses every request from SIGTERM on: UNAVAILABLE "<method> unavailable during gateway restart", retryable after 1 s', () => {
    const answered = result.duringDrain.filter((r) => r.response)
    expect(answered.length).toBeGreaterThanOrEqual(3)
    for (const r of answered) {
      expect(r.response!.ok).toBe(false)
      expect(r.response!.error).toEqual({
        code: 'UNAVAILABLE',
        message: `${r.method} unavailable during gateway restart`,
        retryable: true,
        retryAfterMs: 1000,
        details: { method: r.method, reason: 'gateway-restarting', phase: 'accepting' },
      })
    }
    expect(new Set(answered.map((r) => r.method))).toEqual(new Set(['chat.send', 'chat.history', 'sessions.list']))
  })

  it('lets the run that was streaming finish, then sends shutdown and closes 1012', () => {
    expect(result.inFlight.terminal).toBe('final')
    expect(result.shutdownEvent).toEqual({ reason: 'gateway stopping' })
    expect(result.close).toEqual({ code: 1012, reason: 'service restart' })
    const finalAt = result.drainFrames.findIndex(
      (f) => f.event === 'chat' && f.payload?.state === 'final' && f.payload?.runId === result.inFlight.runId,
    )
    const shutdownAt = result.drainFrames.findIndex((f) => f.event === 'shutdown')
    expect(finalAt).toBeGreaterThanOrEqual(0)
    expect(shutdownAt).toBeGreaterThan(finalAt)
  })

  it('answers a new WebSocket during the drain with HTTP 503', () => {
    expect(result.newConnection).toMatchObject({ opened: false, error: 'upgrade refused: HTTP 503' })
  })

  it('after the restart: the finished run is in the history once, a refused message is not there and runs when sent again with its key', () => {
    expect(result.after.inFlightHistory.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(result.after.inFlightHistory[1]).toMatchObject({ runId: result.inFlight.runId, stopReason: 'stop' })
    expect(result.after.refusedHistory).toEqual([])
    expect(result.after.refusedResend.payload?.status).toBe('started')
    expect(result.after.refusedResendTerminal).toBe('final')
  })

  it('forgets its dedupe cache in a restart: a key answered before it starts a second run after it', () => {
    expect(result.after.finishedResend.payload?.status).toBe('started')
    const replies = result.after.finishedResendHistory.filter((m) => m.role === 'assistant')
    expect(replies).toHaveLength(2)
    expect(replies.every((m) => m.text === replies[0]!.text)).toBe(true)
    expect(replies[0]!.text).toBe(fakeModelReply(result.after.finishedResendHistory[0]!.text))
  })
})
