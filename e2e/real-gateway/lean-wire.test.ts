// Issue 19, the lean wire, on the REAL gateway: what the gateway's chat deltas are (the facts the
// lean wire rests on), then one user with two clients through `clawchatProxy` at once — the SDK
// (which names `clawchat.lean`) and an OpenClaw-protocol client that does not — watching the same
// runs: the same text byte for byte, the lean socket's frames (compact deltas, no `assistant`
// twins, a final with `textCheck`), its bytes per reply character against OpenClaw's, and the same
// text after a `replace` (a cut model stream the gateway retries), a reconnect mid-stream, a gap
// (`clawchat.runs`) and a corrupted delta (the final's check fails: history). One gateway for the
// file. Measurements go to e2e/artifacts/real-gateway/lean-wire-facts.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClawChat, type StreamPart } from '@clawchat/client'
import { matchesCheck } from '@clawchat/protocol'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { chatText, connectOperator, type ChatEventPayload, type OperatorClient } from './operator-client.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { RawWs } from './raw-ws.js'
import { cookieFetch, type BrowserSideRecord } from './sdk-client.js'
import { collectStream } from './sdk-helpers.js'
import { joinDeltas, parseFrame, runOnWire, watchSockets, type RunOnWire, type SocketWatch } from './wire-watch.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const measured: Record<string, unknown> = {}

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
let operator: OperatorClient
let cookie: string
/** The user's SDK (lean) and its sockets. */
let sdk: ClawChat
let watch: SocketWatch
/** The same user's OpenClaw-protocol client through the proxy (no lean cap). */
let openclaw: RawWs

/** An OpenClaw-protocol client (OpenClaw's web chat shape, caps without `clawchat.lean`) through the proxy. */
async function openClawClient(): Promise<RawWs> {
  const c = await RawWs.open(app.wsUrl, { headers: { Cookie: cookie } })
  await c.waitFor((f) => f.type === 'event' && f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const res = await c.request('connect', {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: 'webchat-ui', version: '2026.9.6', platform: 'web', mode: 'webchat' },
    caps: ['tool-events'],
  })
  if (res.ok !== true) throw new Error(`connect refused: ${JSON.stringify(res.error)}`)
  await c.waitFor((f) => f.type === 'event' && f.event === 'clawchat.session', 10_000, 'clawchat.session')
  return c
}

/** The OpenClaw client's `chat` payloads of a run. */
const openClawChat = (runId: string) =>
  openclaw.frames.filter((f) => f.event === 'chat' && f.payload?.runId === runId).map((f) => f.payload)
const openClawFinal = (runId: string) =>
  openclaw.waitFor(
    (f) => f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state),
    90_000,
    `the OpenClaw client's end of run ${runId}`,
  )

/** Streams `text` with the SDK; the parts, the run id, and the OpenClaw client's final for the same run. */
async function streamBoth(text: string, sessionKey: string, onPart?: (p: StreamPart) => void) {
  const parts = await collectStream(sdk.stream(text, { sessionKey }), onPart)
  const runId = parts[0]!.runId
  const final = (await openClawFinal(runId)).payload as ChatEventPayload
  return { parts, runId, sdkFinal: parts.at(-1)!, openClawText: chatText(final), openClawFinal: final }
}

/**
 * The reply the fake model gave in full to a `[[CUTONCE:<id>]]` message: the gateway's retry after
 * the cut rewrites the user's text (measured: `[Queued user message from a previous active turn…]`
 * + the text + `Continue the current task…`), so the reply echoes that.
 */
function retriedReply(cutId: string): string {
  const done = model
    .chatRequests()
    .filter((r) => r.userText.includes(`[[CUTONCE:${cutId}]]`) && r.outcome === 'completed')
  if (done.length !== 1) throw new Error(`expected one completed model answer for cut ${cutId}, got ${done.length}`)
  return fakeModelReply(done[0]!.userText)
}

/** The lean socket frames of a run, all sockets together (each socket numbers runs on its own). */
const leanRun = (runId: string) => watch.sockets.map((s) => runOnWire(s.received, runId))

