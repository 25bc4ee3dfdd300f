// ClawChat on the REAL gateway, in Node: an Express app with express-session and POST /login,
// `clawchatProxy` in front of the real OpenClaw gateway, and `@clawchat/client` with a `ws`
// WebSocket that carries the login cookie. Chat streamed to final, history after a reload, abort,
// a model failure, two users at once with nothing crossing, and the token in nothing the browser
// side received. One gateway, one app for the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClawChatRunError, type ClawChat } from '@clawchat/client'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream, findSecret, historyLines, nextEvent, sleep } from './sdk-helpers.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
/** Everything every SDK instance of this file received (frames and HTTP bodies). */
const records: BrowserSideRecord[] = []
const clients: ClawChat[] = []

/** A logged-in SDK instance; its traffic joins `records`. */
async function userClient(
  id: string,
  cookie?: string,
): Promise<{ chat: ClawChat; record: BrowserSideRecord; cookie: string }> {
  const c = cookie ?? (await app.login({ id, name: id }))
  const record: BrowserSideRecord = { frames: [], http: [] }
  records.push(record)
  const chat = sdkClient(app.wsUrl, c, record)
  clients.push(chat)
  await chat.ready
  return { chat, record, cookie: c }
}

/** How many times the model was asked to answer exactly `text` (markers included). */
const modelCalls = (text: string) => model.chatRequests().filter((r) => r.userText === text).length

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  console.log(`[proxy sdk] real gateway started in ${gateway.startMs} ms`)
  app = await startProxyApp({ gatewayUrl: gateway.url, token: gateway.token })
  await app.waitForLinkUp()
}, 240_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

describe('one user through the proxy', () => {
  let alice: { chat: ClawChat; record: BrowserSideRecord; cookie: string }
  const first = 'hello real gateway, through the proxy'
  beforeAll(async () => {
    alice = await userClient('alice')
  })

  it('streams a reply to final', async () => {
    expect(alice.chat.user?.id).toBe('alice')
    expect(alice.chat.sessionKey).toBe('main')
    const parts = await collectStream(alice.chat.stream(first))
    const final = parts.at(-1)!
    expect(final.state).toBe('final')
    expect(final.text).toBe(fakeModelReply(first))
    expect(final.sessionKey).toBe('main')
    expect(parts.slice(0, -1).every((p) => p.state === 'delta')).toBe(true)
    expect(parts.map((p) => p.deltaText).join('')).toBe(final.text)
    expect(new Set(parts.map((p) => p.runId)).size).toBe(1)
    expect(modelCalls(first)).toBe(1)
  })

  it('shows the previous exchange to a new SDK instance (a reload) through chat.history', async () => {
    alice.chat.close()
    const reloaded = await userClient('alice', alice.cookie)
    expect(await historyLines(reloaded.chat, 'main')).toEqual([`user: ${first}`, `assistant: ${fakeModelReply(first)}`])
    // The rows carry no upstream identifiers.
    const raw = JSON.stringify(await reloaded.chat.history({ sessionKey: 'main' }))
    for (const leak of ['agent:main:', '__openclaw', 'sessionId', 'idempotencyKey']) expect(raw).not.toContain(leak)
    alice = reloaded
  })

  it('aborts a slow stream when its signal fires, and the model stream is cut', async () => {
    const text = 'abort me [[SLOW:40x250]]'
    const controller = new AbortController()
    const stream = collectStream(alice.chat.stream(text, { sessionKey: 'slow', signal: controller.signal }), (p) => {
      if (p.state === 'delta') controller.abort()
    })
    await expect(stream).rejects.toMatchObject({ name: 'AbortError' })
    await expect
      .poll(() => model.chatRequests().find((r) => r.userText === text)?.outcome, { timeout: 15_000 })
      .toBe('client-closed')
    // The session is usable at once afterwards.
    const after = await collectStream(alice.chat.stream('after the abort', { sessionKey: 'slow' }))
    expect(after.at(-1)!.text).toBe(fakeModelReply('after the abort'))
  })

  it('aborts a run with chat.abort: the answer says so and the run ends "aborted"', async () => {
    const text = 'abort me by id [[SLOW:40x250]]'
    const { runId } = await alice.chat.send(text, { sessionKey: 'slow' })
    await nextEvent(alice.chat, 'chat', (p) => p.runId === runId && p.state === 'delta', 60_000)
    const ended = nextEvent(
      alice.chat,
      'chat',
      (p) => p.runId === runId && ['final', 'error', 'aborted'].includes(p.state),
      15_000,
    )
    const res = await alice.chat.abort({ sessionKey: 'slow', runId })
    expect(res).toMatchObject({ aborted: true, runIds: [runId] })
    expect(await ended).toMatchObject({ state: 'aborted', runId, sessionKey: 'slow' })
  })

  it('reports a model failure ([[FAIL]]) as a clear chat error, and the session still works', async () => {
    const t0 = Date.now()
    const failed = collectStream(alice.chat.stream('this one fails [[FAIL]]', { sessionKey: 'fails' }))
    const err = await failed.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ClawChatRunError)
    const runError = err as ClawChatRunError
    expect(runError.state).toBe('error')
    expect(runError.code).toBe('RUN_FAILED')
    expect(runError.retryable).toBe(false)
    // Clear: it says the model request failed and why (the gateway's words), and names no upstream key.
    expect(runError.message).toMatch(/LLM request failed: provider rejected the request/)
    expect(runError.message).not.toContain('agent:main:')
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(alice.chat.state).toBe('open')
    const next = await collectStream(alice.chat.stream('and now it works', { sessionKey: 'fails' }))
    expect(next.at(-1)!.text).toBe(fakeModelReply('and now it works'))
  })
})

