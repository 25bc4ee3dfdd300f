import { describe, expect, it, vi } from 'vitest'
import type { ApprovalItem, QuestionItem } from '@clawchat/protocol'
import { ClawChatRequestError, type StreamPart } from '../src/index.js'
import { ClawChat as DirectClawChat, memoryStorage } from '../src/direct.js'
import { FAST, SESSION, createFakeServer, type FakeServer } from './helpers/fake-socket.js'
import { newChat, next, nextTurn } from './helpers/chat.js'
import { framesOf, playScenario, type RecordedFrame } from './helpers/tool-frames.js'

const WORK_METHODS = [
  'exec.approval.list',
  'exec.approval.resolve',
  'approval.resolve',
  'question.list',
  'question.resolve',
]

/** The recorded approval (t2 phase 1) and question (t3) of a run `runId`, as the proxy sends them. */
const approvalOf = (runId: string) =>
  framesOf('approved', runId).find((f) => f.event === 'exec.approval.requested')!.payload as unknown as ApprovalItem
const questionOf = (runId: string) =>
  framesOf('question', runId).find((f) => f.event === 'question.requested')!.payload as unknown as QuestionItem

/** A fake proxy whose user may call the approval and question methods; lists answer `approvals` / `questions`. */
function workServer(approvals: ApprovalItem[] = [], questions: QuestionItem[] = []): FakeServer {
  const server = createFakeServer()
  server.session = { ...SESSION, methods: [...SESSION.methods, ...WORK_METHODS] }
  server.handlers['exec.approval.list'] = () => ({ payload: approvals })
  server.handlers['question.list'] = () => ({ payload: { questions } })
  server.handlers['exec.approval.resolve'] = () => ({ payload: { ok: true } })
  server.handlers['approval.resolve'] = () => ({ payload: { ok: true } })
  server.handlers['question.resolve'] = (p) => ({ payload: { status: p.cancel ? 'cancelled' : 'answered' } })
  return server
}

const send = (server: FakeServer, event: string, payload: unknown) =>
  server.last.receive({ type: 'event', event, payload })

describe('pending approvals and questions', () => {
  it('are kept from events: requested adds (with an `approvals` event), resolved removes', async () => {
    const server = workServer()
    const { chat } = newChat(server)
    await chat.ready
    const approval = approvalOf('r1')
    const changed = next<ApprovalItem[]>(chat, 'approvals')
    const typed = next<ApprovalItem>(chat, 'exec.approval.requested')
    send(server, 'exec.approval.requested', approval)
    expect(await changed).toEqual([approval])
    expect(await typed).toEqual(approval)
    expect(chat.pendingApprovals()).toEqual([approval])
    send(server, 'question.requested', questionOf('r1'))
    expect(chat.pendingQuestions()).toEqual([questionOf('r1')])
    const emptied = next<ApprovalItem[]>(chat, 'approvals')
    send(server, 'exec.approval.resolved', { id: approval.id, decision: 'deny', resolvedBy: 'clawchat', ts: 1 })
    expect(await emptied).toEqual([])
    send(server, 'question.resolved', { id: questionOf('r1').id, status: 'expired' })
    expect(chat.pendingQuestions()).toEqual([])
  })

  it('are listed after hello-ok, and listed again after a reconnect (what was resolved meanwhile goes)', async () => {
    const approvals = [approvalOf('r1')]
    const server = workServer(approvals, [questionOf('r2')])
    const { chat } = newChat(server)
    const first = next<ApprovalItem[]>(chat, 'approvals')
    await chat.ready
    expect(await first).toEqual(approvals)
    await vi.waitFor(() => expect(chat.pendingQuestions()).toEqual([questionOf('r2')]))
    approvals.length = 0 // resolved while the page was away
    const after = next<ApprovalItem[]>(chat, 'approvals')
    server.last.serverClose(1012)
    expect(await after).toEqual([])
    expect(server.requests('exec.approval.list')).toHaveLength(2)
    expect(server.requests('question.list')).toHaveLength(2)
  })

  it('a decision that arrives while the list is under way is not undone by the (older) list', async () => {
    const approval = approvalOf('r1')
    const server = workServer()
    let answerList!: () => void
    server.handlers['exec.approval.list'] = (_p, frame, socket) => {
      answerList = () => socket.receive({ type: 'res', id: frame.id, ok: true, payload: [approval] } as never)
      return undefined
    }
    const { chat } = newChat(server)
    await chat.ready
    await vi.waitFor(() => expect(server.requests('exec.approval.list')).toHaveLength(1))
    send(server, 'exec.approval.resolved', { id: approval.id, decision: 'allow-once', resolvedBy: 'admin', ts: 1 })
    answerList()
    await nextTurn()
    expect(chat.pendingApprovals()).toEqual([])
  })

  it('are not listed when the user may not call the list methods', async () => {
    const server = createFakeServer()
    const { chat } = newChat(server)
    await chat.ready
    await nextTurn()
    expect(server.requests('exec.approval.list')).toHaveLength(0)
    expect(server.requests('question.list')).toHaveLength(0)
  })

  it('direct mode tries the lists and ignores FORBIDDEN (no error event), keeping what events say', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const server = createFakeServer()
    server.sendSession = false
    server.handlers['exec.approval.list'] = () => ({ error: { code: 'FORBIDDEN', message: 'missing scope' } })
    server.handlers['question.list'] = () => ({ error: { code: 'FORBIDDEN', message: 'missing scope' } })
    const storage = memoryStorage()
    const chat = new DirectClawChat({
      url: 'ws://127.0.0.1:1',
      token: 't',
      WebSocket: server.WebSocket,
      reconnect: FAST,
      storage,
    })
    try {
      const errors: Error[] = []
      chat.on('error', (e) => errors.push(e))
      await chat.ready
      await vi.waitFor(() => expect(server.requests('question.list')).toHaveLength(1))
      expect(server.requests('exec.approval.list')).toHaveLength(1)
      send(server, 'exec.approval.requested', approvalOf('r1'))
      await nextTurn()
      expect(chat.pendingApprovals()).toEqual([approvalOf('r1')])
      expect(errors).toEqual([])
    } finally {
      chat.close()
    }
  })
})

