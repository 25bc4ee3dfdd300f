import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import { officialErrors } from './helpers/official-schema.js'
import type { RawClient } from './helpers/raw-client.js'
import { loadTxt, received } from './helpers/reference.js'
import { kind, runEvents, seqPattern } from './helpers/run-frames.js'
import { expectSameShape } from './helpers/shape.js'

/**
 * Failing and slow runs: the model error of transcripts-more/q2-failures-ERR400.txt (lifecycle
 * error + the two chat error events), an agent that throws, the cut-stream retry with a
 * `replace:true` delta (q2-failures-CUT_OK_CUTEND_OK.txt) and slow streaming.
 */
const h = new Harness()
afterEach(() => h.cleanup())

const err400 = runEvents(
  received(loadTxt('transcripts-more/q2-failures-ERR400.txt'), 'A'),
  'dec55542-47b9-42ba-9c5b-df68eac9e615',
)
const cut = runEvents(
  received(loadTxt('transcripts-more/q2-failures-CUT_OK_CUTEND_OK.txt'), 'A'),
  'c099530f-9af5-4516-bc97-d5a6b5308e3d',
)

async function send(c: RawClient, runId: string, message = 'hello', sessionKey = 'clawchat:fail:main') {
  const ack = await c.request('chat.send', { sessionKey, message, idempotencyKey: runId })
  expect(ack.payload).toEqual({ runId, status: 'started' })
}

async function untilRunError(c: RawClient, runId: string): Promise<any[]> {
  await c.event('chat', (p) => p.runId === runId && p.state === 'error' && p.agentId === undefined)
  return runEvents(c.frames, runId)
}

describe('model error', () => {
  it('fails like the real HTTP 400 case: lifecycle finishing/model/fallback_step/error, then two chat error events', async () => {
    expect(err400.length).toBeGreaterThan(10)
    const gw = await h.gateway({ failure: 'model-error' })
    const c = await h.connected(gw)
    await send(c, 'run-err-1')
    const events = await untilRunError(c, 'run-err-1')
    expect(events.map(kind)).toEqual(err400.map(kind))
    events.forEach((e, i) => expectSameShape(e, err400[i]))
    expect(seqPattern(events)).toBe(seqPattern(err400))
    const [first, second] = events.filter((e) => kind(e) === 'chat:error').map((e) => e.payload)
    const [refFirst, refSecond] = err400.filter((e) => kind(e) === 'chat:error').map((e) => e.payload)
    expect(first.errorMessage).toBe(refFirst.errorMessage)
    expect(second.errorMessage).toBe(refSecond.errorMessage)
    expect(second.seq).toBe(1)
    expect(second.agentId).toBeUndefined()
    expect(first.seq).toBe(events.find((e) => kind(e) === 'agent:lifecycle:error').payload.seq)
    for (const e of events.filter((x) => x.event === 'chat'))
      expect(officialErrors('ChatEventSchema', e.payload)).toEqual([])
    expect(events.some((e) => kind(e) === 'chat:final' || kind(e) === 'chat:delta')).toBe(false)
  })

  it('can carry a custom message, and setFailure switches it on and off at runtime', async () => {
    const gw = await h.gateway({ agent: () => ['fine'] })
    const c = await h.connected(gw)
    gw.setFailure({ kind: 'model-error', errorMessage: 'The selected model was not found by the provider.' })
    await send(c, 'run-err-2')
    const events = await untilRunError(c, 'run-err-2')
    const errors = events.filter((e) => kind(e) === 'chat:error').map((e) => e.payload.errorMessage)
    expect(errors[0]).toBe('The selected model was not found by the provider.')
    expect(errors[1]).toBe(
      '⚠️ Agent failed before reply: The selected model was not found by the provider.\nTo view logs, run `openclaw logs --follow` in a terminal.',
    )
    gw.setFailure('none')
    await send(c, 'run-err-3')
    const final = await c.event('chat', (p) => p.runId === 'run-err-3' && p.state === 'final')
    expect(final.payload.message.content[0].text).toBe('fine')
  })

  it('an agent that throws fails the run the same way, after the text it had streamed', async () => {
    const failing: MockAgent = async function* () {
      yield 'partial '
      throw new Error('model exploded')
    }
    const gw = await h.gateway({ agent: failing })
    const c = await h.connected(gw)
    await send(c, 'run-throw-1')
    const events = await untilRunError(c, 'run-throw-1')
    expect(events.map(kind).slice(-6)).toEqual(err400.map(kind).slice(-6))
    expect(events.filter((e) => kind(e) === 'chat:delta').map((e) => e.payload.deltaText)).toEqual(['partial '])
    expect(events.filter((e) => kind(e) === 'chat:error')[0].payload.errorMessage).toBe('model exploded')
  })

  it('keeps the connection usable and the session answers chat.history afterwards', async () => {
    const gw = await h.gateway({ failure: 'model-error' })
    const c = await h.connected(gw)
    await send(c, 'run-err-4', 'hi', 'clawchat:err4:main')
    await untilRunError(c, 'run-err-4')
    const history = await c.request('chat.history', { sessionKey: 'clawchat:err4:main' })
    expect(history.payload.messages.map((m: any) => m.role)).toEqual(['user'])
    expect(history.payload.sessionInfo.hasActiveRun).toBe(false)
  })
})

