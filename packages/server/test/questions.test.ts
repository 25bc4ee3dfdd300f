/**
 * Questions of the agent per user (issue 18 item 4), on a fake upstream with the real gateway's
 * frames: `question.requested` reaches the owner's connections only (caps or not), the id-only
 * `question.resolved` follows the remembered owner, and `question.list` / `question.resolve` work
 * from the owner's view — another user's or an unknown id gets the same not-found answer.
 */
import { describe, expect, it } from 'vitest'
import type { EventFrame } from '@clawchat/protocol'
import { DEFAULT_APPROVAL_POLICY } from '../src/isolation/approvals/approval-policy.js'
import { QuestionRegistry } from '../src/isolation/questions/question-registry.js'
import { KeyCache } from '../src/isolation/key-cache.js'
import { DEFAULT_METHOD_POLICY, planRequest } from '../src/isolation/policy.js'
import { sanitizeGatewayError } from '../src/isolation/sanitize.js'
import {
  RECORDED_QUESTION_ID as QID,
  clawchatRun,
  questionAnswered,
  questionRequested,
} from './fixtures/approval-frames.js'
import { fakeWork } from './helpers/fake-work.js'

const ALICE = clawchatRun('alice', 'main', 'run-q')
const event = (name: string, payload: Record<string, unknown>): EventFrame => ({ type: 'event', event: name, payload })

async function call(s: ReturnType<typeof fakeWork>, userId: string, method: string, params = {}) {
  const ctx = { namespace: 'clawchat', userId, role: 'user' as const, newIdempotencyKey: () => 'k', work: s.work }
  const planned = planRequest(DEFAULT_METHOD_POLICY, method, params, ctx)
  if (!planned.ok) return { ok: false, error: planned.error }
  try {
    return { ok: true, payload: await planned.plan.run(s.gateway.request) }
  } catch (error) {
    return { ok: false, error: sanitizeGatewayError({ namespace: 'clawchat', userId }, (error as any).shape) }
  }
}

function withAlicesQuestion() {
  const s = fakeWork(DEFAULT_APPROVAL_POLICY)
  const payload = questionRequested(ALICE)
  s.gateway.questions.set(QID, payload)
  const alice = s.connections.add('alice')
  const aliceNoCaps = s.connections.add('alice', 'user', [])
  const bob = s.connections.add('bob')
  const admin = s.connections.add('root', 'admin')
  s.work.route(event('question.requested', payload))
  return { ...s, alice, aliceNoCaps, bob, admin }
}

/** The gateway's answer to a question id it does not know (openclaw 2026.9.6), naming the id sent. */
const notFound = (id: string) => ({
  ok: false,
  error: {
    code: 'INVALID_REQUEST',
    message: `question '${id}' was not found`,
    details: { reason: 'QUESTION_NOT_FOUND' },
  },
})

describe('question events', () => {
  it("reach every connection of the owner, in the owner's names, and nobody else (not even admins)", () => {
    const s = withAlicesQuestion()
    const expected = {
      event: 'question.requested',
      payload: {
        id: QID,
        questions: [
          {
            questionId: 'color',
            header: 'Color',
            question: 'Pick a color?',
            options: [{ label: 'red' }, { label: 'blue' }],
            isOther: true,
          },
        ],
        sessionKey: 'main',
        runId: 'run-q',
        createdAtMs: 1796323531670,
        expiresAtMs: 1796323591670,
        status: 'pending',
      },
    }
    expect(s.alice.events).toEqual([expected])
    expect(s.aliceNoCaps.events).toEqual([expected])
    expect(s.bob.events).toEqual([])
    expect(s.admin.events).toEqual([])
  })

  it('the id-only resolved event goes to the owner remembered from the request', () => {
    const s = withAlicesQuestion()
    s.work.route(event('question.resolved', questionAnswered()))
    expect(s.alice.events[1]).toEqual({
      event: 'question.resolved',
      payload: { id: QID, status: 'answered', answers: { answers: { color: ['blue'] } } },
    })
    expect(s.bob.events).toEqual([])
    // An id nobody asked through ClawChat goes nowhere.
    expect(s.work.route(event('question.resolved', { id: 'ask_unknown', status: 'expired' }))).toBe(0)
  })

  it("questions of sessions that are not a ClawChat user's go to nobody", () => {
    const s = fakeWork(DEFAULT_APPROVAL_POLICY)
    const admin = s.connections.add('root', 'admin')
    expect(s.work.route(event('question.requested', questionRequested(null)))).toBe(0)
    expect(admin.events).toEqual([])
  })
})

