import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '@clawchat/protocol'
import { toolCallsFromHistory, type ToolCall } from '../src/index.js'
import { ToolCallTracker } from '../src/tool-calls.js'
import { createFakeServer } from './helpers/fake-socket.js'
import { newChat, collect } from './helpers/chat.js'
import { HISTORY_T1, framesOf, playScenario } from './helpers/tool-frames.js'

/** Every call the tracker reports while it reads `scenario`'s agent events. */
function track(scenario: Parameters<typeof framesOf>[0]): ToolCall[] {
  const tracker = new ToolCallTracker()
  const seen: ToolCall[] = []
  for (const f of framesOf(scenario, 'run-1')) {
    if (f.event !== 'agent') continue
    const call = tracker.apply(f.payload as unknown as AgentEvent)
    if (call) seen.push(call)
  }
  return seen
}

describe('tool calls from agent events (recorded frames, t1/t2 of the real gateway)', () => {
  it('an exec: name, title, args, output so far, then done with its result', () => {
    const seen = track('exec')
    expect(seen.map((c) => c.status)).toEqual(['running', 'running', 'running', 'running', 'done'])
    expect(seen[0]).toMatchObject({ toolCallId: 'call_fake_3_0', runId: 'run-1', sessionKey: 'main', name: 'exec' })
    expect(seen.find((c) => c.output !== undefined && c.result === undefined)?.output).toBe('hi-from-exec\n')
    expect(seen.at(-1)).toEqual({
      toolCallId: 'call_fake_3_0',
      runId: 'run-1',
      sessionKey: 'main',
      name: 'exec',
      title: 'Exec say hi',
      args: { command: 'echo hi-from-exec', title: 'say hi' },
      status: 'done',
      output: 'hi-from-exec',
      result: 'hi-from-exec',
    })
  })

  it('a read: done with the file text, titled as the gateway titles it', () => {
    expect(track('read').at(-1)).toMatchObject({
      name: 'read',
      title: 'Read from ~/work/probe.txt',
      status: 'done',
      result: 'hello from probe file\n',
    })
  })

  it('an exec denied by an admin: failed, with the denial as its error, and the approval it waited for', () => {
    const last = track('denied').at(-1)!
    expect(last.status).toBe('failed')
    expect(last.error).toMatch(/^Exec denied \(gateway id=5ff4a893-7f98-4dc2-8a18-6c2182d1f076, user-denied\)/)
    expect(last.approvalId).toBe('5ff4a893-7f98-4dc2-8a18-6c2182d1f076')
  })

  it('events that change nothing make no update; other streams and runs are not tool calls', () => {
    const tracker = new ToolCallTracker()
    const item = { runId: 'r', sessionKey: 'main', stream: 'item', data: { toolCallId: 't', title: 'Exec x' } }
    expect(tracker.apply(item)).toBeDefined()
    expect(tracker.apply(item)).toBeUndefined()
    expect(tracker.apply({ runId: 'r', sessionKey: 'main', stream: 'assistant', data: { text: 'hi' } })).toBeUndefined()
    const lifecycleEnd = {
      runId: 'r',
      sessionKey: 'main',
      stream: 'lifecycle',
      data: { phase: 'end', toolCallId: 't' },
    }
    expect(tracker.apply(lifecycleEnd)).toBeUndefined()
    expect(tracker.apply({ ...item, runId: 'other' })).toMatchObject({ runId: 'other', toolCallId: 't' })
    expect(tracker.callsOf('r')).toHaveLength(1)
  })

  it('a finished call never goes back to running (a late item update)', () => {
    const tracker = new ToolCallTracker()
    const ev = (stream: string, data: Record<string, unknown>) => ({ runId: 'r', sessionKey: 'main', stream, data })
    tracker.apply(ev('tool', { phase: 'result', toolCallId: 't', isError: true, result: { content: [] } }))
    expect(
      tracker.apply(ev('item', { phase: 'update', toolCallId: 't', status: 'running', title: 'T' })),
    ).toMatchObject({ status: 'failed', title: 'T' })
    expect(tracker.apply(ev('item', { phase: 'end', toolCallId: 't', status: 'completed' }))).toBeUndefined()
  })
})

