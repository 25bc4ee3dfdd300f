// The fake model on its own (no gateway): the wire format the real gateway consumes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fakeModelReply, parseToolMarkers, startFakeModel, userTextOf, type FakeModel } from './fake-model.js'

let model: FakeModel
beforeAll(async () => {
  model = await startFakeModel({ slowDefaults: { chunks: 3, delayMs: 10 } })
})
afterAll(async () => {
  await model.stop()
})
beforeEach(() => model.reset())

/** A body shaped like the gateway's: timestamped user text, then its internal-context message. */
function gatewayBody(text: string, stream = true) {
  return {
    model: 'fake-1',
    stream,
    stream_options: { include_usage: true },
    messages: [
      { role: 'system', content: 'You are a personal assistant running inside OpenClaw.' },
      { role: 'user', content: `[Tue 2026-11-24 15:50 UTC] ${text}\n\nRuntime: agent=main | session=agent:main:main` },
      {
        role: 'user',
        content: [
          { type: 'text', text: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nnone\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>' },
        ],
      },
    ],
  }
}

async function post(body: unknown) {
  return fetch(`${model.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)))
}

describe('fake model', () => {
  it('listens on 127.0.0.1 and lists its model', async () => {
    expect(model.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
    const res = await fetch(`${model.baseUrl}/models`)
    expect(await res.json()).toMatchObject({ object: 'list', data: [{ id: 'fake-1' }] })
  })

  it('streams ECHO<<text>> chunks, a stop chunk, a usage chunk and [DONE]', async () => {
    const res = await post(gatewayBody('hello there'))
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const events = sseData(await res.text())
    expect(events.at(-1)).toBe('[DONE]')
    const chunks = events.slice(0, -1) as Array<{
      object: string
      choices: Array<{ delta: { content?: string }; finish_reason: string | null }>
      usage?: unknown
    }>
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('ECHO<<hello there>>')
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.at(-1)?.choices).toEqual([])
    expect(chunks.at(-1)?.usage).toBeDefined()
    const [rec] = model.chatRequests()
    expect(rec).toMatchObject({ userText: 'hello there', echoText: 'hello there', stream: true, outcome: 'completed' })
  })

  it('answers without streaming when asked', async () => {
    const res = await post(gatewayBody('plain', false))
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'ECHO<<plain>>' }, finish_reason: 'stop' }],
    })
  })

  it('[[SLOW:n x ms]] streams n pieces, the last one the echo', async () => {
    const t0 = Date.now()
    const events = sseData(await (await post(gatewayBody('slowly [[SLOW:4x50]]'))).text())
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    const text = (events.slice(0, -1) as Array<{ choices: Array<{ delta: { content?: string } }> }>)
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('')
    expect(text).toBe('chunk01 chunk02 chunk03 ECHO<<slowly>>')
    expect(text).toBe(fakeModelReply('slowly [[SLOW:4x50]]'))
  })

  it('[[CUTONCE:id]] cuts the first answer carrying the id after its first piece, then answers in full', async () => {
    const text = 'cut me [[SLOW:3x10]] [[CUTONCE:t1]]'
    const cut = await (await post(gatewayBody(text))).text().then(
      () => 'ended',
      () => 'cut',
    )
    expect(cut).toBe('cut')
    const events = sseData(await (await post(gatewayBody(`retried: ${text}`))).text())
    expect(events.at(-1)).toBe('[DONE]')
    const whole = (events.slice(0, -1) as Array<{ choices: Array<{ delta: { content?: string } }> }>)
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('')
    expect(whole).toBe('chunk01 chunk02 ECHO<<retried: cut me>>')
    expect(whole).toBe(fakeModelReply(`retried: ${text}`))
    expect(model.chatRequests().map((r) => r.outcome)).toEqual(['failed', 'completed'])
  })

  it('[[FAIL]] answers HTTP 400 with an OpenAI error body', async () => {
    const res = await post(gatewayBody('boom [[FAIL]]'))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { message: expect.any(String), type: 'invalid_request_error' } })
    expect(model.chatRequests()[0]?.outcome).toBe('failed')
  })

  it('takes queued and default behaviours from the runtime API', async () => {
    model.enqueue({ kind: 'fail', status: 404 })
    expect((await post(gatewayBody('first'))).status).toBe(404)
    expect((await post(gatewayBody('second'))).status).toBe(200)
    model.setDefaultBehaviour({ kind: 'fail', status: 400 })
    try {
      expect((await post(gatewayBody('third'))).status).toBe(400)
    } finally {
      model.setDefaultBehaviour({ kind: 'echo' })
    }
  })

  it('rejects a bad behaviour naming the bad field', () => {
    expect(() => model.enqueue({ kind: 'slow', chunks: 0, delayMs: 10 })).toThrow(/chunks/)
    expect(() => model.enqueue({ kind: 'fail', status: 200 })).toThrow(/status/)
  })

  it('strips the gateway timestamp and Runtime trailer from user text', () => {
    expect(userTextOf('[Tue 2026-11-24 15:50 UTC] hi\n\nRuntime: agent=main | x')).toBe('hi')
    expect(userTextOf('no prefix')).toBe('no prefix')
    // A device-signed browser client's message (direct mode) as the real gateway forwarded it.
    expect(
      userTextOf(
        '[Tue 2026-11-24 16:32 UTC] Conversation info: ⟦openclaw:ctx⟧\n```json\n{"sender":{"id":"gateway-owner"}}\n```\n\nhello from chromium\n\nRuntime: agent=main | session=agent:main:main',
      ),
    ).toBe('hello from chromium')
  })

  describe('tool calls ([[TOOL:<name>]] [[ARGS:<json>]])', () => {
    const internal = {
      role: 'user',
      content: [
        { type: 'text', text: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nnone\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>' },
      ],
    }
    /** The gateway's follow-up body after the tools ran: …, assistant tool_calls, tool results, internal user. */
    function followUp(text: string, results: Array<{ id: string; content: string }>) {
      const first = gatewayBody(text)
      return {
        ...first,
        messages: [
          ...first.messages.slice(0, 2),
          { role: 'assistant', content: null, tool_calls: results.map((r) => ({ id: r.id, type: 'function' })) },
          ...results.map((r) => ({ role: 'tool', tool_call_id: r.id, content: r.content })),
          internal,
        ],
      }
    }
    type Chunk = {
      choices: Array<{
        delta: { content?: string | null; tool_calls?: Array<Record<string, any>> }
        finish_reason: string | null
      }>
    }

    it('answers the first request with streamed tool_calls and finish_reason "tool_calls"', async () => {
      const text = 'run [[TOOL:exec]] [[ARGS:{"command":"echo hi","title":"say hi"}]] MSG:x'
      const events = sseData(await (await post(gatewayBody(text))).text())
      expect(events.at(-1)).toBe('[DONE]')
      const chunks = events.slice(0, -2) as Chunk[]
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: null })
      const calls = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? [])
      expect(calls[0]).toMatchObject({
        index: 0,
        id: expect.stringMatching(/^call_fake_\d+_0$/),
        type: 'function',
        function: { name: 'exec', arguments: '' },
      })
      const args = calls.map((c) => c.function?.arguments ?? '').join('')
      expect(JSON.parse(args)).toEqual({ command: 'echo hi', title: 'say hi' })
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls')
      expect(chunks.some((c) => typeof c.choices[0]!.delta.content === 'string')).toBe(false)
      const [rec] = model.chatRequests()
      expect(rec!.toolCalls).toEqual([
        { id: calls[0]!.id, name: 'exec', args: { command: 'echo hi', title: 'say hi' } },
      ])
      expect(rec!.echoText).toBe('run MSG:x')
    })

    it('answers the text once a tool result follows the last real user message (no loop)', async () => {
      const text = 'please read [[TOOL:read]] [[ARGS:{"path":"/tmp/x.txt"}]] MSG:r'
      const events = sseData(await (await post(followUp(text, [{ id: 'callfake10', content: 'file text\n' }]))).text())
      const chunks = events.slice(0, -2) as Chunk[]
      expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('ECHO<<please read MSG:r>>')
      expect(chunks.map((c) => c.choices[0]!.delta.tool_calls ?? []).flat()).toEqual([])
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop')
      const [rec] = model.chatRequests()
      expect(rec!.toolCalls).toEqual([])
      expect(rec!.toolResults).toEqual([{ toolCallId: 'callfake10', content: 'file text\n' }])
      expect(fakeModelReply(text)).toBe('ECHO<<please read MSG:r>>')
    })

    it('calls the tools again for a new user message after an earlier turn with tools', async () => {
      const earlier = followUp('first [[TOOL:read]] [[ARGS:{"path":"a"}]]', [{ id: 'c1', content: 'a' }])
      const body = {
        ...earlier,
        messages: [
          ...earlier.messages.slice(0, -1),
          { role: 'assistant', content: 'ECHO<<first>>' },
          { role: 'user', content: '[Tue 2026-11-24 15:51 UTC] again [[TOOL:exec]] [[ARGS:{"command":"ls"}]]' },
          internal,
        ],
      }
      const chunks = sseData(await (await post(body)).text()).slice(0, -2) as Chunk[]
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls')
      expect(model.chatRequests()[0]!.toolCalls.map((c) => c.name)).toEqual(['exec'])
    })

    it('makes several calls in one answer, and answers without streaming too', async () => {
      const text = 'two [[TOOL:read]] [[ARGS:{"path":"a"}]] [[TOOL:exec]] [[ARGS:{"command":"echo ]] done"}]]'
      const res = await post({ ...gatewayBody(text), stream: false })
      const json = (await res.json()) as { choices: Array<{ message: any; finish_reason: string }> }
      expect(json.choices[0]!.finish_reason).toBe('tool_calls')
      expect(json.choices[0]!.message.content).toBeNull()
      expect(
        json.choices[0]!.message.tool_calls.map((c: any) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
      ).toEqual([
        [expect.stringMatching(/_0$/), 'read', { path: 'a' }],
        [expect.stringMatching(/_1$/), 'exec', { command: 'echo ]] done' }],
      ])
      expect(fakeModelReply(text)).toBe('ECHO<<two>>')
    })

    it('parses nested ARGS (a question through tool_call) and refuses bad JSON with a clear error', async () => {
      const ask =
        '[[TOOL:tool_call]] [[ARGS:{"id":"ask_user","args":{"questions":[{"id":"color","question":"Pick?","options":[{"label":"red"},{"label":"blue"}]}],"timeoutSeconds":30}}]]'
      expect(parseToolMarkers(`ask ${ask}`).calls).toEqual([
        {
          name: 'tool_call',
          args: {
            id: 'ask_user',
            args: {
              questions: [{ id: 'color', question: 'Pick?', options: [{ label: 'red' }, { label: 'blue' }] }],
              timeoutSeconds: 30,
            },
          },
        },
      ])
      const res = await post(gatewayBody('bad [[TOOL:exec]] [[ARGS:{"command":]]'))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /\[\[ARGS:…\]\] after \[\[TOOL:exec\]\]/,
      )
    })
  })
})
