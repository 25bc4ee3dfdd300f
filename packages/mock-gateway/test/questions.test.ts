import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { makeDevice } from './helpers/device.js'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'
import { loadJsonl, received } from './helpers/reference.js'
import { expectSameShape } from './helpers/shape.js'
import { ADMIN, agentEvents, connectTool, RW, RWQ, toolTrail } from './helpers/tool-clients.js'

/** `ask_user` questions, against transcripts-tools/t3-ask-user.jsonl. */
const h = new Harness()
afterEach(() => h.cleanup())

const echo: MockAgent = (m) => [`ECHO<<${m}>>`]
const t3 = loadJsonl('transcripts-tools/t3-ask-user.jsonl')
const rec = (conn: string, match: (f: any) => boolean): any => received(t3, conn).find(match)
const ask = (timeoutSeconds: number) =>
  'ask [[TOOL:tool_call]] [[ARGS:' +
  JSON.stringify({
    id: 'ask_user',
    args: {
      questions: [
        { id: 'color', header: 'Color', question: 'Pick a color?', options: [{ label: 'red' }, { label: 'blue' }] },
      ],
      timeoutSeconds,
    },
  }) +
  ']] MSG:ask'

/** Q1 (questions scope, device, sender), Q2 (questions, token only), Q3 (read+write), Q4 (admin). */
async function t3Clients(options = {}) {
  const gw = await h.gateway({ agent: echo, ...options })
  return {
    gw,
    Q1: await connectTool(h, gw, { scopes: RWQ, caps: ['tool-events'], device: makeDevice() }),
    Q2: await connectTool(h, gw, { scopes: RWQ, caps: [] }),
    Q3: await connectTool(h, gw, { scopes: RW, caps: [] }),
    Q4: await connectTool(h, gw, { scopes: ADMIN, caps: [] }),
  }
}

const finalOf = async (c: RawClient, runId: string) =>
  (await c.event('chat', (p) => p.runId === runId && p.state === 'final')).payload

describe('phase 1: a question answered by the sender', () => {
  it('asks every questions-scoped connection, answers, then says resolved after the tool result', async () => {
    const { Q1, Q2, Q3, Q4 } = await t3Clients()
    await Q1.request('chat.send', { sessionKey: 'ask-1', message: ask(60), idempotencyKey: 'q1' })
    const question = (await Q1.event('question.requested')).payload
    await Q2.event('question.requested')
    await Q4.event('question.requested')
    expectSameShape(question, rec('Q1', (f) => f.event === 'question.requested').payload)
    expect(question).toMatchObject({ sessionKey: 'agent:main:ask-1', runId: 'q1', status: 'pending' })
    expect(question.questions).toEqual([
      {
        questionId: 'color',
        header: 'Color',
        question: 'Pick a color?',
        options: [{ label: 'red' }, { label: 'blue' }],
        isOther: true,
      },
    ])
    expect(question.expiresAtMs - question.createdAtMs).toBe(60_000)

    const lists = await Promise.all([Q1, Q2, Q3, Q4].map((c) => c.request('question.list', {})))
    expect(lists.map((r) => (r.ok ? r.payload.questions.map((q: any) => q.id) : r.error.code))).toEqual([
      [question.id],
      [question.id],
      'FORBIDDEN',
      [question.id],
    ])
    expect(lists[2].error).toEqual(rec('Q3', (f) => f.id === 'Q3-2').error)
    const q3 = await Q3.request('question.resolve', { id: question.id, answers: { answers: { color: ['red'] } } })
    expect(q3.error).toEqual(rec('Q3', (f) => f.id === 'Q3-3').error)
    expect(Q3.events('question.requested')).toEqual([])

    const res = await Q1.request('question.resolve', { id: question.id, answers: { answers: { color: ['blue'] } } })
    expect(res.payload).toEqual(rec('Q1', (f) => f.id === 'Q1-4').payload)
    const resolved = (await Q2.event('question.resolved')).payload
    expect(resolved).toEqual({ id: question.id, status: 'answered', answers: { answers: { color: ['blue'] } } })
    // As recorded 2026-12-04 (e2e/real-gateway/fixtures/tools/tools-facts.json): a second answer, an unknown id.
    const again = await Q1.request('question.resolve', { id: question.id, cancel: true })
    expect(again.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: `question '${question.id}' is already answered`,
      details: { reason: 'QUESTION_ALREADY_TERMINAL' },
    })
    const unknown = await Q1.request('question.resolve', { id: 'ask_nobody', cancel: true })
    expect(unknown.error).toMatchObject({
      message: "question 'ask_nobody' was not found",
      details: { reason: 'QUESTION_NOT_FOUND' },
    })
    const final = await finalOf(Q1, 'q1')
    expect(final.message.content[0].text).toBe('ECHO<<ask MSG:ask>>')
    expect(toolTrail(Q1, 'q1')).toEqual([
      ...['item:start', 'tool:start', 'item:start', 'tool:start'],
      ...['tool:result', 'item:end', 'tool:result', 'item:end'],
    ])
    const toolEvents = agentEvents(Q1, 'q1', 'tool')
    const recordedTool = received(t3, 'Q1').filter(
      (f) => f.payload?.runId?.startsWith('93dd') && f.payload.stream === 'tool',
    )
    toolEvents.forEach((p, i) => expectSameShape(p.data, recordedTool[i].payload.data))
    expect(toolEvents[2].data.result.content[0].text).toBe(recordedTool[2].payload.data.result.content[0].text)
    expect(toolEvents[3].data.result.content[0].text).toBe(recordedTool[3].payload.data.result.content[0].text)
    const lastResult = Q1.frames.indexOf(Q1.frames.filter((f) => f.payload?.stream === 'tool').at(-1))
    expect(Q1.frames.findIndex((f) => f.event === 'question.resolved')).toBeGreaterThan(lastResult)
    const end = agentEvents(Q1, 'q1', 'lifecycle').find((p) => p.data.phase === 'end')
    expect(end.data.terminalReceipt.successfulToolNames).toEqual(['ask_user', 'tool_call'])
    expect((await Q1.request('question.list', {})).payload).toEqual({ questions: [] })
  })
})

