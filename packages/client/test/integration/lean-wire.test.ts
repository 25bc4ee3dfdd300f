/**
 * The lean wire end to end (issue 19): the SDK (which names `clawchat.lean`) and an OpenClaw-protocol
 * client (a raw WebSocket through the same proxy, same user, without the cap) follow the same runs
 * of the mock gateway. The SDK's reply text is byte for byte the OpenClaw client's — for a plain run,
 * a run whose model stream is cut and retried (`replace`), a run during which the SDK's socket drops
 * (reconnect: the run's head on the new socket carries the text so far), and a run one of whose
 * compact frames the SDK never gets (a `seq` gap: `clawchat.runs` corrects the text).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { chunkWords } from '@clawchat/mock-gateway'
import { BROWSER_CLIENT, DIRECT_SDK_CAPS, PROTOCOL_VERSION } from '@clawchat/protocol'
import type { ChatEvent, ClawChat, ClawChatOptions, StreamPart } from '../../src/index.js'
import { textOfMessage } from '../../src/history-match.js'
import { startStack, until, type Stack } from './harness.js'

let stack: Stack | undefined
const raws: WebSocket[] = []
afterEach(async () => {
  for (const ws of raws.splice(0)) ws.terminate()
  await stack?.close()
  stack = undefined
})

/** A reply long enough (40 chunks, 25 ms apart) for a socket to drop and come back in its middle. */
const longReply = (message: string) =>
  `Answer to <${message}>: ` + Array.from({ length: 80 }, (_, i) => `w${i + 1}`).join(' ') + ' — the end ✓.'

/** A page's text from a run's `chat` deltas (OpenClaw's rule: `replace` starts it over). */
function joinDeltas(events: readonly ChatEvent[], runId: string): string {
  let text = ''
  for (const e of events) {
    if (e.runId !== runId || e.state !== 'delta') continue
    text = e.replace ? e.deltaText : text + e.deltaText
  }
  return text
}

const finalOf = (events: readonly ChatEvent[], runId: string) =>
  events.find((e) => e.runId === runId && e.state === 'final')

/** An OpenClaw-protocol client through the proxy: `connect` with OpenClaw's own caps only. */
async function openclawClient(url: string, cookie: string): Promise<{ frames: string[]; chats: ChatEvent[] }> {
  const ws = new WebSocket(url, { headers: { Cookie: cookie } })
  raws.push(ws)
  const frames: string[] = []
  const chats: ChatEvent[] = []
  let ready = false
  ws.on('message', (data) => {
    const text = String(data)
    frames.push(text)
    const frame = JSON.parse(text)
    if (frame.event === 'connect.challenge') {
      const client = { id: BROWSER_CLIENT.id, version: 'test', platform: 'web', mode: BROWSER_CLIENT.mode }
      const params = { minProtocol: PROTOCOL_VERSION, maxProtocol: PROTOCOL_VERSION, client, caps: DIRECT_SDK_CAPS }
      ws.send(JSON.stringify({ type: 'req', id: 'connect', method: 'connect', params }))
    }
    if (frame.event === 'clawchat.session') ready = true
    if (frame.event === 'chat') chats.push(frame.payload)
  })
  await until(() => ready, 'the OpenClaw client connected')
  return { frames, chats }
}

/** What the SDK's sockets received, with a hook that may drop a frame or act on it. */
interface Tap {
  frames: string[]
  sockets: WebSocket[]
  /** Return true to drop the frame (the SDK never sees it). */
  onFrame?: (data: string, socket: WebSocket) => boolean
}

/** A `ws` WebSocket class with the session cookie that shows the SDK's frames to `tap` first. */
function tapped(cookie: string, tap: Tap): ClawChatOptions['WebSocket'] {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Cookie: cookie } })
      tap.sockets.push(this)
    }
    override addEventListener(type: any, listener: any, options?: any): void {
      if (type !== 'message') return super.addEventListener(type, listener, options)
      super.addEventListener(
        'message',
        (event: any) => {
          const data = String(event.data)
          if (tap.onFrame?.(data, this)) return
          tap.frames.push(data)
          listener(event)
        },
        options,
      )
    }
  }
}

interface Pair {
  sdk: ClawChat
  sdkChats: ChatEvent[]
  sdkErrors: string[]
  /** The `stream` of each `agent` event the SDK got. */
  sdkAgentStreams: string[]
  resyncs: string[]
  tap: Tap
  raw: { frames: string[]; chats: ChatEvent[] }
}

/** The stack, one user, the OpenClaw client and the SDK client, both ready. */
async function pair(options: Partial<ClawChatOptions> = {}): Promise<Pair> {
  stack = await startStack({ gateway: { agent: (m) => chunkWords(longReply(m)), chunkDelayMs: 25 } })
  const cookie = await stack.login('lean-user')
  const raw = await openclawClient(stack.wsUrl, cookie)
  const tap: Tap = { frames: [], sockets: [] }
  const sdk = stack.client(cookie, { WebSocket: tapped(cookie, tap), ...options })
  const p: Pair = { sdk, sdkChats: [], sdkErrors: [], sdkAgentStreams: [], resyncs: [], tap, raw }
  sdk.on('agent', (e) => p.sdkAgentStreams.push(e.stream))
  sdk.on('chat', (e) => p.sdkChats.push(e))
  sdk.on('error', (e) => p.sdkErrors.push(e.message))
  sdk.on('resync', (r) => p.resyncs.push(r.reason))
  await sdk.ready
  return p
}

