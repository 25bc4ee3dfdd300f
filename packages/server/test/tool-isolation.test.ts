/**
 * Issue 18 items 1–2 through the whole relay, on the mock gateway (which, like the real one, sends
 * the live `tool` stream to the link that sent the run's `chat.send` when it named `tool-events`,
 * and broadcasts `item` and `command_output` to every operator connection): alice's tool calls
 * reach alice — the live `tool` stream only her tabs that asked for it — and never bob, with
 * every trick of the isolation suite; the token a command prints never reaches a browser; the
 * history rows of a run with tools come through whitelisted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { KNOWN_CAPS, SDK_CAPS } from '@clawchat/protocol'
import type { MockAgent } from '@clawchat/mock-gateway'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'
import { startHarness, testAgent, waitFor, type Harness, type TestClient } from './helpers/harness.js'

let harnesses: Harness[] = []
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close()
  harnesses = []
})

async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(options)
  harnesses.push(h)
  await h.waitForLinkUp()
  return h
}

/** Opens a tab of `userId` that sends `connect` with `caps` (`null`: no connect at all). */
async function tab(h: Harness, userId: string, caps: readonly string[] | null): Promise<TestClient> {
  const client = await h.connectAs({ id: userId }, false)
  if (caps !== null) expect((await client.connect({ caps: [...caps] })).ok).toBe(true)
  return client
}

/** Sends a message and waits for its run's final. */
async function send(client: TestClient, message: string, idempotencyKey: string, sessionKey = 'main'): Promise<void> {
  const ack = await client.request('chat.send', { sessionKey, message, idempotencyKey }, 20_000)
  expect(ack.ok, JSON.stringify(ack.error)).toBe(true)
  await client.waitForEvent('chat', (p) => p.runId === idempotencyKey && p.state === 'final', 20_000)
}

/** The gateway emits a final for `userId`'s main session; resolves once `client` has it (the link is in order). */
async function markerReaches(h: Harness, client: TestClient, userId: string): Promise<void> {
  h.gateway!.emitEvent('chat', {
    runId: upstreamRunId('clawchat', userId, 'main', 'marker'),
    sessionKey: `agent:main:${gatewaySessionKey('clawchat', userId, 'main')}`,
    seq: 1,
    state: 'final',
  })
  await client.waitForEvent('chat', (p) => p.runId === 'marker')
}

const streamOf = (client: TestClient, runId: string, stream: string) =>
  client.events('agent').filter((f) => f.payload.runId === runId && f.payload.stream === stream)

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo ALICE-OUTPUT","title":"alice task"}]]'

/** Server paths, process and gateway ids that no browser may see. */
const UPSTREAM_MARKERS = ['"cwd"', '"pid"', '/workspace', 'agent:main', '"sessionId"', '"participants":', '"agentId"']

describe("alice's tool calls", () => {
  it('reach her tabs — the live tool stream only those that asked — and bob never, even with her run id', async () => {
    const h = await start()
    const sdk = await tab(h, 'alice', SDK_CAPS)
    const plain = await tab(h, 'alice', [])
    const bob = await tab(h, 'bob', KNOWN_CAPS)
    // Bob reuses alice's run id (idempotency key) for a tool run of his own.
    await Promise.all([send(sdk, EXEC, 'run-1'), send(bob, 'mine [[TOOL:read]] [[ARGS:{"path":"b.txt"}]]', 'run-1')])
    await markerReaches(h, bob, 'bob')
    await markerReaches(h, plain, 'alice')

    const tools = streamOf(sdk, 'run-1', 'tool').map((f) => f.payload.data)
    expect(tools.map((d) => `${d.name}:${d.phase}`)).toEqual(['exec:start', 'exec:update', 'exec:result'])
    expect(tools[0].args).toEqual({ command: 'echo ALICE-OUTPUT', title: 'alice task' })
    expect(tools[2].result.content).toEqual([{ type: 'text', text: 'ALICE-OUTPUT' }])
    for (const client of [sdk, plain]) {
      expect(streamOf(client, 'run-1', 'item').map((f) => f.payload.data.phase)).toEqual(['start', 'update', 'end'])
      const output = streamOf(client, 'run-1', 'command_output').map((f) => f.payload.data)
      expect(output.map((d) => d.output)).toEqual(['ALICE-OUTPUT', 'ALICE-OUTPUT'])
      for (const marker of UPSTREAM_MARKERS) expect(client.raw.join('\n')).not.toContain(marker)
    }
    expect(streamOf(plain, 'run-1', 'tool')).toEqual([])

    // Bob sees his own read, and nothing of alice's exec.
    expect(streamOf(bob, 'run-1', 'tool').map((f) => f.payload.data.name)).toEqual(['read', 'read'])
    const bobSaw = bob.raw.join('\n')
    for (const secret of ['ALICE-OUTPUT', 'alice task', '"exec"', 'alice']) expect(bobSaw).not.toContain(secret)
  })

  it('reach a tab that skipped connect without the live tool stream (it has no caps)', async () => {
    const h = await start()
    const noConnect = await tab(h, 'alice', null)
    await send(noConnect, EXEC, 'run-2')
    expect(streamOf(noConnect, 'run-2', 'item')).toHaveLength(3)
    expect(streamOf(noConnect, 'run-2', 'command_output')).toHaveLength(2)
    expect(streamOf(noConnect, 'run-2', 'tool')).toEqual([])
  })

  it("are in her chat.history as toolCall and toolResult rows and activity, and not in bob's", async () => {
    const h = await start()
    const sdk = await tab(h, 'alice', SDK_CAPS)
    const bob = await tab(h, 'bob', SDK_CAPS)
    await send(sdk, EXEC, 'run-3')
    const history = (await sdk.request('chat.history', { sessionKey: 'main' })).payload
    expect(history.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'toolResult', 'assistant'])
    const [call] = history.messages[1].content
    expect(call).toEqual({
      type: 'toolCall',
      id: expect.any(String),
      name: 'exec',
      arguments: { command: 'echo ALICE-OUTPUT', title: 'alice task' },
    })
    expect(history.messages[2]).toEqual({
      role: 'toolResult',
      toolCallId: call.id,
      toolName: 'exec',
      content: [{ type: 'text', text: 'ALICE-OUTPUT' }],
      isError: false,
      timestamp: expect.any(Number),
      runId: 'run-3',
      id: expect.any(String),
    })
    expect(history.activity.length).toBeGreaterThan(0)
    const ids = history.messages.map((m: any) => m.id)
    for (const entry of history.activity) {
      // An entry names its message only by an id of the page.
      for (const key of Object.keys(entry)) expect(['messageId', 'items']).toContain(key)
      if (entry.messageId !== undefined) expect(ids).toContain(entry.messageId)
      expect(entry.items[0]).toMatchObject({ toolCallId: call.id, name: 'exec', status: 'completed' })
    }
    const bobHistory = (await bob.request('chat.history', { sessionKey: 'main' })).payload
    expect(bobHistory.messages).toEqual([])
    expect(bobHistory.activity).toBeUndefined()
  })
})

