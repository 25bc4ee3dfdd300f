// The agent's work, per user (issue 18), through `clawchatProxy` and `@clawchat/client` on the REAL
// gateway with exec policy `ask` (TOOLS-AND-APPROVALS.md): a tool run, an exec approved and one
// denied, a question answered — alice and bob at once, neither seeing the other's tool calls,
// approvals or questions, bob unable to resolve alice's approval (the same not-found answer as a
// made-up id) or answer her question, and a `/approve <id> allow-once` typed in the chat approving
// nothing. The proxy routes approvals (`approvals.route: true`) and lets users answer their own
// (`policy.approvals.user: 'own'`). One gateway, one app for the file.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalItem, ClawChat, QuestionItem, StreamPart } from '@clawchat/client'
import type { ClawChatProxyOptions } from '@clawchat/server'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { EXEC_ASK_CONFIG } from './gateway-config.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { sdkClient, type BrowserSideRecord } from './sdk-client.js'
import { collectStream, findSecret } from './sdk-helpers.js'
import { askMarker, toolMarker } from './tool-fidelity-scenarios.js'

type Part = StreamPart

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
let readPath: string
const records: BrowserSideRecord[] = []
const clients: ClawChat[] = []

async function userClient(
  id: string,
  role: 'user' | 'admin' = 'user',
): Promise<{ chat: ClawChat; record: BrowserSideRecord }> {
  const cookie = await app.login({ id, name: id, role })
  const record: BrowserSideRecord = { frames: [], http: [] }
  records.push(record)
  const chat = sdkClient(app.wsUrl, cookie, record)
  clients.push(chat)
  await chat.ready
  return { chat, record }
}

