// What ClawChat's design for issue 18 assumes of the real gateway (openclaw 2026.9.6, exec policy
// `tools.exec.mode: "ask"`), measured with raw clients shaped like ClawChat's link (device-signed
// `gateway-client`/`backend`, operator.read/write/admin): adding caps to a paired device needs no
// re-pairing; an admin connection that names no approvals/questions scope resolves approvals and
// answers questions; an unknown question id's answer; what a reconnected link receives of a run
// that was running (or waiting for approval) when it dropped. One gateway for the file. What it
// measured goes to e2e/artifacts/real-gateway/tools-facts.json.
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newTestDevice, rawConnect, rawConnected, type TestDevice } from './device-connect.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { startFakeModel, type FakeModel } from './fake-model.js'
import { EXEC_ASK_CONFIG } from './gateway-config.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import type { RawWs } from './raw-ws.js'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/real-gateway/', import.meta.url))
const LINK_SCOPES = ['operator.read', 'operator.write', 'operator.admin']
const LINK_CAPS = ['tool-events', 'exec-approvals', 'plugin-approvals']
const measured: Record<string, unknown> = {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let model: FakeModel
let gateway: RealGateway
const sockets: RawWs[] = []

const link = async (device: TestDevice, caps = LINK_CAPS) => {
  const ws = await rawConnected({ url: gateway.url, token: gateway.token, scopes: LINK_SCOPES, caps, device })
  sockets.push(ws)
  return ws
}
const execMarker = (command: string) => `[[TOOL:exec]] [[ARGS:${JSON.stringify({ command, title: 'probe' })}]]`
const askMarker = (id: string) =>
  `[[TOOL:tool_call]] [[ARGS:${JSON.stringify({
    id: 'ask_user',
    args: {
      questions: [{ id, header: 'Color', question: 'Pick a color?', options: [{ label: 'red' }, { label: 'blue' }] }],
      timeoutSeconds: 60,
    },
  })}]]`

/** Sends a chat message on `ws`; resolves with its run id once acknowledged. */
async function send(ws: RawWs, sessionKey: string, message: string): Promise<string> {
  const runId = randomUUID()
  const res = await ws.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  if (res.ok !== true) throw new Error(`chat.send refused: ${JSON.stringify(res.error)}`)
  return runId
}
const approvalOf = (runId: string) => (f: Record<string, any>) =>
  f.event === 'exec.approval.requested' && f.payload?.request?.runId === runId
const finalOf = (runId: string) => (f: Record<string, any>) =>
  f.event === 'chat' && f.payload?.runId === runId && ['final', 'error', 'aborted'].includes(f.payload?.state)
/** `stream:phase` of every agent event of `runId` on `ws`, in order. */
const agentStreams = (ws: RawWs, runId: string) =>
  ws.frames
    .filter((f) => f.event === 'agent' && f.payload?.runId === runId)
    .map((f) => `${String(f.payload.stream)}:${String(f.payload.data?.phase ?? '')}`)

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({
    modelServerUrl: model.baseUrl,
    extraConfig: EXEC_ASK_CONFIG,
    readyTimeoutMs: 180_000,
  })
  console.log(`[tools facts] real gateway started in ${gateway.startMs} ms`)
}, 240_000)

afterAll(async () => {
  for (const s of sockets) s.terminate()
  mkdirSync(ARTIFACTS, { recursive: true })
  writeFileSync(`${ARTIFACTS}tools-facts.json`, JSON.stringify(measured, null, 1))
  await gateway?.stop()
  await model?.stop()
})

