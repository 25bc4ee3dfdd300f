import { describe, expect, it } from 'vitest'
import { ClawChatRunError, type StreamPart } from '../src/index.js'
import { collect, newChat, nextTurn } from './helpers/chat.js'
import { createFakeServer, type FakeServer, type FakeSocket } from './helpers/fake-socket.js'

const msg = (text: string) => ({ role: 'assistant', content: [{ type: 'text', text }] })
const view = (parts: StreamPart[]) => parts.map((p) => [p.deltaText, p.text, p.state, p.runId])

/** A server whose session `main` has a run in progress (history fields) and `clawchat.runs` texts. */
function busy(
  server: FakeServer,
  history: Record<string, unknown>,
  runs: Array<{ runId: string; text: string; sessionKey?: string }>,
  beforeRunsAnswer?: (socket: FakeSocket) => void,
) {
  server.handlers['chat.history'] = (p) => ({ payload: { sessionKey: p.sessionKey, messages: [], ...history } })
  server.handlers['clawchat.runs'] = (_p, _f, socket) => {
    beforeRunsAnswer?.(socket)
    return { payload: { runs: runs.map((r) => ({ sessionKey: 'main', ...r })), seq: socket.seq } }
  }
}

/** Plays `steps` on the newest socket, one per later turn of the event loop. */
async function play(server: FakeServer, steps: Array<(s: FakeSocket) => void>) {
  for (const step of steps) {
    await nextTurn()
    step(server.last)
  }
}

describe('chat.attach()', () => {
  it('resolves null when nothing runs in the session', async () => {
    const server = createFakeServer()
    busy(server, {}, [])
    const { chat } = newChat(server)
    expect(await chat.attach()).toBeNull()
    expect(server.requests('chat.history')[0]!.params).toMatchObject({ sessionKey: 'main' })
  })

  it('mid-run: the first part is the text so far, then the rest, each piece once, to the final', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'Hello wor' }])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    await play(server, [
      (s) => s.head(1, 'r1', 'Hello world'),
      (s) => s.lean(1, '!'),
      (s) => s.chat({ runId: 'r1', state: 'final', stopReason: 'stop', message: msg('Hello world!') }),
    ])
    expect(view(await done)).toEqual([
      ['Hello wor', 'Hello wor', 'delta', 'r1'],
      ['ld', 'Hello world', 'delta', 'r1'],
      ['!', 'Hello world!', 'delta', 'r1'],
      ['', 'Hello world!', 'final', 'r1'],
    ])
  })

  it('a delta older than the text clawchat.runs gave is not repeated', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'Hello' }], (s) =>
      s.chat({ runId: 'r1', state: 'delta', deltaText: 'Hel', message: msg('Hel') }),
    )
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    await play(server, [(s) => s.chat({ runId: 'r1', state: 'final', message: msg('Hello there') })])
    expect(view(await done)).toEqual([
      ['Hello', 'Hello', 'delta', 'r1'],
      [' there', 'Hello there', 'final', 'r1'],
    ])
  })

  it('an approval wait: the queued run is in flight, the text comes under the first run, the bare final is passed over', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, inFlightRun: { runId: 'B', text: '' } }, [])
    const { chat } = newChat(server)
    await chat.ready
    const approval = { id: 'ap1', request: { command: 'ls', runId: 'A', sessionKey: 'main' }, createdAtMs: 1 }
    server.last.receive({ type: 'event', event: 'exec.approval.requested', payload: approval })
    const reply = await chat.attach()
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const p of reply!) parts.push(p)
    })()
    await play(server, [
      (s) =>
        s.receive({ type: 'event', event: 'exec.approval.resolved', payload: { id: 'ap1', decision: 'allow-once' } }),
      (s) => s.chat({ runId: 'B', state: 'final' }),
      (s) => s.chat({ runId: 'A', state: 'delta', deltaText: 'ECHO', message: msg('ECHO') }),
      (s) => s.chat({ runId: 'A', state: 'final', stopReason: 'stop', message: msg('ECHO<<p3>>') }),
    ])
    await done
    expect(parts[0]).toMatchObject({ text: '', deltaText: '', state: 'delta', runId: 'B' })
    expect(parts[1]?.waiting).toMatchObject({ on: 'approval', approval: { id: 'ap1' } })
    expect(parts[2]?.waiting).toBeNull()
    expect(view(parts.slice(3))).toEqual([
      ['ECHO', 'ECHO', 'delta', 'A'],
      ['<<p3>>', 'ECHO<<p3>>', 'final', 'A'],
    ])
  })

  it('the tool calls in progress of the run come right after the first part (from the history)', async () => {
    const server = createFakeServer()
    const messages = [
      { role: 'user', content: 'run ls', runId: 'A', id: 'e1' },
      { role: 'assistant', content: [{ type: 'toolCall', id: 'tc1', name: 'exec' }], runId: 'A', id: 'e2' },
      { role: 'assistant', content: [{ type: 'toolCall', id: 'old', name: 'exec' }], runId: 'Z', id: 'e0' },
    ]
    busy(server, { hasActiveRun: true, activeRunIds: ['A'], messages }, [])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    await play(server, [(s) => s.chat({ runId: 'A', state: 'final', message: msg('done') })])
    const parts = await done
    expect(parts.map((p) => p.tool?.toolCallId)).toEqual([undefined, 'tc1', undefined])
    expect(parts[1]!.tool).toMatchObject({ name: 'exec', status: 'running', runId: 'A', sessionKey: 'main' })
  })

  it('ends with ClawChatRunError when the run fails', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'Hi' }])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    await play(server, [(s) => s.chat({ runId: 'r1', state: 'error', errorMessage: 'model overloaded' })])
    const err = await done.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClawChatRunError)
    expect(err).toMatchObject({ state: 'error', runId: 'r1' })
  })

  it('follows only its own session', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'A' }])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    await play(server, [
      (s) => s.chat({ runId: 'x', sessionKey: 'work', state: 'final', message: msg('other session') }),
      (s) => s.chat({ runId: 'r1', state: 'final', message: msg('AB') }),
    ])
    expect(view(await done)).toEqual([
      ['A', 'A', 'delta', 'r1'],
      ['B', 'AB', 'final', 'r1'],
    ])
  })

  it('a run that ended while the connection was down: its reply comes from the history, marked recovered', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'Hel' }])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    const stored = [
      { role: 'user', content: 'hi', runId: 'r1', id: 'e1' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello again' }], runId: 'r1', stopReason: 'stop' },
    ]
    busy(server, { messages: stored }, [])
    await nextTurn()
    server.last.serverClose(1012)
    const parts = await done
    expect(view(parts)).toEqual([
      ['Hel', 'Hel', 'delta', 'r1'],
      ['lo again', 'Hello again', 'final', 'r1'],
    ])
    expect(parts.at(-1)).toMatchObject({ recovered: true, stopReason: 'stop' })
  })

  it('a run gone from the proxy and not in the history is lost', async () => {
    const server = createFakeServer()
    busy(server, { hasActiveRun: true, activeRunIds: ['r1'] }, [{ runId: 'r1', text: 'Hel' }])
    const { chat } = newChat(server)
    const reply = await chat.attach()
    const done = collect(reply!)
    busy(server, {}, [])
    await nextTurn()
    server.last.serverClose(1012)
    await expect(done).rejects.toMatchObject({ state: 'lost' })
  })

  it('refuses a session key that is not valid, before asking anything', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await expect(chat.attach({ sessionKey: '../x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await chat.ready
    expect(server.requests('chat.history')).toHaveLength(0)
  })
})