describe('two users at once', () => {
  it('keep their events, lists, histories, aborts and idempotency keys apart', async () => {
    const alice = await userClient('alice-2')
    const bob = await userClient('bob-2')
    const seen = { alice: [] as any[], bob: [] as any[] }
    alice.chat.on('chat', (p) => seen.alice.push(p))
    alice.chat.on('agent', (p) => seen.alice.push(p))
    bob.chat.on('chat', (p) => seen.bob.push(p))
    bob.chat.on('agent', (p) => seen.bob.push(p))

    // Both stream at once, alice on two sessions.
    const aliceMain = 'alice-secret main [[SLOW:6x300]]'
    const aliceWork = 'alice-secret work [[SLOW:6x300]]'
    const bobMain = 'bob-secret main [[SLOW:6x300]]'
    const [am, aw, bm] = await Promise.all([
      collectStream(alice.chat.stream(aliceMain)),
      collectStream(alice.chat.stream(aliceWork, { sessionKey: 'work' })),
      collectStream(bob.chat.stream(bobMain)),
    ])
    expect(am.at(-1)!.text).toBe(fakeModelReply(aliceMain))
    expect(aw.at(-1)!.text).toBe(fakeModelReply(aliceWork))
    expect(bm.at(-1)!.text).toBe(fakeModelReply(bobMain))
    const aliceRuns = new Set([am[0]!.runId, aw[0]!.runId])
    const bobRuns = new Set([bm[0]!.runId])

    // Events: each saw only its own runs, under its own session names.
    expect(seen.alice.length).toBeGreaterThan(0)
    expect(seen.bob.length).toBeGreaterThan(0)
    expect(seen.alice.filter((p) => !aliceRuns.has(p.runId))).toEqual([])
    expect(seen.bob.filter((p) => !bobRuns.has(p.runId))).toEqual([])
    expect(new Set(seen.alice.map((p) => p.sessionKey))).toEqual(new Set(['main', 'work']))
    expect(new Set(seen.bob.map((p) => p.sessionKey))).toEqual(new Set(['main']))
    // Raw frames: nothing of the other user, no gateway key.
    expect(alice.record.frames.filter((f) => f.includes('bob-secret'))).toEqual([])
    expect(bob.record.frames.filter((f) => f.includes('alice-secret'))).toEqual([])
    for (const f of [...alice.record.frames, ...bob.record.frames]) expect(f).not.toContain('agent:main:')

    // Lists and histories: own sessions only.
    const keys = async (chat: ClawChat) =>
      (await chat.request('sessions.list', {})).sessions.map((s: { key: string }) => s.key).sort()
    expect(await keys(alice.chat)).toEqual(['main', 'work'])
    expect(await keys(bob.chat)).toEqual(['main'])
    expect(await historyLines(alice.chat, 'main')).toEqual([
      `user: ${aliceMain}`,
      `assistant: ${fakeModelReply(aliceMain)}`,
    ])
    expect(await historyLines(bob.chat, 'main')).toEqual([`user: ${bobMain}`, `assistant: ${fakeModelReply(bobMain)}`])

    // Abort: bob cannot abort alice's running run, by her run id or by the same session name.
    const slow = 'alice-secret keeps running [[SLOW:12x300]]'
    const running = collectStream(alice.chat.stream(slow))
    await nextEvent(alice.chat, 'chat', (p) => p.state === 'delta' && p.sessionKey === 'main', 60_000)
    const aliceRunId = seen.alice.find(
      (p) => p.state === 'delta' && p.sessionKey === 'main' && !aliceRuns.has(p.runId),
    )!.runId as string
    expect(await bob.chat.abort({ sessionKey: 'main', runId: aliceRunId })).toMatchObject({ aborted: false })
    expect(await bob.chat.abort({ sessionKey: 'main' })).toMatchObject({ aborted: false })
    const finished = await running
    expect(finished.at(-1)!.state).toBe('final')
    expect(finished.at(-1)!.text).toBe(fakeModelReply(slow))

    // Idempotency keys: bob reusing alice's key (and text) starts his own run, never her cached one.
    const echo = 'shared words'
    const aliceSend = await alice.chat.request('chat.send', {
      sessionKey: 'main',
      message: echo,
      idempotencyKey: 'same-key-1',
    })
    expect(aliceSend).toMatchObject({ runId: 'same-key-1', status: 'started' })
    await nextEvent(alice.chat, 'chat', (p) => p.runId === 'same-key-1' && p.state === 'final', 60_000)
    const bobFinal = nextEvent(bob.chat, 'chat', (p) => p.runId === 'same-key-1' && p.state === 'final', 60_000)
    const bobSend = await bob.chat.request('chat.send', {
      sessionKey: 'main',
      message: echo,
      idempotencyKey: 'same-key-1',
    })
    expect(bobSend).toMatchObject({ runId: 'same-key-1', status: 'started' })
    expect((await bobFinal).sessionKey).toBe('main')
    expect(modelCalls(echo)).toBe(2)
    await sleep(500)
    expect(seen.alice.filter((p) => p.runId === 'same-key-1' && p.state === 'final')).toHaveLength(1)
    expect(seen.bob.filter((p) => p.runId === 'same-key-1' && p.state === 'final')).toHaveLength(1)
    // …while alice repeating her own key is deduplicated.
    expect(
      await alice.chat.request('chat.send', { sessionKey: 'main', message: echo, idempotencyKey: 'same-key-1' }),
    ).toMatchObject({ status: 'ok' })
    expect(modelCalls(echo)).toBe(2)
    expect((await historyLines(bob.chat, 'main')).filter((l) => l.includes('alice-secret'))).toEqual([])
  })
})