describe('pairing', () => {
  // ClawChat's link (gateway-client/backend + shared token) on loopback is a "local backend": the
  // gateway skips pairing for it altogether (no paired record). A paired device is what a remote
  // proxy is; on loopback a `cli`/`cli` device is paired silently, which shows what the gateway
  // re-checks on a later connect (role, scopes, platform — source: authorizeExistingGatewayDevice).
  it('adding caps to a paired device needs no re-pairing (a scope upgrade does)', async () => {
    const observer = await rawConnected({ url: gateway.url, token: gateway.token, scopes: LINK_SCOPES })
    sockets.push(observer)
    const pairEvents = () => observer.frames.filter((f) => String(f.event).startsWith('device.pair'))
    const rowsOf = async (id: string) => {
      const res = await observer.request('device.pair.list', {})
      const all = [...(res.payload?.paired ?? []), ...(res.payload?.pending ?? [])] as Array<Record<string, any>>
      return all.filter((r) => r.deviceId === id).map(({ lastSeenAtMs: _seen, connected: _c, ...r }) => r)
    }
    const connectAs = async (
      device: TestDevice,
      scopes: string[],
      caps: string[],
      client?: { id: string; mode: string },
    ) => {
      const c = await rawConnect({ url: gateway.url, token: gateway.token, scopes, caps, device, client })
      sockets.push(c.ws)
      return c
    }
    const cli = { id: 'cli', mode: 'cli' }
    // The link's own kind: no pairing record at all.
    const backend = newTestDevice()
    expect((await connectAs(backend, LINK_SCOPES, [])).hello.ok).toBe(true)
    const backendRows = await rowsOf(backend.id)
    // A paired device, then the same device with the link's caps added.
    const dev = newTestDevice()
    const first = await connectAs(dev, LINK_SCOPES, [], cli)
    await first.ws.close()
    const before = await rowsOf(dev.id)
    const e0 = pairEvents().length
    const withCaps = await connectAs(dev, LINK_SCOPES, LINK_CAPS, cli)
    await sleep(500)
    const capsEvents = pairEvents().slice(e0)
    const after = await rowsOf(dev.id)
    // Contrast: a paired device asking for more scopes.
    const dev2 = newTestDevice()
    await (await connectAs(dev2, ['operator.read'], [], cli)).ws.close()
    const before2 = await rowsOf(dev2.id)
    const e1 = pairEvents().length
    const wider = await connectAs(dev2, LINK_SCOPES, [], cli)
    await sleep(500)
    const scopeEvents = pairEvents().slice(e1)
    const after2 = await rowsOf(dev2.id)
    measured.pairing = {
      localBackendRows: backendRows,
      capsChange: { helloOk: withCaps.hello.ok, pairEvents: capsEvents, rowBefore: before, rowAfter: after },
      scopeUpgrade: {
        helloOk: wider.hello.ok,
        error: wider.hello.error,
        pairEvents: scopeEvents,
        rowBefore: before2,
        rowAfter: after2,
      },
    }
    expect(backendRows).toEqual([])
    expect(before).toHaveLength(1)
    expect(withCaps.hello.ok).toBe(true)
    expect(capsEvents).toEqual([])
    expect(after).toEqual(before)
    // A scope upgrade is a new pairing request (approved silently here on loopback; a remote device
    // waits for an operator), and the record changes.
    expect(scopeEvents.map((f) => [f.event, f.payload?.decision])).toContainEqual(['device.pair.resolved', 'approved'])
    expect(after2[0]?.scopes).toEqual(LINK_SCOPES)
    expect(before2[0]?.scopes).toEqual(['operator.read'])
  })
})

describe('approvals and questions from an admin connection (no approvals/questions scope named)', () => {
  let l: RawWs
  beforeAll(async () => {
    l = await link(newTestDevice())
  })

  it("resolves its own run's exec approval with operator.admin alone", async () => {
    const runId = await send(l, 'probe-admin-exec', `please ${execMarker('echo admin-approved')} MSG:b`)
    const t0 = Date.now()
    const req = await l.waitFor(approvalOf(runId), 90_000, 'the approval request')
    // What `get` answers (not the requested event's shape), and whether an id prefix is taken.
    const id = String(req.payload.id)
    const get = await l.request('exec.approval.get', { id })
    const anyGet = await l.request('approval.get', { id })
    const prefixGet = await l.request('exec.approval.get', { id: id.slice(0, 8) })
    const res = await l.request('exec.approval.resolve', { id: id.slice(0, 8), decision: 'allow-once' })
    const final = await l.waitFor(finalOf(runId), 60_000, 'the final')
    const result = model.chatRequests().find((r) => r.toolResults.length > 0 && r.userText.includes('MSG:b'))
    measured.adminResolve = {
      helloScopes: LINK_SCOPES,
      approvalAfterMs: Date.now() - t0,
      request: req.payload,
      get,
      anyGet,
      prefixGet,
      resolveByPrefixAnswer: res,
      toolResultSeenByModel: result?.toolResults,
      final: final.payload,
    }
    // exec.approval.get answers a presentation: no `request`, no session key or run id.
    expect(get.payload).toMatchObject({
      id,
      commandText: 'echo admin-approved',
      allowedDecisions: ['allow-once', 'deny'],
    })
    expect(get.payload.request).toBeUndefined()
    expect(get.payload.sessionKey).toBeUndefined()
    // A unique prefix of the id is enough for get and resolve (the gateway expands it).
    expect(prefixGet.payload?.id).toBe(id)
    expect(res).toMatchObject({ ok: true, payload: { ok: true } })
    expect(result?.toolResults[0]?.content).toContain('admin-approved')
  })

  it('answers a question with operator.admin alone; an unknown question id is refused', async () => {
    const runId = await send(l, 'probe-admin-ask', `ask ${askMarker('color')} MSG:q`)
    const q = await l.waitFor(
      (f) => f.event === 'question.requested' && f.payload?.runId === runId,
      90_000,
      'question.requested',
    )
    const list = await l.request('question.list', {})
    const res = await l.request('question.resolve', { id: q.payload.id, answers: { answers: { color: ['blue'] } } })
    const resolved = await l.waitFor(
      (f) => f.event === 'question.resolved' && f.payload?.id === q.payload.id,
      30_000,
      'question.resolved',
    )
    await l.waitFor(finalOf(runId), 60_000, 'the final')
    const unknownAnswer = await l.request('question.resolve', {
      id: 'ask_00000000000000000000000000000000',
      answers: { answers: { color: ['blue'] } },
    })
    const unknownCancel = await l.request('question.resolve', { id: 'nope', cancel: true })
    const again = await l.request('question.resolve', { id: q.payload.id, answers: { answers: { color: ['red'] } } })
    const unknownApproval = await l.request('exec.approval.resolve', { id: randomUUID(), decision: 'deny' })
    measured.questions = {
      requested: q.payload,
      list,
      resolveAnswer: res,
      resolvedEvent: resolved.payload,
      unknownAnswer,
      unknownCancel,
      answeredAgain: again,
      unknownApproval,
    }
    expect(list.ok).toBe(true)
    expect(res).toMatchObject({ ok: true, payload: { status: 'answered' } })
    expect(unknownAnswer.ok).toBe(false)
    expect(unknownApproval.error).toMatchObject({ details: { reason: 'APPROVAL_NOT_FOUND' } })
  })
})