describe('the gateway token a command prints', () => {
  it('never reaches a browser: not in args, titles, output, results or history', async () => {
    const h = await start()
    const token = h.token
    const leaking: MockAgent = (message, context) => {
      if (message !== 'leak') return testAgent(message, context)
      return [{ tool: 'exec', args: { command: `echo ${token}`, title: `print ${token}` } }, ' ', 'done']
    }
    h.gateway!.setAgent(leaking)
    const sdk = await tab(h, 'alice', SDK_CAPS)
    await send(sdk, 'leak', 'run-4')
    const history = await sdk.request('chat.history', { sessionKey: 'main' })
    expect(history.ok).toBe(true)
    // The tool did print it, and the browser saw where it was.
    expect(streamOf(sdk, 'run-4', 'tool')[0]!.payload.data.args.command).toBe('echo [redacted]')
    expect(streamOf(sdk, 'run-4', 'command_output')[0]!.payload.data.output).toBe('[redacted]')
    expect(sdk.raw.join('\n')).not.toContain(token)
    expect([...h.capture.logs, ...h.capture.audit].join('\n')).not.toContain(token)
  })

  // In 2026.9.6 each command_output delta is the output so far: the token grows into it piece by piece.
  it('never reaches a browser through the output so far of command_output deltas', async () => {
    const h = await start()
    const token = h.token
    const sdk = await tab(h, 'alice', SDK_CAPS)
    const plain = await tab(h, 'alice', [])
    const run = {
      runId: upstreamRunId('clawchat', 'alice', 'main', 'split'),
      sessionKey: `agent:main:${gatewaySessionKey('clawchat', 'alice', 'main')}`,
    }
    const printed = `key=${token}\n`
    const cuts = [7, 7 + Math.floor(token.length / 2)]
    const chunks = [printed.slice(0, cuts[0]), printed.slice(0, cuts[1]), printed]
    chunks.forEach((output, i) =>
      h.gateway!.emitEvent('agent', {
        ...run,
        stream: 'command_output',
        seq: i + 1,
        data: { itemId: 'command:c9', toolCallId: 'c9', name: 'exec', phase: 'delta', output, status: 'running' },
      }),
    )
    h.gateway!.emitEvent('agent', { ...run, stream: 'lifecycle', seq: 9, data: { phase: 'end' } })
    for (const client of [sdk, plain]) {
      await client.waitForEvent('agent', (p) => p.runId === 'split' && p.stream === 'lifecycle')
      const outputs = streamOf(client, 'split', 'command_output').map((f) => f.payload.data.output)
      expect(outputs).toEqual(['key=', 'key=', 'key=[redacted]\n'])
      expect(client.raw.join('\n')).not.toContain(token.slice(0, 8))
    }
  })
})

describe('the link', () => {
  it('asks the gateway for tool-events, and for the approval caps only with approvals.route', async () => {
    const plain = await start()
    expect((await plain.gateway!.waitForRequest('connect')).params).toMatchObject({ caps: ['tool-events'] })
    const routed = await start({ proxy: { approvals: { route: true } } })
    expect((await routed.gateway!.waitForRequest('connect')).params).toMatchObject({
      caps: ['tool-events', 'exec-approvals', 'plugin-approvals'],
    })
  })
})