/** Bytes (and frames) of a run's frames by kind: compact, `chat:<state>`, `agent:<stream>`, other events. */
function bytesByKind(frames: RunOnWire['frames']): Record<string, { frames: number; bytes: number }> {
  const out: Record<string, { frames: number; bytes: number }> = {}
  for (const f of frames) {
    const p = f.parsed
    const kind =
      p.kind === 'compact'
        ? 'compact'
        : p.kind === 'event'
          ? `${p.event}:${String(p.payload.state ?? p.payload.stream ?? '')}`
          : 'other'
    const k = (out[kind] ??= { frames: 0, bytes: 0 })
    k.frames++
    k.bytes += f.bytes
  }
  return out
}

/** Asserts the SDK's reply to a run is the OpenClaw client's, byte for byte, and whole. */
function expectSameText(r: Awaited<ReturnType<typeof streamBoth>>, expected: string): void {
  expect(r.sdkFinal.state).toBe('final')
  expect(r.openClawFinal.state).toBe('final')
  expect(r.openClawText).toBe(expected)
  expect(r.sdkFinal.text).toBe(r.openClawText)
  expect(joinDeltas(r.parts)).toBe(r.openClawText)
}

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  console.log(`[lean wire] real gateway started in ${gateway.startMs} ms`)
  app = await startProxyApp({ gatewayUrl: gateway.url, token: gateway.token })
  await app.waitForLinkUp()
  operator = await connectOperator({ url: gateway.url, token: gateway.token })
  cookie = await app.login({ id: 'lena', name: 'Lena' })
  watch = watchSockets(cookie)
  const record: BrowserSideRecord = { frames: [], http: [] }
  sdk = new ClawChat({
    url: app.wsUrl,
    WebSocket: watch.WebSocket,
    fetch: cookieFetch(cookie, record),
    reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
  })
  await sdk.ready
  openclaw = await openClawClient()
}, 240_000)

afterAll(async () => {
  sdk?.close()
  await openclaw?.close()
  await operator?.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
  mkdirSync(ARTIFACTS, { recursive: true })
  writeFileSync(`${ARTIFACTS}lean-wire-facts.json`, JSON.stringify(measured, null, 1))
})

/** What the gateway itself sent an operator for one of its runs. */
function gatewayRun(runId: string) {
  const chat = operator.chatEvents(runId)
  const deltas = chat.filter((p) => p.state === 'delta')
  const assistant = operator.events
    .filter((e) => e.event === 'agent')
    .map((e) => e.payload as Record<string, any>)
    .filter((p) => p.runId === runId && p.stream === 'assistant')
  return { chat, deltas, assistant, final: chat.find((p) => p.state === 'final') }
}

describe('the real gateway: facts the lean wire rests on', () => {
  it('a streamed reply: each delta message is the deltas joined so far; the final is one text part equal to them', async () => {
    const text = 'facts plain [[SLOW:30x60]]'
    const runId = await operator.sendChat('lean-facts', text)
    await operator.waitForChat(runId, ['final', 'error'], 90_000)
    const { deltas, assistant, final } = gatewayRun(runId)
    expect(final).toBeDefined()
    let joined = ''
    for (const d of deltas) {
      expect(typeof d.deltaText).toBe('string')
      joined = d.replace ? d.deltaText! : joined + d.deltaText!
      expect(d.message?.content).toHaveLength(1)
      expect(chatText(d)).toBe(joined)
    }
    expect(deltas.filter((d) => d.replace)).toEqual([])
    expect(final!.message?.content).toEqual([{ type: 'text', text: joined }])
    expect(joined).toBe(fakeModelReply(text))
    // The text twins the lean wire leaves out: agent `assistant` events repeating the whole text.
    expect(assistant.length).toBeGreaterThan(0)
    expect(assistant.at(-1)?.data?.text).toBe(joined)
    measured.plainRun = {
      modelPieces: 30,
      chatDeltas: deltas.length,
      assistantEvents: assistant.length,
      replaceDeltas: 0,
      finalContentParts: final!.message?.content?.length,
      finalKeys: Object.keys(final!).sort(),
      deltaTexts: deltas.slice(0, 4).map((d) => d.deltaText),
      // The model's pieces end in a space ('chunk01 '); the gateway holds trailing whitespace back.
      deltasEndingInWhitespace: deltas.filter((d) => /\s$/.test(d.deltaText ?? '')).length,
    }
  })

  it('a cut model stream that the gateway retries: a replace delta, and the final is the retried text', async () => {
    const text = 'facts cut [[SLOW:8x60]] [[CUTONCE:facts]]'
    const runId = await operator.sendChat('lean-facts-cut', text)
    await operator.waitForChat(runId, ['final', 'error'], 90_000)
    const { deltas, final } = gatewayRun(runId)
    const replaces = deltas.filter((d) => d.replace)
    expect(replaces.length).toBeGreaterThanOrEqual(1)
    let joined = ''
    for (const d of deltas) {
      joined = d.replace ? d.deltaText! : joined + d.deltaText!
      expect(chatText(d)).toBe(joined)
    }
    expect(final?.state).toBe('final')
    expect(final!.message?.content).toEqual([{ type: 'text', text: joined }])
    const requests = model.chatRequests().filter((r) => r.userText.includes('[[CUTONCE:facts]]'))
    expect(requests.map((r) => r.outcome)).toEqual(['failed', 'completed'])
    expect(joined).toBe(retriedReply('facts'))
    // The partial text before the cut: the first piece, its trailing space held back.
    expect(replaces[0]!.deltaText).toBe('')
    expect(chatText(deltas[0])).toBe('chunk01')
    measured.cutRun = {
      retriedUserText: requests[1]!.userText,
      chatDeltas: deltas.length,
      replaceDeltas: replaces.map((d) => ({ deltaText: d.deltaText, messageText: chatText(d) })),
      firstDeltaTexts: deltas.slice(0, 4).map((d) => ({ deltaText: d.deltaText, replace: d.replace ?? false })),
      modelRequests: requests.map((r) => r.outcome),
    }
  })
})

