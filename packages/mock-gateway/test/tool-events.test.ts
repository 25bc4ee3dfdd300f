import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import { loadJsonl, received } from './helpers/reference.js'
import { expectSameShape } from './helpers/shape.js'
import { agentEvents, connectTool, RWA, toolTrail } from './helpers/tool-clients.js'

/** Tool calls driven by markers and by agent steps, against transcripts-tools/t1-tool-events.jsonl. */
const h = new Harness()
afterEach(() => h.cleanup())

const echo: MockAgent = (m) => [`ECHO<<${m}>>`]
const t1 = loadJsonl('transcripts-tools/t1-tool-events.jsonl')

/** The recorded `agent` payloads of A (the sender) for one run and stream/phase. */
function recorded(conn: string, runPrefix: string, stream: string, phase?: string): any[] {
  return received(t1, conn)
    .filter((f) => f.event === 'agent' && f.payload.runId.startsWith(runPrefix) && f.payload.stream === stream)
    .map((f) => f.payload)
    .filter((p) => phase === undefined || p.data.phase === phase)
}

/** A payload without the session row the gateway sometimes attaches to `tool` events. */
function withoutSessionRow(p: any): any {
  return Object.fromEntries(
    Object.entries(p).filter(([k]) =>
      ['runId', 'stream', 'data', 'sessionKey', 'agentId', 'seq', 'ts', 'isHeartbeat'].includes(k),
    ),
  )
}

async function threeClients(agent: MockAgent = echo) {
  const gw = await h.gateway({ agent })
  const A = await connectTool(h, gw, { scopes: RWA, caps: ['tool-events'] })
  const B = await connectTool(h, gw, { scopes: RWA, caps: [] })
  const C = await connectTool(h, gw, { scopes: RWA, caps: ['tool-events'] })
  return { gw, A, B, C }
}

async function send(c: Awaited<ReturnType<typeof connectTool>>, sessionKey: string, message: string, runId: string) {
  const res = await c.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  expect(res.payload).toEqual({ runId, status: 'started' })
  return (await c.event('chat', (p) => p.runId === runId && p.state === 'final')).payload
}

describe('a read marker (t1 phase "read tool")', () => {
  it('sends item events to everyone, tool events only to the sender with tool-events, then the reply', async () => {
    const { A, B, C } = await threeClients()
    const final = await send(
      A,
      'tools-t1b',
      'please read [[TOOL:read]] [[ARGS:{"path":"/tmp/probe.txt"}]] MSG:t1-read',
      'r-1',
    )
    await B.event('chat', (p) => p.state === 'final')
    await C.event('chat', (p) => p.state === 'final')
    expect(toolTrail(A, 'r-1')).toEqual(['item:start', 'tool:start', 'tool:result', 'item:end'])
    expect(toolTrail(B, 'r-1')).toEqual(['item:start', 'item:end'])
    expect(toolTrail(C, 'r-1')).toEqual(['item:start', 'item:end'])
    expect(final.message.content[0].text).toBe('ECHO<<please read MSG:t1-read>>')
    const [start] = agentEvents(A, 'r-1', 'tool')
    expect(start.data.args).toEqual({ path: '/tmp/probe.txt' })
    const result = agentEvents(A, 'r-1', 'tool')[1]
    expect(result.data.result.content[0].text).toBe('hello from the mock file\n')
    expectSameShape(start, withoutSessionRow(recorded('A', '8b70f683', 'tool', 'start')[0]))
    expectSameShape(result, withoutSessionRow(recorded('A', '8b70f683', 'tool', 'result')[0]))
    for (const phase of ['start', 'end']) {
      expectSameShape(
        agentEvents(B, 'r-1', 'item').find((p) => p.data.phase === phase),
        recorded('B', '8b70f683', 'item', phase)[0],
      )
    }
    const end = agentEvents(A, 'r-1', 'lifecycle').find((p) => p.data.phase === 'end')
    expect(end.data.terminalReceipt.successfulToolNames).toEqual(['read'])
    // A read has no side effects: the end keeps `replayInvalid:false` in its usual place (an exec moves it).
    expect(end.data.replayInvalid).toBe(false)
    expect(Object.keys(end.data)).toEqual(Object.keys(recorded('A', '8b70f683', 'lifecycle', 'end')[0].data))
    const finishing = agentEvents(A, 'r-1', 'lifecycle').find((p) => p.data.phase === 'finishing')
    expect(Object.keys(finishing.data)).toEqual(
      Object.keys(recorded('A', '8b70f683', 'lifecycle', 'finishing')[0].data),
    )
  })

  it('keeps tool information out of chat events and numbers tool events in the run seq', async () => {
    const { A, B } = await threeClients()
    await send(A, 's', 'x [[TOOL:read]] [[ARGS:{"path":"/p"}]]', 'r-2')
    await B.event('chat', (p) => p.runId === 'r-2' && p.state === 'final')
    for (const f of A.events('chat').filter((f) => f.payload.runId === 'r-2')) {
      expect(JSON.stringify(f.payload)).not.toMatch(/toolCall|hello from the mock/)
    }
    const seqA = agentEvents(A, 'r-2').map((p) => p.seq)
    expect(seqA).toEqual([...seqA].sort((a, b) => a - b))
    // B misses the tool events' seq numbers, as recorded (7, 10: 8 and 9 were A's tool events).
    const itemsB = agentEvents(B, 'r-2', 'item').map((p) => p.seq)
    expect(itemsB[1]! - itemsB[0]!).toBe(3)
  })
})

