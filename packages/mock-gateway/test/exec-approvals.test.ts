import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness, until } from './helpers/harness.js'
import { loadJsonl, received } from './helpers/reference.js'
import { expectSameShape } from './helpers/shape.js'
import type { RawClient } from './helpers/raw-client.js'
import { agentEvents, t2Clients, toolTrail } from './helpers/tool-clients.js'

/** Exec approvals in ask mode, against transcripts-tools/t2-exec-approvals.jsonl (phases 1–6). */
const h = new Harness()
afterEach(() => h.cleanup())

const echo: MockAgent = (m) => [`ECHO<<${m}>>`]
const t2 = loadJsonl('transcripts-tools/t2-exec-approvals.jsonl')
const exec = (command: string, title: string) =>
  `run [[TOOL:exec]] [[ARGS:${JSON.stringify({ command, title })}]] MSG:${title}`

/** A recorded frame received by `conn` matching `match`. */
function rec(conn: string, match: (f: any) => boolean): any {
  const found = received(t2, conn).find(match)
  if (!found) throw new Error(`no recorded frame for ${conn}`)
  return found
}
const recordedRes = (conn: string, id: string) => rec(conn, (f) => f.type === 'res' && f.id === id)
const recordedEvent = (conn: string, event: string) => rec(conn, (f) => f.event === event)

async function askGateway(options = {}) {
  const gw = await h.gateway({ agent: echo, exec: { mode: 'ask' }, ...options })
  return { gw, ...(await t2Clients(h, gw)) }
}

async function requested(c: RawClient, runId: string): Promise<any> {
  return (await c.event('exec.approval.requested', (p) => p.request.runId === runId)).payload
}
const finalOf = async (c: RawClient, runId: string) =>
  (await c.event('chat', (p) => p.runId === runId && ['final', 'aborted'].includes(p.state))).payload

describe('phase 1: approval requested and allowed by the sender', () => {
  it('reaches the approval clients that can see it, answers list/get/resolve as recorded', async () => {
    const { A, B, C, D, E, F, G } = await askGateway()
    await A.request('chat.send', {
      sessionKey: 'apprb-1',
      message: exec('echo approve-me', 'p1'),
      idempotencyKey: 'p1',
    })
    const req = await requested(A, 'p1')
    await requested(F, 'p1')
    await Promise.all([A, B, C, D, E, F, G].map((c) => c.event('agent', (p) => p.data.phase === 'waiting-approval')))
    for (const c of [B, C, D, E, G]) expect(c.events('exec.approval.requested')).toEqual([])
    expectSameShape(req, recordedEvent('A', 'exec.approval.requested').payload)
    expect(req.request).toMatchObject({ command: 'echo approve-me', runId: 'p1', sessionKey: 'agent:main:apprb-1' })
    expect(req.request.allowedDecisions).toEqual(['allow-once', 'deny'])
    expect(req.request.unavailableDecisions).toEqual(['allow-always'])
    expect(req.expiresAtMs - req.createdAtMs).toBe(1_800_000)
    const waiting = agentEvents(D, 'p1', 'lifecycle').find((p) => p.data.phase === 'waiting-approval')
    expect(waiting.data).toEqual({ phase: 'waiting-approval', approvalId: req.id, toolCallId: req.request.toolCallId })
    expectSameShape(waiting, rec('D', (f) => f.payload?.data?.phase === 'waiting-approval').payload)

    const lists = await Promise.all([A, B, C, D, E, F, G].map((c) => c.request('exec.approval.list', {})))
    expect(lists.map((r) => (r.ok ? r.payload.length : r.error.code))).toEqual([1, 0, 'FORBIDDEN', 0, 1, 1, 0])
    expectSameShape(lists[0].payload, recordedRes('A', 'A-3').payload)
    expect(lists[2].error).toEqual(recordedRes('C', 'C-2').error)
    for (const c of [B, D, G]) {
      expect((await c.request('exec.approval.get', { id: req.id })).error).toEqual(recordedRes('D', 'D-3').error)
    }
    const badGet = await A.request('approval.get', { id: req.id, kind: 'exec' })
    expect(badGet.error).toEqual(recordedRes('A', 'A-4').error)
    // Recorded 2026-12-04 (e2e/real-gateway/fixtures/tools/tools-facts.json): get carries no request.
    const got = (await A.request('exec.approval.get', { id: req.id })).payload
    expect(got).toEqual({
      id: req.id,
      commandText: 'echo approve-me',
      commandPreview: null,
      allowedDecisions: ['allow-once', 'deny'],
      host: 'gateway',
      nodeId: null,
      agentId: 'main',
      expiresAtMs: req.expiresAtMs,
    })
    expect((await A.request('exec.approval.get', { id: req.id.slice(0, 8) })).payload.id).toBe(req.id)
    const any = (await A.request('approval.get', { id: req.id })).payload.approval
    expect(any).toMatchObject({ id: req.id, status: 'pending', urlPath: `/approve/${req.id}` })
    expect(any.presentation).toMatchObject({ kind: 'exec', commandText: 'echo approve-me' })
    expect((await G.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })).error).toEqual(
      recordedRes('G', 'G-4').error,
    )

    const res = await A.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })
    expect(res.payload).toEqual({ ok: true })
    const resolvedAt = A.frames.findIndex((f) => f.event === 'exec.approval.resolved')
    const lifecycleAt = A.frames.findIndex((f) => f.payload?.data?.phase === 'approval-resolved')
    expect(resolvedAt).toBeGreaterThan(-1)
    expect(lifecycleAt).toBeGreaterThan(resolvedAt)
    expect(A.frames.indexOf(res)).toBeGreaterThan(lifecycleAt)
    const resolved = (await F.event('exec.approval.resolved')).payload
    expect(resolved).toMatchObject({ id: req.id, decision: 'allow-once', resolvedBy: 'gateway-client' })
    expectSameShape(resolved, recordedEvent('F', 'exec.approval.resolved').payload)
    for (const c of [B, C, D, E, G]) expect(c.events('exec.approval.resolved')).toEqual([])

    const final = await finalOf(A, 'p1')
    expect(final.message.content[0].text).toBe('ECHO<<run MSG:p1>>')
    expect(toolTrail(A, 'p1')).toEqual([
      ...['item:start', 'tool:start', 'lifecycle:waiting-approval', 'lifecycle:approval-resolved'],
      ...['tool:update', 'item:update', 'command_output:delta', 'tool:result', 'item:end', 'command_output:end'],
    ])
    expect((await A.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })).payload).toEqual({
      ok: true,
    })
    const again = await A.request('exec.approval.resolve', { id: req.id, decision: 'deny' })
    expect(again.error).toEqual(recordedRes('A', 'A-7').error)
  })
})