describe('resolveApproval, answerQuestion, cancelQuestion', () => {
  it('resolveApproval sends exec.approval.resolve and the approval leaves the pending list', async () => {
    const server = workServer([approvalOf('r1')])
    const { chat } = newChat(server)
    await vi.waitFor(() => expect(chat.pendingApprovals()).toHaveLength(1))
    await chat.resolveApproval(approvalOf('r1').id, 'allow-once')
    expect(server.requests('exec.approval.resolve')[0]!.params).toEqual({
      id: approvalOf('r1').id,
      decision: 'allow-once',
    })
    expect(chat.pendingApprovals()).toEqual([])
  })

  it("a plugin's approval goes through approval.resolve with its kind", async () => {
    const server = workServer()
    const { chat } = newChat(server)
    await chat.ready
    send(server, 'plugin.approval.requested', { ...approvalOf('r1'), id: 'plug-1', approvalKind: 'plugin' })
    await nextTurn()
    await chat.resolveApproval('plug-1', 'deny')
    expect(server.requests('approval.resolve')[0]!.params).toEqual({ id: 'plug-1', kind: 'plugin', decision: 'deny' })
  })

  it("the proxy's refusal rejects as a ClawChatRequestError (APPROVAL_NOT_FOUND, FORBIDDEN) and keeps the item", async () => {
    const server = workServer([approvalOf('r1')])
    server.handlers['exec.approval.resolve'] = (p) =>
      p.id === 'guessed'
        ? {
            error: {
              code: 'INVALID_REQUEST',
              message: 'unknown or expired approval id',
              details: { reason: 'APPROVAL_NOT_FOUND' },
            },
          }
        : {
            error: {
              code: 'FORBIDDEN',
              message: 'Approvals of your runs are answered by an administrator on this site.',
            },
          }
    const { chat } = newChat(server)
    await vi.waitFor(() => expect(chat.pendingApprovals()).toHaveLength(1))
    const notFound = await chat.resolveApproval('guessed', 'allow-once').catch((e) => e)
    expect(notFound).toBeInstanceOf(ClawChatRequestError)
    expect(notFound).toMatchObject({
      code: 'INVALID_REQUEST',
      method: 'exec.approval.resolve',
      details: { reason: 'APPROVAL_NOT_FOUND' },
    })
    await expect(chat.resolveApproval(approvalOf('r1').id, 'allow-once')).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/administrator/),
    })
    expect(chat.pendingApprovals()).toHaveLength(1)
  })

  it("a decision that is not one of OpenClaw's, or no id, is refused before anything is sent", async () => {
    const server = workServer()
    const { chat } = newChat(server)
    await chat.ready
    await expect(chat.resolveApproval('a1', 'yes' as never)).rejects.toThrow(
      /decision must be one of allow-once, allow-always, deny \(got "yes"\)/,
    )
    await expect(chat.resolveApproval('', 'deny')).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(server.requests('exec.approval.resolve')).toHaveLength(0)
  })

  it("answerQuestion sends the answers in OpenClaw's shape; cancelQuestion sends cancel; both clear the question", async () => {
    const server = workServer([], [questionOf('r1'), { ...questionOf('r2'), id: 'q2' }])
    const { chat } = newChat(server)
    await vi.waitFor(() => expect(chat.pendingQuestions()).toHaveLength(2))
    await chat.answerQuestion(questionOf('r1').id, { color: ['blue'] })
    await chat.cancelQuestion('q2')
    expect(server.requests('question.resolve').map((f) => f.params)).toEqual([
      { id: questionOf('r1').id, answers: { answers: { color: ['blue'] } } },
      { id: 'q2', cancel: true },
    ])
    expect(chat.pendingQuestions()).toEqual([])
  })

  it('answers that are not lists of labels are refused, naming the question', async () => {
    const server = workServer()
    const { chat } = newChat(server)
    await chat.ready
    await expect(chat.answerQuestion('q1', { color: 'blue' } as never)).rejects.toThrow(
      /answers\["color"\] must be an array of strings/,
    )
    await expect(chat.answerQuestion('q1', null as never)).rejects.toThrow(/answers must be an object/)
    expect(server.requests('question.resolve')).toHaveLength(0)
  })
})