describe('chat.on("tool") and stream() parts', () => {
  it('stream() yields a part with `tool` at each change, text parts as before, and on("tool") sees the same', async () => {
    const server = createFakeServer()
    const runs = playScenario(server, 'exec')
    const { chat } = newChat(server)
    const onTool: ToolCall[] = []
    chat.on('tool', (call) => onTool.push(call))
    const parts = await collect(chat.stream('run it'))
    const toolParts = parts.filter((p) => p.tool)
    expect(toolParts.map((p) => p.tool!.status)).toEqual(['running', 'running', 'running', 'running', 'done'])
    expect(toolParts.every((p) => p.deltaText === '' && p.state === 'delta' && p.runId === runs[0])).toBe(true)
    expect(toolParts.at(-1)!.tool).toMatchObject({ result: 'hi-from-exec', runId: runs[0] })
    expect(onTool).toEqual(toolParts.map((p) => p.tool))
    const textParts = parts.filter((p) => !p.tool)
    expect(textParts.map((p) => [p.deltaText, p.text, p.state])).toEqual([
      ['TOOLRESULT<<hi-from-exec>>', 'TOOLRESULT<<hi-from-exec>>', 'delta'],
      ['', 'TOOLRESULT<<hi-from-exec>>', 'final'],
    ])
    expect(textParts.every((p) => !('tool' in p) && !('waiting' in p))).toBe(true)
  })

  it("another run's tool calls reach on('tool') but not this stream", async () => {
    const server = createFakeServer()
    const base = server.handlers['chat.send']!
    server.handlers['chat.send'] = (p, f, socket) => {
      for (const frame of framesOf('read', 'someone-elses-run'))
        if (frame.event === 'agent') socket.receive({ type: 'event', event: 'agent', payload: frame.payload })
      socket.receive({ type: 'event', event: 'chat', payload: { runId: p.idempotencyKey, state: 'final', seq: 1 } })
      return base(p, f, socket)
    }
    const { chat } = newChat(server)
    const onTool: ToolCall[] = []
    chat.on('tool', (call) => onTool.push(call))
    const parts = await collect(chat.stream('x'))
    expect(parts.some((p) => p.tool)).toBe(false)
    expect(onTool.at(-1)).toMatchObject({ runId: 'someone-elses-run', name: 'read', status: 'done' })
  })
})

describe('toolCallsFromHistory', () => {
  it('rebuilds the tool cards of a reloaded session: calls, args, results, titles, runs', () => {
    const calls = toolCallsFromHistory(HISTORY_T1)
    expect(calls).toEqual([
      {
        toolCallId: 'call_fake_1_0',
        runId: '8b70f683-2871-4444-bc76-87059860568b',
        sessionKey: 'main',
        name: 'read',
        title: 'Read',
        args: { path: '/tmp/oc-tools/home/work/probe.txt' },
        status: 'done',
        result: 'hello from probe file\n',
      },
      {
        toolCallId: 'call_fake_3_0',
        runId: 'ae8fae2e-9cb1-486a-b7a6-4b83b0d0379f',
        sessionKey: 'main',
        name: 'exec',
        title: 'Exec',
        args: { command: 'echo hi-from-exec', title: 'say hi' },
        status: 'done',
        result: 'hi-from-exec',
      },
    ])
  })

  it('a call without its result yet is running; a denied one failed with its approval id', () => {
    const denial = 'Exec denied (gateway id=5ff4a893-7f98-4dc2-8a18-6c2182d1f076, user-denied): echo deny-me'
    const calls = toolCallsFromHistory({
      sessionKey: 'main',
      messages: [
        { role: 'assistant', content: [{ type: 'toolCall', id: 'a', name: 'exec', arguments: { command: 'x' } }] },
        { role: 'assistant', content: [{ type: 'toolCall', id: 'b', name: 'exec', arguments: { command: 'y' } }] },
        {
          role: 'toolResult',
          toolCallId: 'b',
          toolName: 'exec',
          isError: true,
          content: [{ type: 'text', text: denial }],
        },
      ],
    })
    expect(calls.map((c) => [c.toolCallId, c.status])).toEqual([
      ['a', 'running'],
      ['b', 'failed'],
    ])
    expect(calls[1]).toMatchObject({ error: denial, approvalId: '5ff4a893-7f98-4dc2-8a18-6c2182d1f076' })
  })

  it('an empty or tool-less history has no calls', () => {
    expect(toolCallsFromHistory({ sessionKey: 'main', messages: [{ role: 'user', content: 'hi' }] })).toEqual([])
  })
})