describe('phase 2: denied by the admin approval client', () => {
  it('fails the exec with the recorded denial, tells every operator, and the run still ends final', async () => {
    const { A, D, F } = await askGateway()
    await A.request('chat.send', { sessionKey: 'apprb-1', message: exec('echo deny-me', 'p2'), idempotencyKey: 'p2' })
    const req = await requested(F, 'p2')
    expect((await F.request('exec.approval.resolve', { id: req.id, decision: 'deny' })).payload).toEqual({ ok: true })
    const final = await finalOf(A, 'p2')
    await finalOf(D, 'p2')
    const denial = `Exec denied (gateway id=${req.id}, user-denied): echo deny-me`
    expect(final.message.content[0].text).toBe('ECHO<<run MSG:p2>>')
    const result = agentEvents(A, 'p2', 'tool').find((p) => p.data.phase === 'result')
    expect(result.data.isError).toBe(true)
    expect(result.data.result.content[0].text).toBe(denial)
    const approval = agentEvents(D, 'p2', 'approval')[0]
    expect(approval.data).toMatchObject({
      status: 'denied',
      message: 'echo deny-me',
      toolCallId: req.request.toolCallId,
    })
    expectSameShape(approval, rec('D', (f) => f.payload?.stream === 'approval').payload)
    const endItem = agentEvents(D, 'p2', 'item').find((p) => p.data.phase === 'end')
    expect(endItem.data).toMatchObject({ status: 'failed', error: denial })
    expect(toolTrail(D, 'p2')).toEqual([
      ...['item:start', 'lifecycle:waiting-approval', 'lifecycle:approval-resolved'],
      ...['item:end', 'command_output:end', 'approval:resolved'],
    ])
    const recordedEnd = rec('D', (f) => f.payload?.runId?.startsWith('3f1e') && f.payload.stream === 'command_output')
    expectSameShape(agentEvents(D, 'p2', 'command_output')[0], recordedEnd.payload)
    const rows = (await A.request('chat.history', { sessionKey: 'apprb-1' })).payload.messages
    expect(rows.find((m: any) => m.role === 'toolResult')).toMatchObject({ isError: true, content: [{ text: denial }] })
  })
})