/** Streams `message` with the SDK; once both clients have the final, checks that every text is the same. */
async function sameText(p: Pair, message: string): Promise<{ runId: string; text: string; parts: StreamPart[] }> {
  const parts: StreamPart[] = []
  for await (const part of p.sdk.stream(message)) parts.push(part)
  const { runId, text } = parts.at(-1)!
  await until(() => !!finalOf(p.raw.chats, runId), 'the OpenClaw client got the final')
  const rawFinal = textOfMessage((finalOf(p.raw.chats, runId) as { message?: unknown }).message)
  expect(rawFinal).toBe(longReply(message))
  expect(text).toBe(rawFinal) // stream(): the SDK's reply is the OpenClaw client's, byte for byte
  expect(joinDeltas(p.raw.chats, runId)).toBe(rawFinal)
  expect(joinDeltas(p.sdkChats, runId)).toBe(rawFinal) // on('chat'): the rebuilt deltas join to it too
  expect(textOfMessage((finalOf(p.sdkChats, runId) as { message?: unknown }).message)).toBe(rawFinal)
  // The SDK got the lean wire, the OpenClaw client OpenClaw's frames.
  expect(p.tap.frames.some((f) => f.startsWith('['))).toBe(true)
  expect(p.tap.frames.some((f) => f.includes('"event":"clawchat.run"'))).toBe(true)
  expect(p.raw.frames.some((f) => f.startsWith('[') || f.includes('clawchat.run') || f.includes('textCheck'))).toBe(
    false,
  )
  return { runId, text, parts }
}

describe('lean wire: the SDK rebuilds exactly the text an OpenClaw client gets', () => {
  it('a plain run, in far fewer bytes', async () => {
    const p = await pair()
    const { runId } = await sameText(p, 'plain')
    expect(p.sdkErrors).toEqual([])
    const bytes = (frames: string[]) =>
      frames.filter((f) => f.includes(runId) || f.startsWith('[')).reduce((n, f) => n + Buffer.byteLength(f), 0)
    expect(bytes(p.tap.frames) * 5).toBeLessThan(bytes(p.raw.frames))
    // The assistant text twins are left out for the SDK (the OpenClaw client still gets them).
    expect(p.raw.frames.some((f) => f.includes('"stream":"assistant"'))).toBe(true)
    expect(p.sdkAgentStreams).toContain('lifecycle')
    expect(p.sdkAgentStreams).not.toContain('assistant')
  })

  it('with assistantEvents: true the SDK gets the assistant agent events too', async () => {
    const p = await pair({ assistantEvents: true })
    await sameText(p, 'twins')
    expect(p.sdkAgentStreams).toContain('assistant')
  })

  it('a run whose model stream is cut and retried (replace)', async () => {
    const p = await pair()
    stack!.gateway.setFailure({ kind: 'cut-stream', cutAfterChunks: 3, cuts: 1 })
    const { runId, parts } = await sameText(p, 'cut')
    expect(p.raw.chats.some((e) => e.runId === runId && e.state === 'delta' && e.replace)).toBe(true)
    expect(p.sdkChats.some((e) => e.runId === runId && e.state === 'delta' && e.replace)).toBe(true)
    expect(parts.some((part) => part.replace)).toBe(true)
    expect(p.sdkErrors).toEqual([])
  })

  it('a run during which the SDK socket drops: the head on the new socket continues the text', async () => {
    const p = await pair()
    let compact = 0
    p.tap.onFrame = (data, socket) => {
      if (data.startsWith('[') && ++compact === 3) socket.terminate()
      return false
    }
    const { runId } = await sameText(p, 'reconnect')
    expect(p.tap.sockets.length).toBeGreaterThanOrEqual(2)
    expect(p.resyncs).toContain('reconnect')
    // The new socket numbered the run again with a head carrying its text so far.
    const heads = p.tap.frames.filter((f) => f.includes('"event":"clawchat.run"') && f.includes(runId))
    expect(heads.length).toBeGreaterThanOrEqual(2)
    expect(p.sdkErrors).toEqual([])
  })

  it('a run one of whose compact frames is lost (a seq gap): clawchat.runs corrects the text', async () => {
    const p = await pair()
    let compact = 0
    p.tap.onFrame = (data) => data.startsWith('[') && ++compact === 3
    await sameText(p, 'gap')
    expect(p.resyncs).toEqual(['gap'])
    expect(p.tap.frames.some((f) => f.includes('"runs":['))).toBe(true) // the clawchat.runs answer
    expect(p.sdkErrors).toEqual([])
  })
})