describe('one user, an SDK client (lean) and an OpenClaw client, the same runs', () => {
  it('the same text byte for byte; the lean socket gets compact deltas, no assistant twins, a checked final', async () => {
    const text = 'lean bytes [[SLOW:120x50]]'
    const r = await streamBoth(text, 'lean')
    expectSameText(r, fakeModelReply(text))
    expect(r.parts.filter((p) => p.state === 'delta').length).toBeGreaterThan(5)

    // The OpenClaw client got OpenClaw's frames: whole-text deltas and their assistant twins.
    const oc = runOnWire(openclaw.received, r.runId)
    const ocAssistant = oc.frames.filter((f) => f.parsed.kind === 'event' && f.parsed.payload.stream === 'assistant')
    expect(ocAssistant.length).toBeGreaterThan(0)
    expect(openClawChat(r.runId).filter((p) => p.state === 'delta').length).toBeGreaterThan(5)
    expect(oc.compact).toBe(0)

    // The lean socket: one head, compact deltas, no assistant twin, no chat delta event, a final with textCheck.
    const [lean] = leanRun(r.runId).filter((w) => w.frames.length > 0)
    expect(watch.sockets).toHaveLength(1)
    expect(lean!.heads).toHaveLength(1)
    expect(lean!.heads[0]).toMatchObject({ runId: r.runId, sessionKey: 'lean' })
    expect(lean!.compact).toBeGreaterThan(3)
    expect(lean!.text).toBe(r.openClawText)
    const events = lean!.frames.flatMap((f) => (f.parsed.kind === 'event' ? [f.parsed] : []))
    expect(events.filter((e) => e.event === 'agent' && e.payload.stream === 'assistant')).toEqual([])
    expect(events.filter((e) => e.event === 'chat' && e.payload.state === 'delta')).toEqual([])
    const leanFinal = events.find((e) => e.event === 'chat' && e.payload.state === 'final')!.payload
    expect(leanFinal.message?.content).toBeUndefined()
    expect(matchesCheck(r.openClawText, leanFinal.textCheck)).toBe(true)

    // Bytes per reply character: all the run's frames, and the frames that carry its text.
    const chars = r.openClawText.length
    const leanKinds = bytesByKind(lean!.frames)
    const ocKinds = bytesByKind(oc.frames)
    const perChar = (kinds: typeof leanKinds, only?: string[]) =>
      Object.entries(kinds)
        .filter(([k]) => !only || only.includes(k))
        .reduce((n, [, v]) => n + v.bytes, 0) / chars
    const TEXT_KINDS = ['compact', 'clawchat.run:', 'chat:delta', 'chat:final', 'agent:assistant']
    const figures = {
      leanPerChar: perChar(leanKinds),
      openClawPerChar: perChar(ocKinds),
      leanTextPerChar: perChar(leanKinds, TEXT_KINDS),
      openClawTextPerChar: perChar(ocKinds, TEXT_KINDS),
    }
    console.log(
      `[lean wire] ${chars}-char reply, bytes per reply char: lean ${figures.leanPerChar.toFixed(2)} ` +
        `(text frames ${figures.leanTextPerChar.toFixed(2)}; ${lean!.frames.length} frames, ${lean!.compact} compact), ` +
        `OpenClaw ${figures.openClawPerChar.toFixed(2)} (text frames ${figures.openClawTextPerChar.toFixed(2)}; ` +
        `${oc.frames.length} frames, ${ocAssistant.length} assistant twins)`,
    )
    measured.bytesPerReplyChar = {
      replyChars: chars,
      sdkDeltaParts: r.parts.filter((p) => p.state === 'delta').length,
      ...figures,
      lean: { bytes: lean!.bytes, frames: lean!.frames.length, compact: lean!.compact, byKind: leanKinds },
      openclaw: { bytes: oc.bytes, frames: oc.frames.length, assistantTwins: ocAssistant.length, byKind: ocKinds },
      counted:
        'every frame naming the run (payload.runId), its clawchat.run head and its compact deltas; ' +
        'text frames: compact, clawchat.run, chat delta/final, agent assistant; bytes = payload + WebSocket frame header',
    }
    expect(figures.leanPerChar).toBeLessThan(figures.openClawPerChar / 10)
    expect(figures.leanTextPerChar).toBeLessThan(figures.openClawTextPerChar / 10)
  })

  it('replace: a cut model stream the gateway retries ends with the same text on both', async () => {
    const text = 'lean replace [[SLOW:12x60]] [[CUTONCE:lean]]'
    const r = await streamBoth(text, 'lean-replace')
    expectSameText(r, retriedReply('lean'))
    expect(r.parts.some((p) => p.replace)).toBe(true)
    expect(openClawChat(r.runId).some((p) => p.replace === true)).toBe(true)
    const lean = leanRun(r.runId).filter((w) => w.frames.length > 0)
    expect(lean).toHaveLength(1)
    const leanReplaces = lean[0]!.frames.filter(
      (f) =>
        (f.parsed.kind === 'compact' && f.parsed.replace) || (f.parsed.kind === 'event' && f.parsed.payload.replace),
    )
    expect(leanReplaces.length).toBeGreaterThanOrEqual(1)
    expect(lean[0]!.text).toBe(r.openClawText)
    // The final still qualifies for the lean shape: its one text part is the text the deltas carried.
    const final = lean[0]!.frames.find((f) => f.parsed.kind === 'event' && f.parsed.payload.state === 'final')
    const payload = final?.parsed.kind === 'event' ? final.parsed.payload : undefined
    expect(payload?.message?.content).toBeUndefined()
    expect(matchesCheck(r.openClawText, payload?.textCheck)).toBe(true)
  })

  it('a reconnect mid-stream: the SDK ends with the same text, the new socket got the run again', async () => {
    const text = 'lean reconnect [[SLOW:40x100]]'
    const before = watch.sockets.length
    let deltas = 0
    const r = await streamBoth(text, 'lean-reconnect', (p) => {
      if (p.state === 'delta' && p.deltaText !== '' && ++deltas === 6) watch.current().terminate()
    })
    expectSameText(r, fakeModelReply(text))
    expect(watch.sockets.length).toBe(before + 1)
    const [, after] = leanRun(r.runId).slice(before - 1)
    // The new connection numbered the run again, with the whole text so far.
    expect(after!.heads.length).toBeGreaterThanOrEqual(1)
    expect(r.openClawText.startsWith(after!.heads[0]!.text)).toBe(true)
    expect(after!.heads[0]!.text.length).toBeGreaterThan(0)
    expect(after!.text).toBe(r.openClawText)
    measured.reconnect = {
      headTextChars: after!.heads[0]!.text.length,
      replyChars: r.openClawText.length,
      compactAfter: after!.compact,
      recoveredParts: r.parts.filter((p) => p.recovered).length,
    }
  })

  it('a gap (a compact delta lost): the SDK asks clawchat.runs and ends with the same text', async () => {
    const text = 'lean gap [[SLOW:30x100]]'
    let compact = 0
    const socket = watch.current()
    const sentBefore = socket.sent.length
    watch.drop = (raw) => raw.startsWith('[') && ++compact === 5
    try {
      const r = await streamBoth(text, 'lean-gap')
      expectSameText(r, fakeModelReply(text))
      expect(socket.dropped).toHaveLength(1)
      const asked = socket.sent.slice(sentBefore).filter((s) => JSON.parse(s).method === 'clawchat.runs')
      expect(asked.length).toBeGreaterThanOrEqual(1)
      measured.gap = { dropped: socket.dropped.map((f) => f.raw), runsRequests: asked.length }
    } finally {
      watch.drop = undefined
    }
  })

  it('a corrupted delta (same seq, wrong text): the final check fails and the text comes from history', async () => {
    const text = 'lean corrupt [[SLOW:20x80]]'
    let compact = 0
    const socket = watch.current()
    const sentBefore = socket.sent.length
    watch.alter = (raw) => {
      if (!raw.startsWith('[') || ++compact !== 3) return raw
      const f = parseFrame(raw)
      return f.kind === 'compact' ? JSON.stringify([f.seq, f.run, f.deltaText.replace(/\w/g, 'X')]) : raw
    }
    try {
      const parts = await collectStream(sdk.stream(text, { sessionKey: 'lean-corrupt' }))
      const runId = parts[0]!.runId
      const oc = (await openClawFinal(runId)).payload as ChatEventPayload
      expect(parts.at(-1)!.state).toBe('final')
      expect(parts.at(-1)!.text).toBe(chatText(oc))
      expect(parts.at(-1)!.text).toBe(fakeModelReply(text))
      // The corruption reached the SDK (its deltas carried it) before the final set the text right.
      expect(parts.some((p) => p.state === 'delta' && /XXXX/.test(p.text))).toBe(true)
      const methods = socket.sent.slice(sentBefore).map((s) => JSON.parse(s).method as string)
      expect(methods).toContain('chat.history')
    } finally {
      watch.alter = undefined
    }
  })
})