describe('stream() says when the run waits, and on what', () => {
  async function partsOf(server: FakeServer, text: string): Promise<StreamPart[]> {
    const { chat } = newChat(server)
    const parts: StreamPart[] = []
    for await (const p of chat.stream(text)) {
      parts.push(p)
      if (p.waiting?.on === 'approval') void chat.resolveApproval(p.waiting.approval.id, 'allow-once')
      if (p.waiting?.on === 'question') void chat.answerQuestion(p.waiting.question.id, { color: ['blue'] })
    }
    return parts
  }

  /** Holds the scenario after its `…requested` event until the page answered. */
  const untilAnswered = (server: FakeServer, method: string) => (f: RecordedFrame) =>
    f.event.endsWith('.resolved') ? vi.waitFor(() => expect(server.requests(method)).toHaveLength(1)) : undefined

  it('an approval: a part with waiting { on: "approval" } when requested, waiting: null when resolved', async () => {
    const server = workServer()
    const runs = playScenario(server, 'approved', untilAnswered(server, 'exec.approval.resolve'))
    const parts = await partsOf(server, 'run [[TOOL:exec]]')
    const waits = parts.filter((p) => p.waiting !== undefined)
    expect(waits.map((p) => p.waiting?.on ?? null)).toEqual(['approval', null])
    expect(waits[0]!.waiting).toEqual({ on: 'approval', approval: approvalOf(runs[0]!) })
    expect(waits.every((p) => p.deltaText === '' && p.state === 'delta')).toBe(true)
    const order = parts.map((p) => (p.waiting !== undefined ? 'wait' : p.tool ? `tool:${p.tool.status}` : p.state))
    expect(order.indexOf('wait')).toBeGreaterThan(order.indexOf('tool:running'))
    expect(order.lastIndexOf('wait')).toBeLessThan(order.indexOf('tool:done'))
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: 'TOOLRESULT<<approve-me>>' })
  })

  it('a question: waiting { on: "question" } with its options, then null once answered', async () => {
    const server = workServer()
    const runs = playScenario(server, 'question', untilAnswered(server, 'question.resolve'))
    const parts = await partsOf(server, 'ask me')
    const waits = parts.filter((p) => p.waiting !== undefined).map((p) => p.waiting)
    expect(waits).toEqual([{ on: 'question', question: questionOf(runs[0]!) }, null])
    expect(questionOf(runs[0]!).questions[0]!.options).toEqual([{ label: 'red' }, { label: 'blue' }])
  })

  it('a run waiting for an approval across a reconnect is not taken as lost while it waits', async () => {
    const approvals: ApprovalItem[] = []
    const server = workServer(approvals)
    let runId = ''
    server.handlers['chat.send'] = (p, _f, socket) => {
      runId = p.idempotencyKey
      approvals.push(approvalOf(runId))
      void nextTurn().then(() => {
        socket.receive({ type: 'event', event: 'exec.approval.requested', payload: approvalOf(runId) })
        void nextTurn().then(() => socket.serverClose(1012))
      })
      return { payload: { runId, status: 'started' } }
    }
    server.handlers['chat.history'] = (p) => ({
      payload: { sessionKey: p.sessionKey, messages: [{ role: 'user', content: 'hi' }] },
    })
    const { chat } = newChat(server, { requestTimeoutMs: 30 })
    const parts: StreamPart[] = []
    const done = (async () => {
      for await (const p of chat.stream('hi')) parts.push(p)
    })()
    await vi.waitFor(() => expect(server.sockets).toHaveLength(2))
    await vi.waitFor(() => expect(server.requests('chat.history').length).toBeGreaterThanOrEqual(6), { timeout: 3000 })
    approvals.length = 0
    send(server, 'exec.approval.resolved', {
      id: approvalOf(runId).id,
      decision: 'allow-once',
      resolvedBy: 'admin',
      ts: 1,
    })
    server.chat({ runId, state: 'final', message: { role: 'assistant', content: [{ type: 'text', text: 'done' }] } })
    await done
    expect(parts.map((p) => p.waiting?.on ?? p.waiting)).toEqual(['approval', null, undefined])
    expect(parts.at(-1)).toMatchObject({ state: 'final', text: 'done' })
  })
})