describe('cut stream retried', () => {
  it('shows the partial text, then a replace:true delta with empty text, then streams again and finishes', async () => {
    const gw = await h.gateway({ agent: () => ['partial-before-cut', ' and the rest'], failure: 'cut-stream' })
    const c = await h.connected(gw)
    await send(c, 'run-cut-1')
    await c.event('chat', (p) => p.runId === 'run-cut-1' && p.state === 'final')
    const events = runEvents(c.frames, 'run-cut-1')
    // The recorded run up to the first delta of the retried stream (it then kept failing; ours succeeds).
    const firstRetryDelta = cut.findIndex(
      (e, i) => i > cut.findIndex((x) => kind(x) === 'chat:delta:replace') && kind(e) === 'chat:delta',
    )
    const refPrefix = cut.slice(0, firstRetryDelta + 1)
    expect(events.slice(0, refPrefix.length).map(kind)).toEqual(refPrefix.map(kind))
    events.slice(0, refPrefix.length).forEach((e, i) => expectSameShape(e, refPrefix[i]))
    expect(seqPattern(events.slice(0, refPrefix.length))).toBe(seqPattern(refPrefix))
    const replace = events.find((e) => kind(e) === 'chat:delta:replace').payload
    expect(replace).toMatchObject({ deltaText: '', replace: true, message: { content: [{ type: 'text', text: '' }] } })
    const texts = events
      .filter((e) => e.event === 'chat' && e.payload.state === 'delta')
      .map((e) => e.payload.message.content[0].text)
    expect(texts).toEqual(['partial-before-cut', '', 'partial-before-cut', 'partial-before-cut and the rest'])
    const final = events.find((e) => kind(e) === 'chat:final').payload
    expect(final.message.content[0].text).toBe('partial-before-cut and the rest')
  })

  it('can cut several times', async () => {
    const gw = await h.gateway({
      agent: () => ['a', 'b', 'c'],
      failure: { kind: 'cut-stream', cutAfterChunks: 2, cuts: 2 },
    })
    const c = await h.connected(gw)
    await send(c, 'run-cut-2')
    const final = await c.event('chat', (p) => p.runId === 'run-cut-2' && p.state === 'final')
    expect(final.payload.message.content[0].text).toBe('abc')
    expect(runEvents(c.frames, 'run-cut-2').filter((e) => kind(e) === 'chat:delta:replace')).toHaveLength(2)
  })
})

describe('slow streams', () => {
  it('spaces chunks by chunkDelayMs (setChunkDelay changes it at runtime)', async () => {
    const gw = await h.gateway({ agent: () => ['a', 'b', 'c', 'd'] })
    gw.setChunkDelay(120)
    const c = await h.connected(gw)
    const start = Date.now()
    await send(c, 'run-slow-1')
    await c.event('chat', (p) => p.runId === 'run-slow-1' && p.state === 'final', 10_000)
    // three gaps of 120 ms between four chunks; generous upper bound for a loaded machine
    expect(Date.now() - start).toBeGreaterThanOrEqual(340)
    expect(Date.now() - start).toBeLessThan(5000)
  })

  it('an agent may pace itself with an async iterable', async () => {
    const paced: MockAgent = async function* (_message, ctx) {
      for (const word of ['one ', 'two ', 'three']) {
        await sleep(30) // the agent's own pace, not the test waiting
        if (ctx.signal.aborted) return
        yield word
      }
    }
    const gw = await h.gateway({ agent: paced })
    const c = await h.connected(gw)
    await send(c, 'run-paced-1')
    const final = await c.event('chat', (p) => p.runId === 'run-paced-1' && p.state === 'final')
    expect(final.payload.message.content[0].text).toBe('one two three')
  })
})