describe('a link that reconnects mid-run', () => {
  it('what the new connection receives of a run whose tool was running', async () => {
    const dev = newTestDevice()
    const l1 = await link(dev)
    const runId = await send(l1, 'probe-reconnect-run', `go ${execMarker('sleep 4; echo slept-through')} MSG:c1`)
    const req = await l1.waitFor(approvalOf(runId), 90_000, 'the approval request')
    await l1.request('exec.approval.resolve', { id: req.payload.id, decision: 'allow-once' })
    const beforeDrop = agentStreams(l1, runId)
    l1.terminate()
    const t0 = Date.now()
    const l2 = await link(dev)
    const reconnectMs = Date.now() - t0
    const final = await l2.waitFor(finalOf(runId), 60_000, 'the final on the new connection')
    measured.reconnectWhileRunning = {
      reconnectMs,
      oldConnectionGot: beforeDrop,
      newConnectionGot: agentStreams(l2, runId),
      finalText: final.payload?.message?.content,
      approvalResolvedOnNew: l2.frames.filter((f) => f.event === 'exec.approval.resolved').length,
    }
    expect(final.payload.state).toBe('final')
    // The live `tool` stream stays with the connection that sent chat.send: the new one gets none of
    // it (no update, no result), only what every operator connection gets (item, command_output, …).
    const got = agentStreams(l2, runId)
    expect(got.filter((s) => s.startsWith('tool:'))).toEqual([])
    expect(got).toEqual(expect.arrayContaining(['item:end', 'command_output:end', 'lifecycle:end']))
  })

  it('what the new connection receives of a run waiting for approval', async () => {
    const dev = newTestDevice()
    const l1 = await link(dev)
    const runId = await send(l1, 'probe-reconnect-wait', `go ${execMarker('echo waited-through')} MSG:c2`)
    const req = await l1.waitFor(approvalOf(runId), 90_000, 'the approval request')
    l1.terminate()
    const l2 = await link(dev)
    await sleep(1500) // anything the drop triggers
    const list = await l2.request('exec.approval.list', {})
    const resolvedByDrop = l2.frames.filter((f) => f.event === 'exec.approval.resolved')
    const res = await l2.request('exec.approval.resolve', { id: req.payload.id, decision: 'allow-once' })
    const final = await l2.waitFor(finalOf(runId), 60_000, 'the final on the new connection')
    measured.reconnectWhileWaiting = {
      listOnNew: (list.payload as Array<{ id: string }> | undefined)?.map((a) => a.id === req.payload.id),
      resolvedByDrop: resolvedByDrop.map((f) => f.payload),
      resolveOnNew: res,
      newConnectionGot: agentStreams(l2, runId),
      newConnectionApprovalEvents: l2.frames
        .filter((f) => String(f.event).startsWith('exec.approval'))
        .map((f) => f.event),
      toolResultSeenByModel: model.chatRequests().find((r) => r.toolResults.length > 0 && r.userText.includes('MSG:c2'))
        ?.toolResults,
      final: final.payload?.state,
    }
    // The approval outlives the connection that was its route: still listed, not resolved by the
    // drop, resolvable from the new connection (an admin approval client); still no `tool` stream.
    expect(res.ok).toBe(true)
    expect(list.payload.map((a: { id: string }) => a.id)).toContain(req.payload.id)
    expect(resolvedByDrop).toEqual([])
    expect(agentStreams(l2, runId).filter((s) => s.startsWith('tool:'))).toEqual([])
    expect(l2.frames.some((f) => f.event === 'exec.approval.resolved' && f.payload.id === req.payload.id)).toBe(true)
  })
})
