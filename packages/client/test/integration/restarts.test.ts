/**
 * Restarts and crashes in the middle of a stream, against the real proxy and the mock gateway.
 * Message counts in the gateway's history prove that nothing was lost and nothing ran twice.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  ClawChatRunError,
  type ClawChat,
  type ClawChatState,
  type ResyncInfo,
  type StreamPart,
} from '../../src/index.js'
import { replyTo, startStack, transcript, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

const sorted = (xs: string[]) => [...xs].sort()

/** Starts a stream and collects its parts; `done` settles with the error, if any. */
function startStream(chat: ClawChat, message: string, sessionKey = 'main') {
  const parts: StreamPart[] = []
  const done = (async () => {
    for await (const part of chat.stream(message, { sessionKey })) parts.push(part)
  })().then(
    () => undefined,
    (e: unknown) => e,
  )
  return { parts, done }
}

function watch(chat: ClawChat) {
  const states: ClawChatState[] = []
  const resyncs: ResyncInfo['reason'][] = []
  chat.on('state', (s) => states.push(s.state))
  chat.on('resync', (r) => resyncs.push(r.reason))
  return { states, resyncs }
}

describe('a proxy restart in the middle of a stream', () => {
  it('the stream completes exactly once, sends made before, during and after arrive exactly once', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 120 } })
    const chat = stack.client(await stack.login('ada'))
    const seen = watch(chat)
    await chat.ready
    const before = await chat.send('before', { sessionKey: 'work' })
    expect(before.status).toBe('started')

    const stream = startStream(chat, 'streamed across a proxy restart')
    await until(() => stream.parts.length >= 2, 'the first parts')
    const restarting = stack.restartProxy(300)
    await until(() => chat.state === 'reconnecting', 'state reconnecting')
    // Made while the proxy is away: these wait in the SDK's queue.
    const during = [chat.send('during 1', { sessionKey: 'work' }), chat.send('during 2', { sessionKey: 'work' })]
    await restarting
    await Promise.all(during)
    expect(await stream.done).toBeUndefined()
    await chat.send('after', { sessionKey: 'work' })

    const expected = replyTo('streamed across a proxy restart')
    expect(stream.parts.at(-1)).toMatchObject({ state: 'final', text: expected })
    expect(stream.parts.map((p) => p.deltaText).join('')).toBe(expected)

    const works = ['before', 'during 1', 'during 2', 'after']
    await until(async () => (await transcript(chat, 'work')).assistant.length === works.length, 'every reply in "work"')
    const work = await transcript(chat, 'work')
    expect(sorted(work.user)).toEqual(sorted(works))
    expect(sorted(work.assistant)).toEqual(sorted(works.map(replyTo)))
    expect(await transcript(chat, 'main')).toEqual({ user: ['streamed across a proxy restart'], assistant: [expected] })
    expect(seen.states).toContain('reconnecting')
    expect(seen.states.at(-1)).toBe('open')
    expect(seen.resyncs).toContain('reconnect')
  })

  it('when the run ends while the proxy is away, the stream completes from chat.history: only the missing remainder', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 60 } })
    const chat = stack.client(await stack.login('ann'))
    await chat.ready
    const stream = startStream(chat, 'finished while away')
    await until(() => stream.parts.length >= 2, 'the first parts')
    await stack.stopProxy()
    const finished = Date.now()
    // The gateway finishes the run meanwhile (12 chunks, 60 ms apart); nobody relays its final.
    await until(
      () => stack!.gateway.connectionCount().authenticated === 0 && Date.now() - finished > 1500,
      'the run to end upstream',
    )
    await stack.startProxy()
    expect(await stream.done).toBeUndefined()
    const expected = replyTo('finished while away')
    const last = stream.parts.at(-1)!
    expect(last).toMatchObject({ state: 'final', text: expected, recovered: true })
    expect(last.deltaText.length).toBeGreaterThan(0)
    expect(stream.parts.filter((p) => p.recovered)).toHaveLength(1)
    expect(stream.parts.map((p) => p.deltaText).join('')).toBe(expected)
    expect(await transcript(chat)).toEqual({ user: ['finished while away'], assistant: [expected] })
  })

  it('a chat.send in flight when the proxy goes away is re-sent with the same key and runs once', async () => {
    stack = await startStack()
    const chat = stack.client(await stack.login('bea'))
    await chat.ready
    stack.gateway.stall() // the proxy forwards the send; the gateway does not read it yet
    const send = chat.send('in flight')
    await new Promise((r) => setTimeout(r, 150))
    const restarting = stack.restartProxy(100)
    stack.gateway.resume()
    await restarting
    const { runId } = await send
    await until(async () => (await transcript(chat)).assistant.length >= 1, 'the reply')
    await new Promise((r) => setTimeout(r, 300))
    expect(await transcript(chat)).toEqual({ user: ['in flight'], assistant: [replyTo('in flight')] })
    const upstream = stack.gateway.requests
      .filter((r) => r.method === 'chat.send')
      .map((r) => (r.params as { idempotencyKey: string }).idempotencyKey)
    expect(upstream.length).toBeGreaterThanOrEqual(1)
    expect(new Set(upstream).size).toBe(1)
    expect(upstream[0]).toContain(runId)
  })
})