describe('question methods', () => {
  it('list shows each user only their own questions', async () => {
    const s = withAlicesQuestion()
    s.gateway.questions.set('ask_bob', questionRequested(clawchatRun('bob'), 'ask_bob'))
    s.gateway.questions.set('ask_ext', questionRequested(null, 'ask_ext'))
    const alice = await call(s, 'alice', 'question.list')
    expect(alice.ok && (alice.payload as any).questions.map((q: any) => [q.id, q.sessionKey])).toEqual([[QID, 'main']])
    const bob = await call(s, 'bob', 'question.list')
    expect(bob.ok && (bob.payload as any).questions.map((q: any) => q.id)).toEqual(['ask_bob'])
    expect(await call(s, 'carol', 'question.list')).toEqual({ ok: true, payload: { questions: [] } })
  })

  it("bob cannot answer or cancel alice's question: the same answer as an unknown id", async () => {
    const s = withAlicesQuestion()
    const unknown = await call(s, 'bob', 'question.resolve', {
      id: 'ask_nope',
      answers: { answers: { color: ['red'] } },
    })
    expect(unknown).toEqual(notFound('ask_nope'))
    expect(await call(s, 'bob', 'question.resolve', { id: QID, answers: { answers: { color: ['red'] } } })).toEqual(
      notFound(QID),
    )
    expect(await call(s, 'bob', 'question.resolve', { id: QID, cancel: true })).toEqual(notFound(QID))
    // A prefix of alice's id is no id at all here (only the registry's full ids go upstream).
    expect(await call(s, 'alice', 'question.resolve', { id: QID.slice(0, 12), cancel: true })).toEqual(
      notFound(QID.slice(0, 12)),
    )
    expect(s.gateway.calls.filter((c) => c.method === 'question.resolve')).toEqual([])
    // The same one upstream lookup for each: nothing tells a stolen id from a made-up one.
    expect(s.gateway.calls.map((c) => c.method)).toEqual(Array(4).fill('question.list'))
  })

  it("alice's second answer gets the gateway's already-answered answer; bob's still the not-found one", async () => {
    const s = withAlicesQuestion()
    const answer = { id: QID, answers: { answers: { color: ['blue'] } } }
    expect((await call(s, 'alice', 'question.resolve', answer)).ok).toBe(true)
    s.work.route(event('question.resolved', questionAnswered()))
    expect(await call(s, 'alice', 'question.resolve', answer)).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: `question '${QID}' is already answered`,
        details: { reason: 'QUESTION_ALREADY_TERMINAL' },
      },
    })
    expect(await call(s, 'bob', 'question.resolve', answer)).toEqual(notFound(QID))
  })

  it('alice answers her own question; the answer is audited', async () => {
    const s = withAlicesQuestion()
    const answered = await call(s, 'alice', 'question.resolve', { id: QID, answers: { answers: { color: ['blue'] } } })
    expect(answered).toEqual({ ok: true, payload: { status: 'answered', answers: { answers: { color: ['blue'] } } } })
    expect(s.gateway.calls.find((c) => c.method === 'question.resolve')?.params).toEqual({
      id: QID,
      answers: { answers: { color: ['blue'] } },
    })
    expect(s.audit.find((a) => a.event === 'question.answer')).toMatchObject({
      userId: 'alice',
      questionId: QID,
      status: 'answered',
      outcome: 'ok',
    })
  })

  it('refuses answers of the wrong shape, and answers with cancel together', async () => {
    const s = withAlicesQuestion()
    for (const params of [
      { id: QID },
      { id: QID, answers: { color: ['blue'] } },
      { id: QID, answers: { answers: { color: 'blue' } } },
      { id: QID, cancel: true, answers: { answers: { color: ['blue'] } } },
      { id: QID, cancel: false },
    ]) {
      const answer = await call(s, 'alice', 'question.resolve', params)
      expect(answer.ok === false && (answer.error as any).code).toBe('INVALID_REQUEST')
    }
    expect(s.gateway.calls).toEqual([])
  })
})

describe('question owners', () => {
  it('are bounded and forgotten a while after the question expired', () => {
    let now = 1_000_000
    const registry = new QuestionRegistry('clawchat', new KeyCache('clawchat'), () => now, 3)
    for (let i = 0; i < 5; i += 1) registry.remember(questionRequested(ALICE, `q${i}`))
    expect(registry.size).toBe(3)
    expect(registry.owner('q0')).toBeUndefined()
    expect(registry.owner('q4')).toMatchObject({ userId: 'alice' })
    const expiring = { ...questionRequested(ALICE, 'late'), expiresAtMs: now + 1000 }
    registry.remember(expiring)
    now += 1000 + 5 * 60_000 + 1
    expect(registry.owner('late')).toBeUndefined()
  })
})
