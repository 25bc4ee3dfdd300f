// Proves the real-gateway harness: the install (or its reuse), our fake model, the real OpenClaw
// gateway started offline against it, and the official GatewayClient talking to it. One gateway
// for the whole file (a start costs 10–25 s on a 2-core machine).
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive } from './child-cleanup.js'
import { ensureRealGatewayInstalled, type EnsureInstalledResult } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { chatText, connectOperator, type OperatorClient } from './operator-client.js'
import { gatewayLockDir } from './state-lock-files.js'

const timings: Record<string, number> = {}
let install: EnsureInstalledResult
let model: FakeModel
let gateway: RealGateway
let operator: OperatorClient
let lockFilesBefore: string[] = []
const lockFiles = () => {
  try {
    return readdirSync(gatewayLockDir())
  } catch {
    return []
  }
}

beforeAll(async () => {
  install = await ensureRealGatewayInstalled()
  timings.installMs = install.durationMs
  model = await startFakeModel()
  lockFilesBefore = lockFiles()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  timings.gatewayStartMs = gateway.startMs
  operator = await connectOperator({ url: gateway.url, token: gateway.token })
}, 240_000)

afterAll(async () => {
  await operator?.close()
  await gateway?.stop()
  await model?.stop()
  console.log(`[real-gateway harness] timings: ${JSON.stringify(timings)}`)
})

describe('install', () => {
  it('put a Node 24 and openclaw into the cache folder outside the clone', () => {
    const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
    expect(install.paths.cacheDir.startsWith(repoRoot)).toBe(false)
    expect(existsSync(install.paths.nodeBin)).toBe(true)
    expect(existsSync(install.paths.openclawEntry)).toBe(true)
    expect(existsSync(install.paths.markerPath)).toBe(true)
    expect(install.output).toMatch(/(reusing|installed) /)
  })
})

describe('real gateway', () => {
  it('is the pinned release, on loopback, and answered hello-ok', () => {
    expect(gateway.serverVersion).toBe('2026.9.6')
    expect(gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(operator.hello.type).toBe('hello-ok')
    expect(gateway.startMs).toBeGreaterThan(0)
  })

  it('streams chat.send deltas to a final whose text is the fake model reply', async () => {
    const text = 'hello from the harness'
    const runId = await operator.sendChat('clawchat:harness:main', text)
    const final = await operator.waitForChat(runId, ['final', 'error'], 60_000)
    expect(final.state).toBe('final')
    expect(chatText(final)).toBe(fakeModelReply(text))
    expect(chatText(final)).toBe('ECHO<<hello from the harness>>')
    expect(final.sessionKey).toBe('agent:main:clawchat:harness:main')
    const deltas = operator.chatEvents(runId).filter((e) => e.state === 'delta')
    expect(deltas.length).toBeGreaterThan(0)
    // The gateway called our model, once, streaming, with that message.
    const req = await model.waitForChatRequest(text, 1000)
    expect(req.stream).toBe(true)
    expect(req.path).toBe('/v1/chat/completions')
    expect(model.chatRequests().filter((r) => r.lastUserText.includes(text))).toHaveLength(1)
  })

  it('surfaces a [[FAIL]] (HTTP 400) model reply as a chat error within ~10 s', async () => {
    const t0 = Date.now()
    const runId = await operator.sendChat('clawchat:harness:fail', 'this one fails [[FAIL]]')
    const error = await operator.waitForChat(runId, ['error', 'final'], 15_000)
    const elapsed = Date.now() - t0
    timings.failToErrorMs = elapsed
    expect(error.state).toBe('error')
    expect(typeof error.errorMessage).toBe('string')
    expect(elapsed).toBeLessThan(10_000)
    expect(model.chatRequests().filter((r) => r.lastUserText.includes('this one fails'))).toHaveLength(1)
  })

  it('aborts a slow stream with chat.abort: state "aborted" and the model stream is cut', async () => {
    const sessionKey = 'clawchat:harness:slow'
    const runId = await operator.sendChat(sessionKey, 'take your time [[SLOW:40x250]]')
    await operator.waitForChat(runId, ['delta'], 60_000)
    const res = await operator.client.request<{ ok: boolean; aborted: boolean; runIds: string[] }>('chat.abort', {
      sessionKey,
      runId,
    })
    expect(res.aborted).toBe(true)
    const aborted = await operator.waitForChat(runId, ['aborted', 'final', 'error'], 15_000)
    expect(aborted.state).toBe('aborted')
    expect(chatText(aborted)).toMatch(/^chunk01/)
    await expect
      .poll(() => model.chatRequests().find((r) => r.lastUserText.includes('take your time'))?.outcome, {
        timeout: 10_000,
      })
      .toBe('client-closed')
  })

  it('restarts on the same port and state folder', async () => {
    const oldPid = gateway.pid
    const oldBoot = gateway.bootId
    await operator.close()
    await gateway.restart()
    timings.gatewayRestartMs = gateway.startMs
    expect(isAlive(oldPid)).toBe(false)
    expect(gateway.pid).not.toBe(oldPid)
    expect(gateway.bootId).not.toBe(oldBoot)
    operator = await connectOperator({ url: gateway.url, token: gateway.token })
    // The state survived: the first test's session still has its messages.
    const history = await operator.client.request<{ messages: unknown[] }>('chat.history', {
      sessionKey: 'clawchat:harness:main',
    })
    expect(history.messages.length).toBeGreaterThanOrEqual(2)
  })

  it('keeps the token out of its log tails', () => {
    expect(gateway.logTail(200)).not.toContain(gateway.token)
  })

  it('stop() leaves no process (and no temp or lock file) behind', async () => {
    const pid = gateway.pid
    await operator.close()
    const t0 = Date.now()
    await gateway.stop()
    timings.gatewayStopMs = Date.now() - t0
    expect(isAlive(pid)).toBe(false)
    expect(isAlive(pid, { group: true })).toBe(false)
    expect(gateway.isRunning()).toBe(false)
    expect(existsSync(gateway.tempDir)).toBe(false)
    // …and no lock file of its databases in /tmp/openclaw-state-locks-<uid>/.
    expect(lockFiles().filter((f) => !lockFilesBefore.includes(f))).toEqual([])
  })
})