describe('a gateway restart in the middle of a stream', () => {
  it('the stream completes, sends made while the gateway is down wait in the SDK and run once when it is back', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 100 } })
    const chat = stack.client(await stack.login('cal'))
    const seen = watch(chat)
    await chat.ready
    const queued: Array<Promise<unknown>> = []
    const upstreamSends = () => stack!.gateway.requests.filter((r) => r.method === 'chat.send').length
    let sendsWhileDown = -1
    let sendsAtUp = -1
    chat.on('state', (s) => {
      if (s.state === 'gateway-down' && queued.length === 0) {
        queued.push(
          chat.send('while down 1', { sessionKey: 'work' }),
          chat.send('while down 2', { sessionKey: 'work' }),
        )
        sendsWhileDown = upstreamSends()
      }
      // Runs before the SDK flushes its queue on `clawchat.gateway up`.
      if (s.state === 'open' && s.previous === 'gateway-down') sendsAtUp = upstreamSends()
    })
    const stream = startStream(chat, 'streamed across a gateway restart')
    await until(() => stream.parts.length >= 2, 'the first parts')
    await stack.gateway.restart({ downMs: 500 })
    await until(() => queued.length === 2 && sendsAtUp >= 0, 'the gateway to be back')
    // Nothing reached the gateway while it was down: the SDK held the sends until `up`.
    expect(sendsAtUp).toBe(sendsWhileDown)
    await Promise.all(queued)
    expect(upstreamSends()).toBe(sendsWhileDown + 2)
    expect(await stream.done).toBeUndefined()

    const expected = replyTo('streamed across a gateway restart')
    expect(stream.parts.at(-1)).toMatchObject({ state: 'final', text: expected })
    expect(stream.parts.map((p) => p.deltaText).join('')).toBe(expected)
    const works = ['while down 1', 'while down 2']
    await until(async () => (await transcript(chat, 'work')).assistant.length === works.length, 'both replies')
    const work = await transcript(chat, 'work')
    expect(sorted(work.user)).toEqual(sorted(works))
    expect(sorted(work.assistant)).toEqual(sorted(works.map(replyTo)))
    expect(await transcript(chat, 'main')).toEqual({
      user: ['streamed across a gateway restart'],
      assistant: [expected],
    })
    expect(seen.states).toEqual(expect.arrayContaining(['gateway-down', 'open']))
    expect(seen.states.at(-1)).toBe('open')
    expect(seen.resyncs).toContain('gateway-up')
  })
})

describe('a gateway crash in the middle of a stream', () => {
  it('the stream does not hang or repeat text: the lost run ends in a typed, retryable error; queued sends run once', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 100 } })
    const chat = stack.client(await stack.login('dee'), { requestTimeoutMs: 800 })
    const seen = watch(chat)
    await chat.ready
    const stream = startStream(chat, 'doomed')
    await until(() => stream.parts.length >= 2, 'the first parts')
    await stack.gateway.crash()
    await until(() => chat.state === 'gateway-down', 'state gateway-down')
    const queued = chat.send('after the crash', { sessionKey: 'work' })
    await new Promise((r) => setTimeout(r, 300))
    await stack.gateway.restart()
    await queued

    const err = await stream.done
    expect(err).toBeInstanceOf(ClawChatRunError)
    expect(err).toMatchObject({ state: 'lost', retryable: true })
    const streamed = stream.parts.map((p) => p.deltaText).join('')
    expect(replyTo('doomed').startsWith(streamed)).toBe(true)
    expect(stream.parts.every((p) => p.state === 'delta')).toBe(true)

    await until(async () => (await transcript(chat, 'work')).assistant.length === 1, 'the reply after the crash')
    expect(await transcript(chat, 'work')).toEqual({
      user: ['after the crash'],
      assistant: [replyTo('after the crash')],
    })
    // The crashed run's message was stored once and never sent again; its reply died with the gateway.
    expect(await transcript(chat, 'main')).toEqual({ user: ['doomed'], assistant: [] })
    expect(seen.resyncs).toContain('gateway-up')

    // The page may now send it again: a new run, which completes.
    const again = startStream(chat, 'doomed')
    expect(await again.done).toBeUndefined()
    expect(again.parts.at(-1)!.text).toBe(replyTo('doomed'))
  })

  it('a crash with the proxy link down long enough for the SDK to reconnect its own socket changes nothing', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 100 } })
    const chat = stack.client(await stack.login('eli'), { requestTimeoutMs: 800 })
    await chat.ready
    const stream = startStream(chat, 'crash and proxy restart')
    await until(() => stream.parts.length >= 2, 'the first parts')
    await stack.gateway.crash()
    await stack.restartProxy(100)
    const queued = chat.send('queued', { sessionKey: 'work' })
    await stack.gateway.restart()
    await queued
    const err = await stream.done
    expect(err).toMatchObject({ name: 'ClawChatRunError', state: 'lost' })
    await until(async () => (await transcript(chat, 'work')).assistant.length === 1, 'the reply')
    expect(await transcript(chat, 'work')).toEqual({ user: ['queued'], assistant: [replyTo('queued')] })
    expect((await transcript(chat, 'main')).user).toEqual(['crash and proxy restart'])
  })
})