describe('gateway text commands (issue 16.0)', () => {
  // The link is operator.admin: without suppressCommandInterpretation the gateway would run these
  // with that authority (measured: /status answered with version, uptime and auth mode).
  it.each(['/status', '/model x -g', '/restart', '/approve 523e2af4-57b4 allow-once'])(
    "a plain user's %j reaches the model as plain text",
    async (message) => {
      const { chat } = await userClient('cmd-user')
      const sessionKey = `cmd-${message.slice(1, 7).replace(/[^a-z]/g, '')}`
      const parts = await collectStream(chat.stream(message, { sessionKey }))
      const final = parts.at(-1)!
      expect(final.state).toBe('final')
      expect(final.text).toBe(fakeModelReply(message))
      expect(modelCalls(message)).toBe(1)
    },
  )
})

describe('the gateway token', () => {
  it('is in nothing the browser side received, nor in the proxy logs or audit', () => {
    const frames = records.flatMap((r) => r.frames)
    const http = records.flatMap((r) => r.http)
    expect(frames.length).toBeGreaterThan(50)
    expect(findSecret(frames, gateway.token)).toEqual([])
    expect(findSecret(http, gateway.token)).toEqual([])
    expect(app.captured.logs.length).toBeGreaterThan(0)
    expect(findSecret(app.captured.logs, gateway.token)).toEqual([])
    expect(findSecret(app.captured.audit, gateway.token)).toEqual([])
    // The check itself works: the token is findable where it is.
    expect(findSecret([`x${gateway.token}x`], gateway.token)).toHaveLength(1)
  })
})