/** A stream whose parts arrive in `parts` as they come; `waitPart` waits for one that matches. */
function liveStream(chat: ClawChat, text: string, sessionKey: string) {
  const parts: Part[] = []
  const waiters = new Set<{ match: (p: Part) => boolean; resolve: (p: Part) => void }>()
  const done = collectStream(chat.stream(text, { sessionKey }), (p) => {
    parts.push(p as Part)
    for (const w of [...waiters]) {
      if (!w.match(p as Part)) continue
      waiters.delete(w)
      w.resolve(p as Part)
    }
  }) as Promise<Part[]>
  done.catch(() => undefined)
  return {
    parts,
    done,
    waitPart(match: (p: Part) => boolean, what: string, timeoutMs = 90_000): Promise<Part> {
      const seen = parts.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no stream part: ${what} within ${timeoutMs} ms`)), timeoutMs)
        waiters.add({
          match,
          resolve: (p) => {
            clearTimeout(timer)
            resolve(p)
          },
        })
      })
    },
  }
}
const waitingOnApproval = (p: Part) => p.waiting?.on === 'approval'
const waitingOnQuestion = (p: Part) => p.waiting?.on === 'question'
/** The last state of each tool call of a stream. */
const toolCalls = (parts: Part[]) => [
  ...new Map(parts.filter((p) => p.tool).map((p) => [p.tool!.toolCallId, p.tool!])).values(),
]
/** What a rejected promise rejected with (code, message, details), for comparing two refusals. */
const refusal = (
  p: Promise<unknown>,
): Promise<{ resolved?: true; code?: string; message?: string; details?: unknown }> =>
  p.then(
    () => ({ resolved: true as const }),
    (e: { code?: string; message?: string; details?: unknown }) => ({
      code: e.code,
      message: e.message,
      details: e.details,
    }),
  )
/** The tool results the model received for a message (its follow-up request). */
const toolResultsFor = (marker: string) =>
  model.chatRequests().find((r) => r.toolResults.length > 0 && r.userText.includes(marker))?.toolResults ?? []

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  gateway = await startRealGateway({
    modelServerUrl: model.baseUrl,
    extraConfig: EXEC_ASK_CONFIG,
    readyTimeoutMs: 180_000,
  })
  console.log(`[proxy tools] real gateway started in ${gateway.startMs} ms`)
  readPath = join(gateway.tempDir, 'home', 'notes.txt')
  writeFileSync(readPath, 'alice-notes: the launch is on friday\n')
  const proxy = { approvals: { route: true }, policy: { approvals: { user: 'own' } } }
  app = await startProxyApp({
    gatewayUrl: gateway.url,
    token: gateway.token,
    proxy: proxy as Partial<ClawChatProxyOptions>,
  })
  await app.waitForLinkUp()
}, 240_000)

afterEach(({ task }) => {
  // What the proxy said when a test failed (its warnings and errors): the first place to look.
  if (task.result?.state !== 'fail') return
  const lines = app.captured.logs.filter((l) => /"level":"(warn|error)"/.test(l))
  console.log(`[proxy tools] proxy warnings/errors (last 20 of ${lines.length}):\n${lines.slice(-20).join('\n')}`)
})

afterAll(async () => {
  for (const c of clients) c.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

describe('tool calls, approvals and questions, two users at once', () => {
  let alice: Awaited<ReturnType<typeof userClient>>
  let bob: Awaited<ReturnType<typeof userClient>>
  const seen = { alice: [] as unknown[], bob: [] as unknown[] }
  beforeAll(async () => {
    alice = await userClient('alice-t')
    bob = await userClient('bob-t')
    for (const [who, c] of [
      ['alice', alice],
      ['bob', bob],
    ] as const)
      for (const e of [
        'tool',
        'approvals',
        'questions',
        'exec.approval.requested',
        'exec.approval.resolved',
        'question.requested',
        'question.resolved',
      ])
        c.chat.on(e as 'chat', (p: unknown) => void seen[who].push({ e, p }))
  })

  it('a read: alice sees the tool card (running → done, with its result), bob sees nothing of it', async () => {
    const text = `alice-secret read ${toolMarker('read', { path: readPath })} MSG:read`
    const [a, b] = await Promise.all([
      collectStream(alice.chat.stream(text, { sessionKey: 'tools' })) as Promise<Part[]>,
      collectStream(bob.chat.stream('bob plain message', { sessionKey: 'tools' })) as Promise<Part[]>,
    ])
    expect(a.at(-1)!.text).toBe(fakeModelReply(text))
    expect(b.at(-1)!.text).toBe(fakeModelReply('bob plain message'))
    const [call] = toolCalls(a)
    expect(call).toMatchObject({ name: 'read', status: 'done', sessionKey: 'tools', runId: a[0]!.runId })
    expect(call!.result).toContain('the launch is on friday')
    expect(a.filter((p) => p.tool).every((p) => p.deltaText === '')).toBe(true)
    expect(toolCalls(b)).toEqual([])
    expect(
      bob.record.frames.filter((f) => f.includes('the launch is on friday') || f.includes(call!.toolCallId)),
    ).toEqual([])
  })

  it('an exec waits for alice, not bob; bob cannot resolve it (same answer as a made-up id); alice allows it', async () => {
    const aliceText = `alice-secret run ${toolMarker('exec', { command: 'echo alice-approved-output', title: 'alice cmd' })} MSG:ap`
    const bobText = `bob-secret run ${toolMarker('exec', { command: 'echo bob-approved-output', title: 'bob cmd' })} MSG:bp`
    const as = liveStream(alice.chat, aliceText, 'exec')
    const bs = liveStream(bob.chat, bobText, 'exec')
    const [aw, bw] = await Promise.all([
      as.waitPart(waitingOnApproval, 'alice waiting on approval'),
      bs.waitPart(waitingOnApproval, 'bob waiting on approval'),
    ])
    const aliceApproval = (aw.waiting as { approval: ApprovalItem }).approval
    const bobApproval = (bw.waiting as { approval: ApprovalItem }).approval
    expect(aliceApproval.request).toMatchObject({
      command: 'echo alice-approved-output',
      waitingFor: 'you',
      sessionKey: 'exec',
    })
    expect(aliceApproval.request.allowedDecisions).toEqual(['allow-once', 'deny'])
    expect(alice.chat.pendingApprovals().map((x) => x.id)).toEqual([aliceApproval.id])
    expect(bob.chat.pendingApprovals().map((x) => x.id)).toEqual([bobApproval.id])
    // Alice sees her own (get and list) …
    const own = await alice.chat
      .request('exec.approval.get', { id: aliceApproval.id })
      .catch((e: { code?: string; message?: string }) => ({ refused: { code: e.code, message: e.message } }))
    expect(own, `alice's exec.approval.get of her own approval: ${JSON.stringify(own)}`).toMatchObject({
      id: aliceApproval.id,
      request: { command: 'echo alice-approved-output' },
    })
    const aliceList = (await alice.chat.request('exec.approval.list', {})) as ApprovalItem[]
    expect(aliceList.map((x) => x.id)).toEqual([aliceApproval.id])
    // … bob, with alice's id, gets the very answer of an id that never existed (resolve and get), not in his list.
    const made = await refusal(bob.chat.resolveApproval('0b6c3a5e-1111-4222-8333-944445555666', 'allow-once'))
    const stolen = await refusal(bob.chat.resolveApproval(aliceApproval.id, 'allow-once'))
    expect(made).toMatchObject({ code: 'INVALID_REQUEST', message: 'unknown or expired approval id' })
    expect(stolen).toEqual(made)
    // The gateway takes an 8-character id prefix: bob's prefix of alice's id denies nothing (she allows it below).
    expect(await refusal(bob.chat.resolveApproval(aliceApproval.id.slice(0, 8), 'deny'))).toEqual(made)
    expect(await refusal(bob.chat.request('exec.approval.get', { id: aliceApproval.id }))).toEqual(
      await refusal(bob.chat.request('exec.approval.get', { id: '0b6c3a5e-1111-4222-8333-944445555666' })),
    )
    expect(((await bob.chat.request('exec.approval.list', {})) as ApprovalItem[]).map((x) => x.id)).toEqual([
      bobApproval.id,
    ])
    // allow-always is for administrators only (the design's FORBIDDEN sentence).
    const always = await refusal(alice.chat.resolveApproval(aliceApproval.id, 'allow-always'))
    expect(always, JSON.stringify(always)).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/administrators/),
    })
    await alice.chat.resolveApproval(aliceApproval.id, 'allow-once')
    await bob.chat.resolveApproval(bobApproval.id, 'allow-once')
    const [a, b] = await Promise.all([as.done, bs.done])
    expect(a.at(-1)!.text).toBe(fakeModelReply(aliceText))
    expect(b.at(-1)!.text).toBe(fakeModelReply(bobText))
    expect(a.some((p) => p.waiting === null)).toBe(true)
    expect(toolCalls(a)[0]).toMatchObject({ name: 'exec', status: 'done', approvalId: aliceApproval.id })
    expect(toolCalls(a)[0]!.output ?? toolCalls(a)[0]!.result).toContain('alice-approved-output')
    expect(toolResultsFor('MSG:ap')[0]?.content).toContain('alice-approved-output')
    expect(toolResultsFor('MSG:bp')[0]?.content).toContain('bob-approved-output')
    expect(alice.chat.pendingApprovals()).toEqual([])
    // Nothing of the other's run in either user's frames.
    expect(
      bob.record.frames.filter((f) => f.includes('alice-approved-output') || f.includes(aliceApproval.id)),
    ).toEqual([])
    expect(alice.record.frames.filter((f) => f.includes('bob-approved-output') || f.includes(bobApproval.id))).toEqual(
      [],
    )
  })

  it('a denied exec fails its tool card and the model is told; `/approve <id> allow-once` in the chat approves nothing', async () => {
    const text = `alice-secret deny ${toolMarker('exec', { command: 'echo must-not-run', title: 'deny me' })} MSG:dn`
    const s = liveStream(alice.chat, text, 'deny')
    const w = await s.waitPart(waitingOnApproval, 'waiting on approval')
    const approval = (w.waiting as { approval: ApprovalItem }).approval
    // The back door (issue 12 item 0): typed as a message, by alice and by bob, in other sessions.
    for (const who of [alice, bob]) {
      const typed = `/approve ${approval.id} allow-once`
      const parts = await collectStream(who.chat.stream(typed, { sessionKey: 'typed' }))
      expect(parts.at(-1)!.text).toBe(fakeModelReply(typed))
    }
    expect(alice.chat.pendingApprovals().map((x) => x.id)).toContain(approval.id)
    const got = await alice.chat
      .request('exec.approval.get', { id: approval.id })
      .catch((e: { code?: string; message?: string }) => ({ refused: { code: e.code, message: e.message } }))
    expect(got, `alice's exec.approval.get after the typed /approve: ${JSON.stringify(got)}`).toMatchObject({
      id: approval.id,
    })
    await alice.chat.resolveApproval(approval.id, 'deny')
    const parts = await s.done
    expect(parts.at(-1)!.text).toBe(fakeModelReply(text))
    expect(toolCalls(parts)[0]).toMatchObject({ name: 'exec', status: 'failed' })
    expect(toolResultsFor('MSG:dn')[0]?.content).toMatch(/denied/i)
    expect(toolResultsFor('MSG:dn')[0]?.content).not.toContain('must-not-run\n')
  })

  it('a question reaches alice only; bob cannot answer it (same answer as a made-up id); alice answers', async () => {
    const text = `alice-secret ask ${askMarker('color')} MSG:qa`
    const s = liveStream(alice.chat, text, 'ask')
    const w = await s.waitPart(waitingOnQuestion, 'waiting on a question')
    const question = (w.waiting as { question: QuestionItem }).question
    expect(question.sessionKey).toBe('ask')
    expect(question.questions[0]).toMatchObject({ questionId: 'color', question: 'Pick a color?' })
    expect(alice.chat.pendingQuestions().map((q) => q.id)).toEqual([question.id])
    expect(bob.chat.pendingQuestions()).toEqual([])
    const madeId = 'ask_00000000000000000000000000000000'
    const made = await refusal(bob.chat.answerQuestion(madeId, { color: ['red'] }))
    const stolen = await refusal(bob.chat.answerQuestion(question.id, { color: ['red'] }))
    expect(made).toMatchObject({ code: 'INVALID_REQUEST' })
    // The gateway's not-found message names the id ("question '<id>' was not found"): equal but for it.
    const withoutId = (r: { message?: string }, id: string) => ({ ...r, message: r.message?.split(id).join('<id>') })
    expect(withoutId(stolen, question.id)).toEqual(withoutId(made, madeId))
    expect(((await bob.chat.request('question.list', {})) as { questions: unknown[] }).questions).toEqual([])
    await alice.chat.answerQuestion(question.id, { color: ['blue'] })
    const parts = await s.done
    expect(parts.at(-1)!.text).toBe(fakeModelReply(text))
    expect(parts.some((p) => p.waiting === null)).toBe(true)
    expect(toolResultsFor('MSG:qa')[0]?.content).toContain('blue')
    expect(alice.chat.pendingQuestions()).toEqual([])
    // Bob's own refusal names the id he sent (as the gateway's does); no other frame names it.
    const echo = `"message":"question '${question.id}' was not found"`
    const leaks = bob.record.frames.map((f) => f.split(echo).join('')).filter((f) => f.includes(question.id))
    expect(leaks).toEqual([])
    expect(bob.record.frames.filter((f) => f.includes('Pick a color?'))).toEqual([])
  })

  it("an admin sees alice's approval as hers and may allow it; alice's abort while waiting resolves it as the gateway's", async () => {
    const carol = await userClient('carol-admin', 'admin')
    const text = `alice-secret admin ${toolMarker('exec', { command: 'echo admin-allowed-output' })} MSG:ad`
    const s = liveStream(alice.chat, text, 'admin')
    const approval = (
      (await s.waitPart(waitingOnApproval, 'waiting on approval')).waiting as { approval: ApprovalItem }
    ).approval
    await expect.poll(() => carol.chat.pendingApprovals().map((x) => x.id), { timeout: 10_000 }).toContain(approval.id)
    const seenByCarol = carol.chat.pendingApprovals().find((x) => x.id === approval.id)!
    expect(seenByCarol.request).toMatchObject({ command: 'echo admin-allowed-output', ownerUserId: 'alice-t' })
    expect(seenByCarol.request.sessionKey).toBeUndefined() // alice's session names are hers
    await carol.chat.resolveApproval(approval.id, 'allow-once')
    const parts = await s.done
    expect(parts.at(-1)!.text).toBe(fakeModelReply(text))
    expect(toolResultsFor('MSG:ad')[0]?.content).toContain('admin-allowed-output')
    // Abort while pending: the gateway closes the approval ("approval-scope-closed"): resolvedBy "gateway".
    const abortText = `alice-secret abort ${toolMarker('exec', { command: 'echo never-runs' })} MSG:ab`
    const controller = new AbortController()
    const aborted = collectStream(
      alice.chat.stream(abortText, { sessionKey: 'abort', signal: controller.signal }),
      (p) => {
        if ((p as Part).waiting?.on === 'approval') controller.abort()
      },
    )
    const resolved = new Promise<{ id: string; decision: string; resolvedBy: string }>((resolve) => {
      const off = alice.chat.on('exec.approval.resolved' as 'chat', (e: any) => {
        if (!String(e?.request?.command ?? '').includes('never-runs')) return
        off()
        resolve(e)
      })
    })
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    expect(await resolved).toMatchObject({ decision: 'deny', resolvedBy: 'gateway' })
    await expect.poll(() => alice.chat.pendingApprovals(), { timeout: 10_000 }).toEqual([])
    expect(
      toolResultsFor('MSG:ab')
        .map((r) => r.content)
        .join(''),
    ).not.toContain('never-runs\n')
  })

  it("bob received no event of alice's work, and no frame names a server path, a gateway key or the token", () => {
    const bobEvents = JSON.stringify(seen.bob)
    expect(bobEvents).not.toContain('alice')
    expect(seen.alice.length).toBeGreaterThan(0)
    const frames = records.flatMap((r) => r.frames)
    for (const f of frames) {
      expect(f).not.toContain('agent:main:')
      expect(f).not.toContain(gateway.stateDir)
      expect(f).not.toContain('resolvedPath')
    }
    expect(findSecret(frames, gateway.token)).toEqual([])
  })
})