describe('phase 2: nobody answers', () => {
  it('gives the tool no_answer after timeoutSeconds, ends the run, then says expired', async () => {
    // 30 s and the 5 s before `expired`, a hundred times faster (300 ms, then 50 ms).
    const { Q1, Q2 } = await t3Clients({ timeScale: 0.01, chunkDelayMs: 0, phaseDelayMs: 0 })
    await Q1.request('chat.send', { sessionKey: 'ask-2', message: ask(30), idempotencyKey: 'q2' })
    const question = (await Q1.event('question.requested')).payload
    expect(question.expiresAtMs - question.createdAtMs).toBe(30_000)
    await finalOf(Q1, 'q2')
    const inner = agentEvents(Q1, 'q2', 'tool').find((p) => p.data.name === 'ask_user' && p.data.phase === 'result')
    expect(inner.data.result.details).toEqual({ status: 'no_answer' })
    const recordedInner = rec('Q1', (f) => f.payload?.runId?.startsWith('fd45') && f.payload.data?.phase === 'result')
    expect(inner.data.result.content[0].text).toBe(recordedInner.payload.data.result.content[0].text)
    const expired = (await Q2.event('question.resolved')).payload
    expect(expired).toEqual({ id: question.id, status: 'expired' })
    const finalAt = Q1.frames.findIndex((f) => f.event === 'chat' && f.payload.state === 'final')
    await Q1.event('question.resolved')
    expect(Q1.frames.findIndex((f) => f.event === 'question.resolved')).toBeGreaterThan(finalAt)
    const late = await Q1.request('question.resolve', { id: question.id, cancel: true })
    expect(late.error).toMatchObject({ code: 'INVALID_REQUEST', details: { reason: 'QUESTION_NOT_FOUND' } })
  })

  it('cancels on request, and refuses bad ask_user arguments with an error result', async () => {
    const { Q1, Q4 } = await t3Clients()
    await Q1.request('chat.send', { sessionKey: 'ask-3', message: ask(60), idempotencyKey: 'q3' })
    const question = (await Q4.event('question.requested')).payload
    expect((await Q4.request('question.resolve', { id: question.id, cancel: true })).payload).toEqual({
      status: 'cancelled',
    })
    expect((await Q1.event('question.resolved')).payload).toEqual({ id: question.id, status: 'cancelled' })
    await finalOf(Q1, 'q3')
    await Q1.request('chat.send', { sessionKey: 'ask-4', message: ask(5), idempotencyKey: 'q4' })
    await finalOf(Q1, 'q4')
    const inner = agentEvents(Q1, 'q4', 'tool').find((p) => p.data.name === 'ask_user' && p.data.phase === 'result')
    expect(inner.data.isError).toBe(true)
    expect(inner.data.result.details.error).toBe('timeoutSeconds must be an integer from 30 to 3600')
  })
})

describe('a question of an aborted run', () => {
  it('is cancelled with the run, and a message sent while it waits is steered into the run', async () => {
    const { Q1, Q2 } = await t3Clients()
    await Q1.request('chat.send', { sessionKey: 'ask-5', message: ask(60), idempotencyKey: 'q5' })
    const question = (await Q1.event('question.requested')).payload
    const queued = await Q1.request('chat.send', { sessionKey: 'ask-5', message: 'meanwhile', idempotencyKey: 'q5b' })
    expect(queued.payload).toEqual({ runId: 'q5b', status: 'started' })
    expect((await Q1.request('chat.history', { sessionKey: 'ask-5' })).payload.pendingInputs.total).toBe(1)
    expect((await Q1.request('chat.abort', { sessionKey: 'ask-5', runId: 'q5' })).payload.aborted).toBe(true)
    expect((await Q2.event('question.resolved')).payload).toEqual({ id: question.id, status: 'cancelled' })
    expect((await Q1.event('chat', (p) => p.runId === 'q5b')).payload.state).toBe('final')
    expect((await Q1.request('question.list', {})).payload).toEqual({ questions: [] })
  })
})
