import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import { officialErrors } from './helpers/official-schema.js'
import type { RawClient } from './helpers/raw-client.js'
import { loadJsonl, received } from './helpers/reference.js'
import { kind, seqPattern } from './helpers/run-frames.js'
import { expectSameShape } from './helpers/shape.js'

/**
 * One chat run against transcripts/step5-chat-fake.jsonl (the fake model answered "Hello",
 * " from", " fake model"): the ack, every chat/agent event in order with its payload shape, the
 * payload `seq` numbering and the frame `seq`, and the broadcast to every operator connection.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const step5 = received(loadJsonl('transcripts/step5-chat-fake.jsonl'))
const REF_RUN = '66634aa2-c125-4f63-b76c-d67adeb7913b'
const refAck = step5.find((f) => f.type === 'res' && f.id === '6')
const refRunEvents = step5.filter((f) => f.type === 'event' && f.payload?.runId === REF_RUN)
const refChunks: MockAgent = () => ['Hello', ' from', ' fake model']

async function runOnce(c: RawClient, runId: string, message = 'hello', sessionKey = 'main') {
  const ack = await c.request('chat.send', { sessionKey, message, idempotencyKey: runId }, '6')
  await c.event('chat', (p) => p.runId === runId && p.state === 'final')
  return { ack, events: c.frames.filter((f) => f.type === 'event' && f.payload?.runId === runId) }
}

describe('chat.send and the run it starts', () => {
  it('acks {runId: idempotencyKey, status: "started"} like the recorded ack', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    const { ack } = await runOnce(c, 'run-ack-1')
    expect(ack).toEqual({ ...refAck, payload: { runId: 'run-ack-1', status: 'started' } })
  })

  it('emits the recorded event sequence, each payload shaped like its recorded counterpart', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    const { events } = await runOnce(c, 'run-seq-1')
    expect(events.map(kind)).toEqual(refRunEvents.map(kind))
    events.forEach((e, i) => expectSameShape(e, refRunEvents[i]))
    for (const e of events) expect(e.payload.sessionKey).toBe('agent:main:main')
  })

  it('numbers payload seq per run like the real one: chat events share the seq of their agent event, final = lifecycle end', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    const { events } = await runOnce(c, 'run-seq-2')
    expect(seqPattern(events)).toBe(seqPattern(refRunEvents))
    expect(events[0].payload.seq).toBe(1)
    const end = events.find((e) => kind(e) === 'agent:lifecycle:end')
    const final = events.find((e) => kind(e) === 'chat:final')
    expect(final.payload.seq).toBe(end.payload.seq)
  })

  it('streams deltas with deltaText = the new text and message = everything so far, then final with stopReason', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    const { events } = await runOnce(c, 'run-text-1')
    const deltas = events.filter((e) => kind(e) === 'chat:delta').map((e) => e.payload)
    expect(deltas.map((d) => d.deltaText)).toEqual(['Hello', ' from', ' fake model'])
    expect(deltas.map((d) => d.message.content[0].text)).toEqual(['Hello', 'Hello from', 'Hello from fake model'])
    const final = events.find((e) => kind(e) === 'chat:final').payload
    expect(final.stopReason).toBe('stop')
    expect(final.message).toMatchObject({
      role: 'assistant',
      content: [{ type: 'text', text: 'Hello from fake model' }],
    })
    const refFinal = refRunEvents.find((e) => kind(e) === 'chat:final').payload
    expect(final.message.content).toEqual(refFinal.message.content)
  })

  it('uses consecutive frame seq per connection', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    await runOnce(c, 'run-frame-1')
    const seqs = c.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })

  it('chat payloads pass the official ChatEvent schema; agent payloads fail it exactly like the recorded ones', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    const { events } = await runOnce(c, 'run-schema-1')
    events.forEach((e, i) => {
      if (e.event === 'chat') expect(officialErrors('ChatEventSchema', e.payload)).toEqual([])
      else
        expect(officialErrors('AgentEventSchema', e.payload)).toEqual(
          officialErrors('AgentEventSchema', refRunEvents[i].payload),
        )
    })
  })

  it('broadcasts the run to every operator connection with identical payloads and each its own frame seq', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const a = await h.connected(gw)
    await runOnce(a, 'run-bcast-0', 'before b joins', 'clawchat:alice:main')
    const b = await h.connected(gw, { clientId: 'cli', mode: 'cli' })
    await b.event('health')
    const { events } = await runOnce(a, 'run-bcast-1', 'hello', 'clawchat:alice:main')
    await b.event('chat', (p) => p.runId === 'run-bcast-1' && p.state === 'final')
    const onB = b.frames.filter((f) => f.type === 'event' && f.payload?.runId === 'run-bcast-1')
    expect(onB.map((f) => f.payload)).toEqual(events.map((f) => f.payload))
    // The frame seq is B's own counter (B joined later, so it is behind A's).
    expect(onB[0].seq).toBeLessThan(events[0].seq)
    const bSeqs = b.frames.filter((f) => f.type === 'event' && f.event !== 'connect.challenge').map((f) => f.seq)
    expect(bSeqs).toEqual(bSeqs.map((_, i) => i + 1))
    // The reverse direction too: B's run reaches A.
    await runOnce(b, 'run-bcast-2', 'from b', 'clawchat:bob:main')
    await a.event('chat', (p) => p.runId === 'run-bcast-2' && p.state === 'final')
  })

  it('does not send run events to a connection without scopes', async () => {
    const gw = await h.gateway({ agent: refChunks })
    const a = await h.connected(gw)
    const scopeless = await h.connected(gw, { clientId: 'test', mode: 'test' })
    await runOnce(a, 'run-scopeless-1')
    await scopeless.event('health')
    expect(scopeless.frames.filter((f) => f.event === 'chat' || f.event === 'agent')).toEqual([])
  })

  it('sends one chat.metadata.changed {} per boot, before the first run events (as recorded once per gateway start)', async () => {
    const refMeta = step5.find((f) => f.event === 'chat.metadata.changed')
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    await runOnce(c, 'run-meta-1')
    const meta = c.events('chat.metadata.changed')
    expect(meta).toHaveLength(1)
    expectSameShape(meta[0], refMeta)
    expect(c.frames.indexOf(meta[0])).toBeLessThan(c.frames.findIndex((f) => f.event === 'chat'))
    await runOnce(c, 'run-meta-2', 'again', 'clawchat:other:main')
    expect(c.events('chat.metadata.changed')).toHaveLength(1)
  })

  it('the default demo agent answers a few sentences of markdown in several chunks, the same every time', async () => {
    const gw = await h.gateway()
    const c = await h.connected(gw)
    const first = await runOnce(c, 'run-demo-1', 'What is ClawChat?', 'demo-a')
    const second = await runOnce(c, 'run-demo-2', 'What is ClawChat?', 'demo-b')
    const text = (r: typeof first) => r.events.find((e) => kind(e) === 'chat:final').payload.message.content[0].text
    expect(first.events.filter((e) => kind(e) === 'chat:delta').length).toBeGreaterThan(5)
    expect(text(first)).toContain('**')
    expect(text(first)).toContain('What is ClawChat?')
    expect(text(second)).toBe(text(first))
  })

  it('records user and assistant messages in chat.history with their __openclaw metadata', async () => {
    const refHistory = step5.find((f) => f.type === 'res' && f.id === '7')
    const gw = await h.gateway({ agent: refChunks })
    const c = await h.connected(gw)
    await runOnce(c, 'run-hist-1')
    const history = await c.request('chat.history', { sessionKey: 'main' }, '7')
    expectSameShape(history, refHistory, { ignore: ['$.payload.sessionInfo.activitySummary'] })
    expect(history.payload.messages.map((m: any) => m.role)).toEqual(['user', 'assistant'])
    expect(history.payload.messages[0].__openclaw.idempotencyKey).toBe('run-hist-1:user')
    expect(history.payload.messages[1].__openclaw.runId).toBe('run-hist-1')
    expect(history.payload.sessionInfo.lastRunId).toBe('run-hist-1')
  })
})