describe('an exec marker under the default policy (t1 phase "exec tool")', () => {
  it('streams the fake output with the recorded events in the recorded order, never running anything', async () => {
    const { A, B } = await threeClients()
    await send(
      A,
      'tools-t1b',
      'run it [[TOOL:exec]] [[ARGS:{"command":"echo hi-from-exec","title":"say hi"}]] MSG:t1-exec',
      'e-1',
    )
    await B.event('chat', (p) => p.runId === 'e-1' && p.state === 'final')
    const order = [
      'item:start',
      'tool:start',
      'tool:update',
      'item:update',
      'command_output:delta',
      'tool:result',
      'item:end',
      'command_output:end',
    ]
    expect(toolTrail(A, 'e-1')).toEqual(order)
    expect(toolTrail(B, 'e-1')).toEqual(order.filter((s) => !s.startsWith('tool:')))
    const recordedTrail = recorded('A', 'ae8fae2e', 'item').length + recorded('A', 'ae8fae2e', 'tool').length
    expect(toolTrail(A, 'e-1')).toHaveLength(recordedTrail + recorded('A', 'ae8fae2e', 'command_output').length)
    for (const stream of ['item', 'command_output', 'tool']) {
      const mine = agentEvents(A, 'e-1', stream)
      const theirs = recorded('A', 'ae8fae2e', stream)
      mine.forEach((p, i) => expectSameShape(p, withoutSessionRow(theirs[i])))
    }
    const [, update, result] = agentEvents(A, 'e-1', 'tool')
    expect(update.data.partialResult.content[0].text).toBe('hi-from-exec\n')
    expect(result.data.result.content[0].text).toBe('hi-from-exec')
    expect(agentEvents(B, 'e-1', 'command_output').map((p) => p.data.output)).toEqual(['hi-from-exec', 'hi-from-exec'])
    for (const phase of ['finishing', 'end']) {
      const mine = agentEvents(A, 'e-1', 'lifecycle').find((p) => p.data.phase === phase)
      expect(Object.keys(mine.data)).toEqual(Object.keys(recorded('A', 'ae8fae2e', 'lifecycle', phase)[0].data))
      expect(mine.data.replayInvalid).toBe(true)
    }
  })

  it('answers any other command with "mock: <command>"', async () => {
    const { A } = await threeClients()
    await send(A, 's', '[[TOOL:exec]] [[ARGS:{"command":"rm -rf /"}]]', 'e-2')
    const result = agentEvents(A, 'e-2', 'tool').find((p) => p.data.phase === 'result')
    expect(result.data.result.content[0].text).toBe('mock: rm -rf /')
    expect(result.data.isError).toBe(false)
  })
})

describe('chat.history of a run with tools (t1 phase "chat.history")', () => {
  it('has the user, toolCall, toolResult and text rows, and the activity list, in the recorded shapes', async () => {
    const { A } = await threeClients()
    await send(A, 'tools-t1b', 'please read [[TOOL:read]] [[ARGS:{"path":"/tmp/probe.txt"}]] MSG:t1-read', 'h-1')
    await send(
      A,
      'tools-t1b',
      'run it [[TOOL:exec]] [[ARGS:{"command":"echo hi-from-exec","title":"say hi"}]] MSG:t1-exec',
      'h-2',
    )
    const res = await A.request('chat.history', { sessionKey: 'tools-t1b' })
    const ref = received(t1, 'A').find((f) => f.type === 'res' && f.id === 'A-6').payload
    expect(res.payload.messages.map((m: any) => m.role)).toEqual(ref.messages.map((m: any) => m.role))
    res.payload.messages.forEach((m: any, i: number) => expectSameShape(m, ref.messages[i]))
    expect(Object.keys(res.payload).slice(0, 5)).toEqual(Object.keys(ref).slice(0, 5))
    expectSameShape(res.payload.activity, ref.activity)
    expect(res.payload.activity.map((a: any) => a.items[0].title)).toEqual(['Read', 'Read', 'Exec', 'Exec'])
    const [, call, result] = res.payload.messages
    expect(call).toMatchObject({
      stopReason: 'toolUse',
      content: [{ type: 'toolCall', name: 'read', arguments: { path: '/tmp/probe.txt' } }],
    })
    expect(result).toMatchObject({
      role: 'toolResult',
      toolCallId: call.content[0].id,
      toolName: 'read',
      isError: false,
    })
  })
})

describe('tool steps yielded by a MockAgent', () => {
  it('runs the tools between the text chunks, several markers making one model turn', async () => {
    const agent: MockAgent = function* (message) {
      if (message.startsWith('two')) {
        yield 'done two'
        return
      }
      yield 'Let me look. '
      yield { tool: 'exec', args: { command: 'echo from-agent' } }
      yield { tool: 'nope' }
      yield 'Looked.'
    }
    const { A } = await threeClients(agent)
    const final = await send(A, 's', 'please', 'g-1')
    expect(final.message.content[0].text).toBe('Let me look. Looked.')
    const results = agentEvents(A, 'g-1', 'tool').filter((p) => p.data.phase === 'result')
    expect(results.map((p) => [p.data.name, p.data.isError])).toEqual([
      ['exec', false],
      ['nope', true],
    ])
    expect(results[0].data.result.content[0].text).toBe('from-agent')
    expect(JSON.parse(results[1].data.result.content[0].text)).toEqual({
      status: 'error',
      tool: 'nope',
      error: 'Tool nope not found',
    })
    await send(A, 's2', 'two [[TOOL:read]] [[ARGS:{"path":"a"}]] [[TOOL:read]] [[ARGS:{"path":"b"}]]', 'g-2')
    const history = (await A.request('chat.history', { sessionKey: 's2' })).payload.messages
    expect(history.map((m: any) => m.role)).toEqual(['user', 'assistant', 'toolResult', 'toolResult', 'assistant'])
    expect(history[1].content.map((c: any) => c.arguments.path)).toEqual(['a', 'b'])
  })
})