describe('a link that reconnects while a run calls tools', () => {
  it('loses the live tool stream of the rest of the run (the gateway sends it to the old connection); item and output go on', async () => {
    const h = await start()
    let open = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    const gated: MockAgent = async function* () {
      yield { tool: 'exec', args: { command: 'echo before' } }
      yield ' '
      await gate
      yield { tool: 'exec', args: { command: 'echo after' } }
      yield ' '
      yield 'done'
    }
    h.gateway!.setAgent(gated)
    const sdk = await tab(h, 'alice', SDK_CAPS)
    const ack = await sdk.request('chat.send', { sessionKey: 'main', message: 'go', idempotencyKey: 'run-5' })
    expect(ack.ok).toBe(true)
    const byCall = (stream: string, output: string) =>
      streamOf(sdk, 'run-5', stream).filter((f) => JSON.stringify(f.payload.data).includes(output))
    await waitFor(() => byCall('tool', 'before').length === 3, 10_000, 'the first call to finish')
    // The link drops while the run waits between its calls, and comes back.
    const link = h.gateway!.connections().find((c) => c.clientId === 'gateway-client')!
    const connects = h.gateway!.requests.filter((r) => r.method === 'connect').length
    const droppedAt = Date.now()
    h.gateway!.disconnect(link.id)
    await waitFor(
      () => h.gateway!.requests.filter((r) => r.method === 'connect').length > connects,
      10_000,
      'a new link',
    )
    await h.waitForLinkUp()
    const reconnectMs = Date.now() - droppedAt
    open()
    await sdk.waitForEvent('chat', (p) => p.runId === 'run-5' && p.state === 'final', 20_000)
    const measured = {
      reconnectMs,
      toolEventsCall1: byCall('tool', 'before').length,
      toolEventsCall2: byCall('tool', 'after').length,
      itemEventsCall2: byCall('item', 'after').length,
      outputEventsCall2: byCall('command_output', 'after').length,
    }
    console.log(`link reconnect mid-run (mock gateway): ${JSON.stringify(measured)}`)
    const tools = streamOf(sdk, 'run-5', 'tool').map((f) => f.payload.data.phase)
    // Call 1 (before the drop): start, update, result. Call 2 (after): none of its tool events.
    expect(tools).toEqual(['start', 'update', 'result'])
    expect(measured.toolEventsCall2).toBe(0)
    // Call 2's item events (start, update, end) and command output (delta, end) still came.
    expect(measured.itemEventsCall2).toBe(3)
    expect(measured.outputEventsCall2).toBe(2)
  })
})

describe('a link that reconnects while a tool waits for its approval', () => {
  it('loses the rest of that call’s live tool stream; its item, output and result row still come', async () => {
    const h = await start({
      gateway: { exec: { mode: 'ask' } },
      proxy: { approvals: { route: true }, policy: { approvals: { user: 'own' } } },
    })
    const sdk = await tab(h, 'alice', SDK_CAPS)
    const message = 'run [[TOOL:exec]] [[ARGS:{"command":"echo waited","title":"w"}]]'
    expect((await sdk.request('chat.send', { sessionKey: 'main', message, idempotencyKey: 'run-6' })).ok).toBe(true)
    const requested = await sdk.waitForEvent('exec.approval.requested', () => true, 10_000)
    const link = h.gateway!.connections().find((c) => c.clientId === 'gateway-client')!
    const connects = h.gateway!.requests.filter((r) => r.method === 'connect').length
    h.gateway!.disconnect(link.id)
    await waitFor(
      () => h.gateway!.requests.filter((r) => r.method === 'connect').length > connects,
      10_000,
      'a new link',
    )
    await h.waitForLinkUp()
    await waitFor(
      async () => (await sdk.request('exec.approval.list', {})).payload?.length === 1,
      10_000,
      'the approval listed again',
    )
    const resolved = await sdk.request('exec.approval.resolve', { id: requested.payload.id, decision: 'allow-once' })
    expect(resolved.ok, JSON.stringify(resolved.error)).toBe(true)
    await sdk.waitForEvent('chat', (p) => p.runId === 'run-6' && p.state === 'final', 20_000)
    const phases = (stream: string) => streamOf(sdk, 'run-6', stream).map((f) => f.payload.data.phase)
    console.log(
      `link reconnect while a tool waits (mock gateway): tool ${JSON.stringify(phases('tool'))}, ` +
        `item ${JSON.stringify(phases('item'))}, command_output ${JSON.stringify(phases('command_output'))}`,
    )
    expect(phases('tool')).toEqual(['start'])
    expect(phases('item')).toEqual(['start', 'update', 'end'])
    expect(phases('command_output')).toEqual(['delta', 'end'])
    const history = (await sdk.request('chat.history', { sessionKey: 'main' })).payload
    expect(history.messages.find((m: any) => m.role === 'toolResult')?.content).toEqual([
      { type: 'text', text: 'waited' },
    ])
  })
})