describe('phase 3: a second message while the approval is pending', () => {
  it('is queued, shown in chat.history, then steered into the waiting run', async () => {
    const { A, F } = await askGateway()
    await A.request('chat.send', { sessionKey: 'apprb-2', message: exec('echo block-me', 'p3'), idempotencyKey: 'p3' })
    const req = await requested(A, 'p3')
    await A.event('agent', (p) => p.data.phase === 'waiting-approval')
    const second = await A.request('chat.send', {
      sessionKey: 'apprb-2',
      message: 'plain follow-up',
      idempotencyKey: 'p3b',
    })
    expect(second.payload).toEqual({ runId: 'p3b', status: 'started' })
    const during = (await A.request('chat.history', { sessionKey: 'apprb-2' })).payload
    const ref = recordedRes('A', 'A-12').payload
    expect(during.pendingInputs.total).toBe(1)
    expect(during.pendingInputs.items[0]).toMatchObject({
      state: 'queued',
      runId: 'p3b',
      message: { content: 'plain follow-up' },
    })
    expectSameShape(during.pendingInputs, ref.pendingInputs)
    expect(during.inFlightRun).toMatchObject({ runId: 'p3b', text: '' })
    expectSameShape(during.inFlightRun, ref.inFlightRun)
    expectSameShape(during.activity, ref.activity)
    expect(during.activity[0].items[0].title).toBe('Exec — outcome unknown')
    await F.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })
    const bare = (await A.event('chat', (p) => p.runId === 'p3b')).payload
    expect(bare).toEqual({ runId: 'p3b', sessionKey: 'agent:main:apprb-2', seq: 1, state: 'final' })
    expect(Object.keys(bare)).toEqual(
      Object.keys(rec('A', (f) => f.event === 'chat' && f.payload.runId.startsWith('9e00')).payload),
    )
    const final = await finalOf(A, 'p3')
    expect(final.message.content[0].text).toBe('ECHO<<plain follow-up>>')
    const after = (await A.request('chat.history', { sessionKey: 'apprb-2' })).payload
    expect(after.pendingInputs).toEqual({ items: [], total: 0 })
    expect(after.inFlightRun).toBeUndefined()
  })
})

describe('phase 4: chat.abort while pending', () => {
  it('aborts the run (rpc), fails the exec with "Aborted" and closes the approval', async () => {
    const { A, F } = await askGateway()
    await A.request('chat.send', { sessionKey: 'apprb-4', message: exec('echo abort-me', 'p4'), idempotencyKey: 'p4' })
    const req = await requested(A, 'p4')
    const res = await A.request('chat.abort', { sessionKey: 'apprb-4', runId: 'p4' })
    expect(res.payload).toEqual({ ok: true, aborted: true, runIds: ['p4'] })
    const aborted = await finalOf(A, 'p4')
    expect(aborted).toMatchObject({ state: 'aborted', stopReason: 'rpc' })
    expect(Object.keys(aborted)).toEqual(Object.keys(rec('A', (f) => f.payload?.state === 'aborted').payload))
    const resolved = (await F.event('exec.approval.resolved')).payload
    expect(resolved).toMatchObject({ id: req.id, decision: 'deny', resolvedBy: 'approval-scope-closed' })
    await A.event('agent', (p) => p.runId === 'p4' && p.data.phase === 'error')
    const result = agentEvents(A, 'p4', 'tool').find((p) => p.data.phase === 'result')
    expect(result.data).toMatchObject({ isError: true, result: { content: [{ text: 'Aborted' }], details: {} } })
    const trail = agentEvents(A, 'p4')
      .map((p) => `${p.stream}:${p.data.phase}`)
      .slice(-6)
    expect(trail).toEqual([
      'lifecycle:end',
      'tool:result',
      'item:end',
      'command_output:end',
      'lifecycle:model',
      'lifecycle:error',
    ])
    const late = await A.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })
    expect(late.error).toEqual(recordedRes('A', 'A-17').error)
  })
})

