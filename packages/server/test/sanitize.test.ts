import { describe, expect, it } from 'vitest'
import { eventOwner, sanitizeAgentEvent, sanitizeChatEvent, sanitizeGatewayError } from '../src/isolation/sanitize.js'
import { sanitizeSessionRow, sanitizeSessionsChanged } from '../src/isolation/sanitize-session.js'
import { gatewaySessionKey, upstreamRunId } from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const ctx = { namespace: NS, userId: 'alice' }
const aliceMain = `agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`
const aliceRun = upstreamRunId(NS, 'alice', 'main', 'k1')

describe('event ownership', () => {
  it('comes from the session key, checked against a proxy-made run id', () => {
    expect(eventOwner(NS, { sessionKey: aliceMain, runId: aliceRun })).toEqual({ userId: 'alice', sessionKey: 'main' })
    expect(eventOwner(NS, { sessionKey: aliceMain, runId: upstreamRunId(NS, 'bob', 'main', 'k') })).toBeNull()
    expect(eventOwner(NS, { sessionKey: 'agent:main:main', runId: aliceRun })).toBeNull()
    expect(eventOwner(NS, { runId: aliceRun })).toEqual({ userId: 'alice', sessionKey: 'main' })
    expect(eventOwner(NS, { runId: 'c39bd61e' })).toBeNull()
    expect(eventOwner(NS, 'x')).toBeNull()
  })
})

describe('chat events', () => {
  it('keep whitelisted fields, with the browser session key and run id', () => {
    const out = sanitizeChatEvent(ctx, 'main', {
      runId: aliceRun,
      sessionKey: aliceMain,
      agentId: 'main',
      spawnedBy: 'x',
      seq: 6,
      state: 'delta',
      deltaText: 'Hel',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Hel' }], timestamp: 1, __openclaw: { id: 'u' } },
    })
    expect(out).toEqual({
      runId: 'k1',
      sessionKey: 'main',
      seq: 6,
      state: 'delta',
      deltaText: 'Hel',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Hel' }], timestamp: 1 },
    })
  })

  it('replace a run id the proxy did not make by an opaque one', () => {
    const out = sanitizeChatEvent(ctx, 'main', {
      runId: 'c39bd61e-97cd-4929-87d3-e33505ce2a22',
      sessionKey: aliceMain,
      seq: 1,
      state: 'final',
    })
    expect(out.runId).toMatch(/^run-/)
  })
})

describe('agent events', () => {
  it('drop sessionId, agentId, lane', () => {
    const out = sanitizeAgentEvent(ctx, 'main', {
      runId: aliceRun,
      sessionKey: aliceMain,
      sessionId: 'c2fd77e5-9e9b-4eaa-be85-7f584fcec3e0',
      agentId: 'main',
      lane: 'main',
      stream: 'lifecycle',
      data: { phase: 'start' },
      seq: 3,
      ts: 2,
      isHeartbeat: false,
    })
    expect(out).toEqual({
      runId: 'k1',
      sessionKey: 'main',
      stream: 'lifecycle',
      data: { phase: 'start' },
      seq: 3,
      ts: 2,
    })
  })
})

describe('agent event data', () => {
  it('keeps per-stream whitelisted primitives only: no terminalReceipt, no upstream ids', () => {
    const out = sanitizeAgentEvent(ctx, 'main', {
      runId: aliceRun,
      sessionKey: aliceMain,
      stream: 'lifecycle',
      data: {
        phase: 'end',
        stopReason: 'stop',
        aborted: false,
        endedAt: 5,
        terminalReply: { disposition: 'visible', text: 'x' },
        terminalReceipt: { runId: aliceRun, sessionId: 'c2fd77e5', turnId: aliceRun },
        error: `failed on ${aliceMain}`,
      },
    })
    expect(out.data).toEqual({ phase: 'end', stopReason: 'stop', aborted: false, endedAt: 5, error: 'failed on main' })
    expect(
      sanitizeAgentEvent(ctx, 'main', { stream: 'assistant', data: { text: 'Hi', delta: 'Hi', itemId: 'e078e3b0:1' } })
        .data,
    ).toEqual({ text: 'Hi', delta: 'Hi' })
    expect(sanitizeAgentEvent(ctx, 'main', { stream: 'tool', data: { name: 'exec', path: '/srv' } }).data).toEqual({
      name: 'exec',
    })
    expect(sanitizeAgentEvent(ctx, 'main', { stream: 'no-such-stream', data: { name: 'x' } }).data).toEqual({})
  })
})

describe('sessions.changed and rows', () => {
  it('keep the whitelisted row only, and drop the flattened upstream fields', () => {
    const out = sanitizeSessionsChanged(ctx, 'main', {
      sessionKey: aliceMain,
      agentId: 'main',
      phase: 'start',
      runId: aliceRun,
      ts: 9,
      sessionId: 'c3d58c1a',
      participants: [{ identity: { id: 'gateway-client' } }],
      lastRunId: aliceRun,
      session: { key: aliceMain, sessionId: 'c3d58c1a', status: 'running', createdActor: { id: 'gateway-owner' } },
    })
    expect(out).toEqual({
      sessionKey: 'main',
      phase: 'start',
      runId: 'k1',
      ts: 9,
      session: { key: 'main', status: 'running' },
    })
  })

  it('never attribute another user row', () => {
    expect(sanitizeSessionRow(ctx, { key: `agent:main:${gatewaySessionKey(NS, 'bob', 'main')}` })).toBeUndefined()
    expect(sanitizeSessionRow(ctx, { key: 'agent:main:main' })).toBeUndefined()
  })
})

describe('gateway errors', () => {
  it('keep code, message and retry hints, rewrite identifiers and drop details but code/reason', () => {
    const out = sanitizeGatewayError(ctx, {
      code: 'INVALID_REQUEST',
      message: `This message ID was already used for different input (run ${aliceRun}, session ${aliceMain}, other ${gatewaySessionKey(NS, 'bob', 'main')}).`,
      details: { reason: 'chat-request-conflict', sessionId: 'c3d58c1a', path: '/srv/x' },
      retryable: false,
    })
    expect(out).toEqual({
      code: 'INVALID_REQUEST',
      message: 'This message ID was already used for different input (run k1, session main, other [session]).',
      details: { reason: 'chat-request-conflict' },
      retryable: false,
    })
  })

  it('survive garbage', () => {
    expect(sanitizeGatewayError(ctx, 'x').code).toBe('UNAVAILABLE')
    expect(sanitizeGatewayError(ctx, { code: '', message: '' })).toEqual({
      code: 'UNAVAILABLE',
      message: 'The gateway answered UNAVAILABLE.',
    })
  })
})