describe('assistantEvents: true', () => {
  it('an SDK that asks for them gets the agent assistant events too, and still the lean deltas', async () => {
    const twinWatch = watchSockets(cookie)
    const chat = new ClawChat({
      url: app.wsUrl,
      WebSocket: twinWatch.WebSocket,
      fetch: cookieFetch(cookie, { frames: [], http: [] }),
      assistantEvents: true,
    })
    try {
      await chat.ready
      const assistant: unknown[] = []
      chat.on('agent', (p) => {
        if ((p as { stream?: string }).stream === 'assistant') assistant.push(p)
      })
      const text = 'lean with twins [[SLOW:10x60]]'
      const parts = await collectStream(chat.stream(text, { sessionKey: 'lean-twins' }))
      expect(parts.at(-1)!.text).toBe(fakeModelReply(text))
      expect(joinDeltas(parts)).toBe(fakeModelReply(text))
      const wire = runOnWire(twinWatch.current().received, parts[0]!.runId)
      expect(wire.heads).toHaveLength(1)
      expect(wire.compact).toBeGreaterThan(0)
      expect(assistant.length).toBeGreaterThan(0)
      expect(
        wire.frames.filter((f) => f.parsed.kind === 'event' && f.parsed.payload.stream === 'assistant').length,
      ).toBe(assistant.length)
    } finally {
      chat.close()
    }
  })
})

