import { describe, expect, it } from 'vitest'
import { ClawChatRequestError } from '../src/index.js'
import { collect, newChat, nextTurn } from './helpers/chat.js'
import { createFakeServer, type FakeServer } from './helpers/fake-socket.js'

const text = (t: string) => [{ type: 'text', text: t }]
const HISTORY = [
  { role: 'user', content: 'first', runId: 'r1', id: 'e1' },
  { role: 'assistant', content: text('one'), runId: 'r1', id: 'e2', stopReason: 'stop' },
  { role: 'user', content: 'second', runId: 'r2', id: 'e3' },
  { role: 'assistant', content: text('two'), runId: 'r2', id: 'e4', stopReason: 'stop' },
]

/** A server with `messages` in session main, that answers sessions.* and plays a reply to each send. */
function manageServer(messages: unknown[], extra: Record<string, unknown> = {}): FakeServer {
  const server = createFakeServer()
  server.handlers['chat.history'] = (p) => ({ payload: { sessionKey: p.sessionKey, messages, ...extra } })
  server.handlers['sessions.patch'] = (p) => ({ payload: { ok: true, ...p } })
  server.handlers['sessions.delete'] = (p) => ({ payload: { ok: true, key: p.key, deleted: true } })
  server.handlers['sessions.rewind'] = () => ({ payload: { ok: true, editorText: 'second' } })
  server.handlers['chat.send'] = (p, _f, socket) => {
    void nextTurn().then(() =>
      socket.chat({ runId: p.idempotencyKey, state: 'final', message: { role: 'assistant', content: text('new') } }),
    )
    return { payload: { runId: p.idempotencyKey, status: 'started' } }
  }
  return server
}

describe('chat.sessions', () => {
  it('rename, pin, archive and delete send sessions.patch / sessions.delete with exactly those fields', async () => {
    const server = manageServer([])
    const { chat } = newChat(server)
    expect(await chat.sessions.rename('work', '  Trip to Lisbon ')).toMatchObject({
      key: 'work',
      label: 'Trip to Lisbon',
    })
    await chat.sessions.rename('work', null)
    await chat.sessions.pin('work')
    await chat.sessions.pin('work', false)
    await chat.sessions.archive('work')
    expect(await chat.sessions.delete('work')).toEqual({ ok: true, key: 'work', deleted: true })
    expect(server.requests('sessions.patch').map((f) => f.params)).toEqual([
      { key: 'work', label: 'Trip to Lisbon' },
      { key: 'work', label: null },
      { key: 'work', pinned: true },
      { key: 'work', pinned: false },
      { key: 'work', archived: true },
    ])
    expect(server.requests('sessions.delete').map((f) => f.params)).toEqual([{ key: 'work' }])
  })

  it('list passes its params (archived included) and leaves the request options out', async () => {
    const server = manageServer([])
    const { chat } = newChat(server)
    await chat.sessions.list({ limit: 5, archived: 'all', timeoutMs: 1000 })
    expect(server.requests('sessions.list')[0]!.params).toEqual({ limit: 5, archived: 'all' })
  })

  it('bad arguments are refused, naming what was wrong, and nothing is sent', async () => {
    const server = manageServer([])
    const { chat } = newChat(server)
    await expect(chat.sessions.rename('work', '   ')).rejects.toThrow(/label must be a non-empty string or null/)
    await expect(chat.sessions.pin('work', 'yes' as never)).rejects.toThrow(/pinned must be true or false/)
    await expect(chat.sessions.archive('work', 1 as never)).rejects.toThrow(/archived must be true or false/)
    await expect(chat.sessions.delete('')).rejects.toThrow(/key must be a session key/)
    await expect(chat.sessions.rename('../alice', 'x')).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(chat.sessions.list({ archived: 'yes' as never })).rejects.toThrow(
      /archived must be true, false or 'all'/,
    )
    await chat.ready
    expect(server.requests('sessions.patch')).toHaveLength(0)
    expect(server.requests('sessions.delete')).toHaveLength(0)
  })

  it("the server's refusal (a taken label) reaches the caller as a ClawChatRequestError", async () => {
    const server = manageServer([])
    server.handlers['sessions.patch'] = () => ({
      error: { code: 'INVALID_REQUEST', message: 'label already in use: Trip' },
    })
    const { chat } = newChat(server)
    const err = await chat.sessions.rename('work', 'Trip').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClawChatRequestError)
    expect(err).toMatchObject({ method: 'sessions.patch', message: expect.stringContaining('label already in use') })
  })
})

describe('chat.regenerate() / chat.edit()', () => {
  it('regenerate rewinds to the last user message and sends its text again, streamed', async () => {
    const server = manageServer(HISTORY)
    const { chat } = newChat(server)
    const parts = await collect(chat.regenerate())
    expect(parts.at(-1)).toMatchObject({ text: 'new', state: 'final' })
    expect(server.requests('sessions.rewind').map((f) => f.params)).toEqual([{ sessionKey: 'main', entryId: 'e3' }])
    expect(server.requests('chat.send').map((f) => f.params.message)).toEqual(['second'])
  })

  it('regenerate passes over a gateway [System] row (no runId) for the last message of the user', async () => {
    const system = { role: 'user', content: '[System] Your previous turn was interrupted', id: 'e5' }
    const server = manageServer([...HISTORY, system])
    const { chat } = newChat(server)
    await collect(chat.regenerate())
    expect(server.requests('sessions.rewind')[0]!.params.entryId).toBe('e3')
  })

  it('edit rewinds to that message and sends the new text', async () => {
    const server = manageServer(HISTORY)
    const { chat } = newChat(server)
    const parts = await collect(chat.edit('e1', 'first, better'))
    expect(parts.at(-1)?.state).toBe('final')
    expect(server.requests('sessions.rewind').map((f) => f.params)).toEqual([{ sessionKey: 'main', entryId: 'e1' }])
    expect(server.requests('chat.send').map((f) => f.params.message)).toEqual(['first, better'])
  })

  it('clear errors: not a user message, an unknown id, no message to regenerate, a run in progress', async () => {
    const { chat } = newChat(manageServer(HISTORY))
    await expect(collect(chat.edit('e2', 'x'))).rejects.toThrow(/"e2" is not a user message/)
    await expect(collect(chat.edit('nope', 'x'))).rejects.toThrow(/"nope" is not in session "main"/)
    await expect(collect(chat.edit('e1', ' '))).rejects.toThrow(/new text must be a non-empty string/)
    const { chat: empty } = newChat(manageServer([]))
    await expect(collect(empty.regenerate())).rejects.toThrow(/no message of yours in session "main"/)
    const busy = manageServer(HISTORY, { hasActiveRun: true })
    const { chat: running } = newChat(busy)
    await expect(collect(running.regenerate())).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    expect(busy.requests('sessions.rewind')).toHaveLength(0)
  })

  it("the gateway's refusal of the rewind is passed on, and nothing is sent", async () => {
    const server = manageServer(HISTORY)
    server.handlers['sessions.rewind'] = () => ({
      error: { code: 'UNAVAILABLE', message: 'Rewind is unavailable while the agent is working.' },
    })
    const { chat } = newChat(server)
    await expect(collect(chat.regenerate())).rejects.toThrow(/unavailable while the agent is working/)
    expect(server.requests('chat.send')).toHaveLength(0)
  })
})
