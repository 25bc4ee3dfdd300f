import { describe, expect, it, vi } from 'vitest'
import { ClawChatRunError, type StreamPart } from '../src/index.js'
import { createFakeServer, type FakeServer } from './helpers/fake-socket.js'
import { elapse, newChat, nextTurn, settle, useFakeTime, collect } from './helpers/chat.js'

const msg = (text: string) => ({ role: 'assistant', content: [{ type: 'text', text }] })

/**
 * A chat.send handler that answers, then plays `events` (each a partial chat payload) for the run,
 * one per later turn of the event loop, once `start` resolved.
 */
function playRun(
  server: FakeServer,
  events: Array<Record<string, unknown>>,
  start: Promise<unknown> = Promise.resolve(),
) {
  const runs: string[] = []
  server.handlers['chat.send'] = (p, _f, socket) => {
    runs.push(p.idempotencyKey)
    void (async () => {
      await start
      for (const e of events) {
        await nextTurn()
        socket.receive({
          type: 'event',
          event: 'chat',
          payload: { runId: p.idempotencyKey, sessionKey: p.sessionKey, seq: 1, ...e },
        })
      }
    })()
    return { payload: { runId: p.idempotencyKey, status: 'started' } }
  }
  return runs
}

describe('stream()', () => {
  it('yields the reply in order and ends at final', async () => {
    const server = createFakeServer()
    playRun(server, [
      { state: 'status', phase: 'starting_model' },
      { state: 'delta', deltaText: 'Hello', message: msg('Hello') },
      { state: 'delta', deltaText: ' from', message: msg('Hello from') },
      { state: 'delta', deltaText: ' fake model', message: msg('Hello from fake model') },
      { state: 'final', stopReason: 'stop', message: msg('Hello from fake model') },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('hello'))
    expect(parts.map((p) => [p.deltaText, p.text, p.state])).toEqual([
      ['Hello', 'Hello', 'delta'],
      [' from', 'Hello from', 'delta'],
      [' fake model', 'Hello from fake model', 'delta'],
      ['', 'Hello from fake model', 'final'],
    ])
    expect(parts.at(-1)).toMatchObject({ stopReason: 'stop', replace: false, recovered: false, sessionKey: 'main' })
    const runId = server.last.requests('chat.send')[0]!.params.idempotencyKey
    expect(parts.every((p) => p.runId === runId)).toBe(true)
    expect(server.last.requests('chat.abort')).toHaveLength(0)
  })

  it('honours replace:true — the text starts over', async () => {
    const server = createFakeServer()
    playRun(server, [
      { state: 'delta', deltaText: 'Par', message: msg('Par') },
      { state: 'delta', deltaText: 'tial', message: msg('Partial') },
      { state: 'delta', deltaText: '', replace: true },
      { state: 'delta', deltaText: 'Whole', message: msg('Whole') },
      { state: 'final', message: msg('Whole answer') },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('hi'))
    expect(parts.map((p) => [p.deltaText, p.text, p.replace])).toEqual([
      ['Par', 'Par', false],
      ['tial', 'Partial', false],
      ['', '', true],
      ['Whole', 'Whole', false],
      [' answer', 'Whole answer', false],
    ])
  })

  it('fills in deltas it missed from the whole message, never repeating text', async () => {
    const server = createFakeServer()
    playRun(server, [
      { state: 'delta', deltaText: 'A', message: msg('A') },
      { state: 'delta', deltaText: 'C', message: msg('ABC') },
      { state: 'final', message: msg('ABCD') },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('x'))
    expect(parts.map((p) => p.deltaText).join('')).toBe('ABCD')
    expect(parts.at(-1)!.text).toBe('ABCD')
  })

  it('a final whose text is no continuation of what was yielded replaces it (never appends)', async () => {
    const server = createFakeServer()
    playRun(server, [
      { state: 'delta', deltaText: 'Draft', message: msg('Draft') },
      { state: 'final', message: msg('Final answer') },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('x'))
    expect(parts.map((p) => [p.deltaText, p.text, p.replace, p.state])).toEqual([
      ['Draft', 'Draft', false, 'delta'],
      ['Final answer', 'Final answer', true, 'final'],
    ])
  })

  it('only the events of its own run count', async () => {
    const server = createFakeServer()
    let othersSent!: () => void
    const runs = playRun(
      server,
      [
        { state: 'delta', deltaText: 'mine', message: msg('mine') },
        { state: 'final', message: msg('mine') },
      ],
      new Promise<void>((resolve) => (othersSent = resolve)),
    )
    const { chat } = newChat(server)
    const iter = chat.stream('x')
    const done = collect(iter)
    await vi.waitFor(() => expect(runs).toHaveLength(1))
    server.chat({ runId: 'someone-else', state: 'delta', deltaText: 'NOT MINE', message: msg('NOT MINE') })
    server.chat({ runId: 'someone-else', state: 'final', message: msg('NOT MINE') })
    othersSent()
    const parts = await done
    expect(parts.at(-1)!.text).toBe('mine')
  })

  it('throws ClawChatRunError on error', async () => {
    const server = createFakeServer()
    playRun(server, [
      { state: 'delta', deltaText: 'Hel', message: msg('Hel') },
      { state: 'error', errorMessage: 'model exploded', errorKind: 'unknown' },
    ])
    const { chat } = newChat(server)
    const seen: string[] = []
    const err = await (async () => {
      for await (const p of chat.stream('x')) seen.push(p.text)
    })().catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRunError)
    expect(err).toMatchObject({ state: 'error', code: 'RUN_FAILED', errorKind: 'unknown' })
    expect(err.message).toMatch(/model exploded/)
    expect(seen).toEqual(['Hel'])
    expect(server.last.requests('chat.abort')).toHaveLength(0)
  })

  it('throws ClawChatRunError on aborted (aborted elsewhere)', async () => {
    const server = createFakeServer()
    playRun(server, [{ state: 'aborted', stopReason: 'user' }])
    const { chat } = newChat(server)
    await expect(collect(chat.stream('x'))).rejects.toMatchObject({
      name: 'ClawChatRunError',
      state: 'aborted',
      code: 'RUN_ABORTED',
    })
  })

  it('a send the server refuses ends the stream with that error', async () => {
    const server = createFakeServer()
    server.handlers['chat.send'] = () => ({ error: { code: 'FORBIDDEN', message: 'not your session' } })
    const { chat } = newChat(server)
    await expect(collect(chat.stream('x', { sessionKey: 'other' }))).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('an invalid session key fails the stream before anything is sent', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    await expect(collect(chat.stream('x', { sessionKey: 'bad key' }))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    })
    expect(server.last.requests('chat.send')).toHaveLength(0)
  })

  it('its signal aborts the run upstream (chat.abort) and the loop with an AbortError', async () => {
    const server = createFakeServer()
    const runs = playRun(server, [{ state: 'delta', deltaText: 'one', message: msg('one') }])
    const { chat } = newChat(server)
    const ac = new AbortController()
    const seen: string[] = []
    const err = await (async () => {
      for await (const p of chat.stream('x', { signal: ac.signal })) {
        seen.push(p.text)
        ac.abort()
      }
    })().catch((e) => e)
    expect(err.name).toBe('AbortError')
    expect(seen).toEqual(['one'])
    await vi.waitFor(() => expect(server.last.requests('chat.abort')).toHaveLength(1))
    expect(server.last.requests('chat.abort')[0]!.params).toEqual({ sessionKey: 'main', runId: runs[0] })
  })

  it('breaking out of the loop early aborts the run upstream', async () => {
    const server = createFakeServer()
    const runs = playRun(server, [
      { state: 'delta', deltaText: 'one', message: msg('one') },
      { state: 'delta', deltaText: ' two', message: msg('one two') },
    ])
    const { chat } = newChat(server)
    for await (const p of chat.stream('x')) {
      expect(p.text).toBe('one')
      break
    }
    await vi.waitFor(() => expect(server.last.requests('chat.abort')).toHaveLength(1))
    expect(server.last.requests('chat.abort')[0]!.params.runId).toBe(runs[0])
  })

  it('aborting while the send still waits in the queue sends nothing at all', async () => {
    useFakeTime()
    const server = createFakeServer()
    server.mode = 'hang'
    const { chat } = newChat(server)
    const ac = new AbortController()
    const done = collect(chat.stream('x', { signal: ac.signal })).catch((e) => e)
    await elapse(20)
    ac.abort()
    expect((await done).name).toBe('AbortError')
    server.mode = 'accept'
    server.last.fail()
    await settle(chat.ready)
    await elapse(60_000)
    expect(server.requests('chat.send')).toHaveLength(0)
    expect(server.requests('chat.abort')).toHaveLength(0)
  })

  it('close() ends a stream that waits for events with ClawChatClosedError (no hang)', async () => {
    const server = createFakeServer()
    playRun(server, [{ state: 'delta', deltaText: 'one', message: msg('one') }])
    const { chat } = newChat(server)
    const seen: string[] = []
    const done = (async () => {
      for await (const p of chat.stream('x')) seen.push(p.text)
    })().catch((e) => e)
    await vi.waitFor(() => expect(seen).toEqual(['one']))
    chat.close()
    expect(await done).toMatchObject({ name: 'ClawChatClosedError', reason: 'closed' })
  })

  it('a logout in the middle of a stream ends it with ClawChatClosedError (logged-out)', async () => {
    const server = createFakeServer()
    playRun(server, [{ state: 'delta', deltaText: 'one', message: msg('one') }])
    const { chat } = newChat(server)
    const seen: string[] = []
    const done = (async () => {
      for await (const p of chat.stream('x')) seen.push(p.text)
    })().catch((e) => e)
    await vi.waitFor(() => expect(seen).toEqual(['one']))
    server.last.serverClose(4401)
    expect(await done).toMatchObject({ name: 'ClawChatClosedError', reason: 'logged-out' })
  })

  it('a stream started while disconnected waits, then runs', async () => {
    useFakeTime()
    const server = createFakeServer()
    playRun(server, [{ state: 'final', message: msg('late but fine') }])
    server.mode = 'refuse'
    const { chat } = newChat(server)
    const done = collect(chat.stream('x'))
    await elapse(60)
    expect(server.requests('chat.send')).toHaveLength(0)
    server.mode = 'accept'
    const parts = await settle(done)
    expect(parts.at(-1)!.text).toBe('late but fine')
  })
})

describe('stream() across a reconnect', () => {
  /** A run that streams `first` deltas, then the connection drops; the rest happens while the page is away. */
  function runThenDrop(server: FakeServer, history: (runId: string) => unknown[]) {
    const runs: string[] = []
    server.handlers['chat.send'] = (p, _f, socket) => {
      runs.push(p.idempotencyKey)
      if (runs.length === 1) {
        void (async () => {
          await nextTurn()
          socket.receive({
            type: 'event',
            event: 'chat',
            payload: {
              runId: p.idempotencyKey,
              sessionKey: 'main',
              seq: 1,
              state: 'delta',
              deltaText: 'Hello',
              message: msg('Hello'),
            },
          })
          await nextTurn()
          socket.receive({
            type: 'event',
            event: 'chat',
            payload: {
              runId: p.idempotencyKey,
              sessionKey: 'main',
              seq: 2,
              state: 'delta',
              deltaText: ' wor',
              message: msg('Hello wor'),
            },
          })
          await nextTurn()
          socket.serverClose(1012)
        })()
      }
      return { payload: { runId: p.idempotencyKey, status: runs.length === 1 ? 'started' : 'in_flight' } }
    }
    server.handlers['chat.history'] = (p) => ({ payload: { sessionKey: p.sessionKey, messages: history(runs[0]!) } })
    return runs
  }

  it('completes from chat.history after the final was missed: only the missing remainder, then the end', async () => {
    const server = createFakeServer()
    runThenDrop(server, () => [
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello world!' }], stopReason: 'stop' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello world, and more.' }], stopReason: 'stop' },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('hi'))
    expect(parts.map((p) => [p.deltaText, p.state, p.recovered])).toEqual([
      ['Hello', 'delta', false],
      [' wor', 'delta', false],
      ['ld, and more.', 'final', true],
    ])
    expect(parts.map((p) => p.deltaText).join('')).toBe('Hello world, and more.')
    expect(server.requests('chat.send')).toHaveLength(1)
    expect(server.requests('chat.abort')).toHaveLength(0)
  })

  it('keeps streaming from events when the run is still going after the reconnect (no text twice)', async () => {
    const server = createFakeServer()
    const runs = runThenDrop(server, () => [{ role: 'user', content: 'hi' }])
    const { chat } = newChat(server)
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const p of chat.stream('hi')) parts.push(p)
    })()
    await vi.waitFor(() => expect(server.sockets).toHaveLength(2))
    await vi.waitFor(() => expect(server.last.requests('chat.history')).toHaveLength(1))
    const run = runs[0]!
    // events resume on the new connection; the proxy's deltas carry the whole text so far
    server.chat({ runId: run, state: 'delta', deltaText: 'l', message: msg('Hello worl') })
    server.chat({ runId: run, state: 'delta', deltaText: 'd', message: msg('Hello world') })
    server.chat({ runId: run, state: 'final', message: msg('Hello world') })
    await done
    expect(parts.map((p) => p.deltaText).join('')).toBe('Hello world')
    expect(parts.at(-1)!.state).toBe('final')
  })

  it('re-sends with the same key when the gateway lost the message (not in the history), and the new run starts over', async () => {
    const server = createFakeServer()
    const runs = runThenDrop(server, () => [])
    const { chat } = newChat(server)
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const p of chat.stream('hi')) parts.push(p)
    })()
    await vi.waitFor(() => expect(runs).toHaveLength(2))
    expect(runs[1]).toBe(runs[0])
    server.chat({ runId: runs[0], state: 'delta', deltaText: 'Hello', message: msg('Hello') })
    server.chat({ runId: runs[0], state: 'delta', deltaText: ' again', message: msg('Hello again') })
    server.chat({ runId: runs[0], state: 'final', message: msg('Hello again') })
    await done
    expect(parts.map((p) => [p.deltaText, p.text, p.replace])).toEqual([
      ['Hello', 'Hello', false],
      [' wor', 'Hello wor', false],
      ['Hello', 'Hello', true],
      [' again', 'Hello again', false],
      ['', 'Hello again', false],
    ])
  })

  it('matches its own run by id when the history rows carry one (direct mode, a gateway)', async () => {
    const server = createFakeServer()
    runThenDrop(server, (runId) => [
      { role: 'user', content: 'hi', idempotencyKey: 'other:user' },
      { role: 'assistant', content: [{ type: 'text', text: 'not this' }], __openclaw: { runId: 'other' } },
      { role: 'user', content: 'hi', idempotencyKey: `${runId}:user` },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Hello world' }],
        stopReason: 'stop',
        __openclaw: { runId },
      },
      { role: 'user', content: 'hi' },
    ])
    const { chat } = newChat(server)
    const parts = await collect(chat.stream('hi'))
    expect(parts.at(-1)).toMatchObject({ text: 'Hello world', deltaText: 'ld', state: 'final', recovered: true })
  })

  it('after quiet checks with nothing new, a run that is gone throws a retryable ClawChatRunError (lost)', async () => {
    const server = createFakeServer()
    runThenDrop(server, () => [{ role: 'user', content: 'hi' }])
    const { chat } = newChat(server, { requestTimeoutMs: 60 })
    const err = await collect(chat.stream('hi')).catch((e) => e)
    expect(err).toBeInstanceOf(ClawChatRunError)
    expect(err).toMatchObject({ state: 'lost', retryable: true, code: 'RUN_LOST' })
  })

  it('history that is not available (the gateway still away) does not count as a quiet check', async () => {
    const server = createFakeServer()
    runThenDrop(server, () => [{ role: 'user', content: 'hi' }])
    let unavailable = 6
    const history = server.handlers['chat.history']!
    server.handlers['chat.history'] = (p, f, s) =>
      unavailable-- > 0
        ? { error: { code: 'UNAVAILABLE', message: 'gateway away', retryable: true } }
        : history(p, f, s)
    const { chat } = newChat(server, { requestTimeoutMs: 40 })
    const err = await collect(chat.stream('hi')).catch((e) => e)
    expect(err).toMatchObject({ state: 'lost' })
    expect(server.requests('chat.history').length).toBeGreaterThanOrEqual(6 + 3)
  })

  it('a run the history shows in flight (inFlightRun.runId is its own) is alive: quiet checks do not lose it', async () => {
    const server = createFakeServer()
    const runs = runThenDrop(server, () => [])
    let checks = 0
    server.handlers['chat.history'] = (p) => {
      const user = { role: 'user', content: 'hi', runId: runs[0] }
      if (++checks <= 6)
        return { payload: { sessionKey: p.sessionKey, messages: [user], inFlightRun: { runId: runs[0], text: 'x' } } }
      const reply = {
        role: 'assistant',
        content: [{ type: 'text', text: 'Hello world' }],
        runId: runs[0],
        stopReason: 'stop',
      }
      return { payload: { sessionKey: p.sessionKey, messages: [user, reply] } }
    }
    const { chat } = newChat(server, { requestTimeoutMs: 40 })
    const parts = await collect(chat.stream('hi'))
    expect(parts.at(-1)).toMatchObject({ text: 'Hello world', state: 'final', recovered: true })
    expect(checks).toBeGreaterThan(6)
  })

  it('a reply without stopReason is taken as final once a quiet check finds it unchanged', async () => {
    const server = createFakeServer()
    runThenDrop(server, () => [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello world' }] },
    ])
    const { chat } = newChat(server, { requestTimeoutMs: 60 })
    const parts = await collect(chat.stream('hi'))
    expect(parts.map((p) => [p.deltaText, p.state])).toEqual([
      ['Hello', 'delta'],
      [' wor', 'delta'],
      ['ld', 'delta'],
      ['', 'final'],
    ])
  })
})