describe('phases 5–6: who can route an approval', () => {
  it('sends a device-less sender’s approval to admin approval clients only', async () => {
    const { A, F, G } = await askGateway()
    await G.request('chat.send', {
      sessionKey: 'apprb-5',
      message: exec('echo from-token-only', 'p5'),
      idempotencyKey: 'p5',
    })
    const req = await requested(F, 'p5')
    expect(
      (await G.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })).error.details.reason,
    ).toBe('APPROVAL_NOT_FOUND')
    await F.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })
    expect((await finalOf(G, 'p5')).message.content[0].text).toBe('ECHO<<run MSG:p5>>')
    expect(A.events('exec.approval.requested').concat(G.events('exec.approval.requested'))).toEqual([])
  })

  it('refuses at once when no approval client can see it (headless denial), and the run ends final', async () => {
    const gw = await h.gateway({ agent: echo, exec: { mode: 'ask' } })
    const { A, B, F, D, G } = await t2Clients(h, gw)
    for (const c of [A, B, F]) c.terminate()
    await until(() => gw.connectionCount().authenticated === 4, 5000, 'A, B and F gone')
    await D.request('chat.send', {
      sessionKey: 'apprb-6',
      message: exec('echo nobody-to-approve', 'p6'),
      idempotencyKey: 'p6',
    })
    const final = await finalOf(D, 'p6')
    expect(final.state).toBe('final')
    expect(G.events('exec.approval.requested')).toEqual([])
    const end = agentEvents(D, 'p6', 'item').find((p) => p.data.phase === 'end')
    const recordedEnd = rec(
      'D',
      (f) => f.payload?.runId?.startsWith('c863') && f.payload.data?.phase === 'end' && f.payload.stream === 'item',
    )
    expect(end.data.error).toBe(recordedEnd.payload.data.error)
    const output = agentEvents(D, 'p6', 'command_output')[0]
    const recordedOutput = rec(
      'D',
      (f) => f.payload?.runId?.startsWith('c863') && f.payload.stream === 'command_output',
    )
    expect(output.data.output).toBe(recordedOutput.payload.data.output)
    expectSameShape(output, recordedOutput.payload)
    expect(toolTrail(D, 'p6')).toEqual(['item:start', 'item:end', 'command_output:end'])
    const rows = (await D.request('chat.history', { sessionKey: 'apprb-6' })).payload
    expect(rows.messages[2]).toMatchObject({ role: 'toolResult', isError: true })
    expectSameShape(rows.activity, recordedRes('D', 'D-6').payload.activity)
  })
})

describe('expiry', () => {
  it('denies with askFallback when nobody answers in approvalTimeoutMs; the id is then unknown', async () => {
    const { A, F } = await askGateway({ approvalTimeoutMs: 80 })
    await A.request('chat.send', { sessionKey: 'exp', message: exec('echo late', 'late'), idempotencyKey: 'x1' })
    const req = await requested(A, 'x1')
    expect(req.expiresAtMs - req.createdAtMs).toBe(80)
    const resolved = (await F.event('exec.approval.resolved')).payload
    expect(resolved).toMatchObject({ id: req.id, decision: 'deny', resolvedBy: null })
    await finalOf(A, 'x1')
    const result = agentEvents(A, 'x1', 'tool').find((p) => p.data.phase === 'result')
    expect(result.data.result.content[0].text).toBe(
      `Exec denied (gateway id=${req.id}, approval-timeout: allowlist-miss): echo late`,
    )
    expect((await A.request('exec.approval.get', { id: req.id })).error.details.reason).toBe('APPROVAL_NOT_FOUND')
  })

  it('refuses an unknown decision and a decision the request does not offer', async () => {
    const { A } = await askGateway()
    await A.request('chat.send', { sessionKey: 'dec', message: exec('echo d', 'd'), idempotencyKey: 'd1' })
    const req = await requested(A, 'd1')
    expect((await A.request('exec.approval.resolve', { id: req.id, decision: 'maybe' })).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'invalid decision',
    })
    const always = await A.request('approval.resolve', { id: req.id, kind: 'exec', decision: 'allow-always' })
    expect(always.error.message).toMatch(/allow-always is not allowed.*allow-once, deny/)
    expect((await A.request('approval.resolve', { id: req.id, kind: 'exec', decision: 'deny' })).payload).toEqual({
      ok: true,
    })
    await finalOf(A, 'd1')
  })
})

describe('the exec mode', () => {
  it('is full by default (no approval) and setExecMode("ask") makes later execs wait', async () => {
    const gw = await h.gateway({ agent: echo })
    const { A, F } = await t2Clients(h, gw)
    await A.request('chat.send', { sessionKey: 'm', message: exec('echo free', 'free'), idempotencyKey: 'm1' })
    await finalOf(A, 'm1')
    expect(toolTrail(A, 'm1')).not.toContain('lifecycle:waiting-approval')
    expect(() => gw.setExecMode('never' as never)).toThrow('MockGateway.setExecMode: mode must be "full" or "ask"')
    gw.setExecMode('ask')
    await A.request('chat.send', { sessionKey: 'm', message: exec('echo gated', 'gated'), idempotencyKey: 'm2' })
    const req = await requested(F, 'm2')
    await F.request('exec.approval.resolve', { id: req.id, decision: 'allow-once' })
    await finalOf(A, 'm2')
    expect(F.events('exec.approval.requested')).toHaveLength(1)
  })
})