describe('the wire itself', () => {
  it('every frame the lean socket received is JSON: an object or a compact [seq, run, text(, 1)]', () => {
    const frames = watch.sockets.flatMap((s) => s.received)
    expect(frames.length).toBeGreaterThan(50)
    for (const f of frames) {
      const p = parseFrame(f.raw)
      if (p.kind !== 'compact') continue
      expect(Number.isSafeInteger(p.seq) && Number.isSafeInteger(p.run) && typeof p.deltaText === 'string').toBe(true)
    }
    // Compact deltas and events share one seq per connection, with no hole (merged deltas included).
    for (const s of watch.sockets) {
      const seqs = s.received.flatMap((f) => {
        const p = parseFrame(f.raw)
        return p.kind === 'compact' ? [p.seq] : p.kind === 'event' && typeof p.seq === 'number' ? [p.seq] : []
      })
      expect(seqs.length).toBeGreaterThan(0)
      expect(seqs.every((n, i) => i === 0 || n === seqs[i - 1]! + 1)).toBe(true)
    }
    // The OpenClaw client never got a compact frame nor a clawchat.run head.
    expect(openclaw.received.filter((f) => f.raw.startsWith('['))).toEqual([])
    expect(openclaw.frames.filter((f) => f.event === 'clawchat.run')).toEqual([])
  })
})
