import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './helpers/harness.js'
import { runEvents } from './helpers/run-frames.js'

/**
 * Gateway text commands in `chat.send`, against the frames recorded on openclaw@2026.9.6
 * (fixtures/recorded/text-commands.json): without `suppressCommandInterpretation` a `/status` is
 * answered by the command handler with one `final` and no model call; with it, it is a model turn.
 */
const recorded = JSON.parse(readFileSync(new URL('./fixtures/recorded/text-commands.json', import.meta.url), 'utf8'))
const recordedCase = (message: string, suppress: boolean) =>
  recorded.cases.find((c: any) => c.message === message && c.suppressCommandInterpretation === suppress)

const h = new Harness()
afterEach(() => h.cleanup())

/** The agent's calls, so a test sees whether the "model" was asked. */
function recordingAgent() {
  const asked: string[] = []
  return {
    asked,
    agent: (message: string) => {
      asked.push(message)
      return [`ECHO<<${message}>>`]
    },
  }
}

describe('text commands in chat.send', () => {
  it('runs "/status" in the command handler: one final shaped as recorded, no model call', async () => {
    const { asked, agent } = recordingAgent()
    const gw = await h.gateway({ agent })
    const c = await h.connected(gw)
    const res = await c.request('chat.send', { sessionKey: 'cmd-1', message: '/status', idempotencyKey: 'cmd-run-1' })
    expect(res.payload).toEqual({ runId: 'cmd-run-1', status: 'started' })
    const final = (await c.event('chat', (p) => p.runId === 'cmd-run-1' && p.state === 'final', 5000)).payload
    const ref = recordedCase('/status', false)
    expect(ref.chat).toHaveLength(1)
    expect(Object.keys(final)).toEqual(Object.keys(ref.chat[0]))
    expect(final.seq).toBe(1)
    expect(Object.keys(final.message)).toEqual(Object.keys(ref.chat[0].message))
    expect(final.message).toMatchObject({ excludeFromContext: true, __openclaw: { contextFreeCommand: true } })
    expect(final.message).toMatchObject({
      provider: 'openclaw',
      model: 'gateway-injected',
      idempotencyKey: 'cmd-run-1',
    })
    expect(final.message.content[0].text).toMatch(/^🦞 OpenClaw /)
    expect(runEvents(c.frames, 'cmd-run-1').map((e) => `${e.event}:${e.payload.state ?? e.payload.stream}`)).toEqual([
      'chat:final',
    ])
    expect(asked).toEqual([])

    const history = (await c.request('chat.history', { sessionKey: 'cmd-1' })).payload.messages
    const [refUser, refReply] = ref.history
    expect(history).toHaveLength(2)
    expect(history[0]).toMatchObject({
      role: 'user',
      content: '/status',
      excludeFromContext: true,
      __openclaw: { contextFreeCommand: true },
    })
    expect(Object.keys(history[0])).toEqual(Object.keys(refUser))
    expect(Object.keys(history[1])).toEqual(Object.keys(refReply))
  })

  it('answers "/whoami" and "/model" the same way, naming the connection that sent them', async () => {
    const { asked, agent } = recordingAgent()
    const gw = await h.gateway({ agent })
    const c = await h.connected(gw)
    await c.request('chat.send', { sessionKey: 'cmd-2', message: '  /whoami', idempotencyKey: 'cmd-run-2' })
    const whoami = (await c.event('chat', (p) => p.runId === 'cmd-run-2' && p.state === 'final', 5000)).payload
    expect(whoami.message.content[0].text).toMatch(/^🧭 Identity\nChannel: webchat\nUser id: /)
    expect(Object.keys(whoami)).toEqual(Object.keys(recordedCase('/whoami', false).chat[0]))
    expect(Object.keys(whoami.message)).toEqual(Object.keys(recordedCase('/whoami', false).chat[0].message))
    const rows = (await c.request('chat.history', { sessionKey: 'cmd-2' })).payload.messages
    expect(rows.map((r: any) => Object.keys(r))).toEqual(
      recordedCase('/whoami', false).history.map((r: any) => Object.keys(r)),
    )
    await c.request('chat.send', { sessionKey: 'cmd-2', message: '/model', idempotencyKey: 'cmd-run-3' })
    const model = (await c.event('chat', (p) => p.runId === 'cmd-run-3' && p.state === 'final', 5000)).payload
    expect(model.message.content[0].text).toContain('Global default: /model <provider/model> -g')
    expect(asked).toEqual([])
  })

  it.each(['/status', '/model x -g', '/restart', '/approve 523e2af4 allow-once'])(
    'sends %j to the model as plain text with suppressCommandInterpretation: true',
    async (message) => {
      const { asked, agent } = recordingAgent()
      const gw = await h.gateway({ agent })
      const c = await h.connected(gw)
      await c.request('chat.send', {
        sessionKey: 'cmd-3',
        message,
        idempotencyKey: 'cmd-run-4',
        suppressCommandInterpretation: true,
      })
      const final = (await c.event('chat', (p) => p.runId === 'cmd-run-4' && p.state === 'final', 5000)).payload
      expect(final.message.content[0].text).toBe(`ECHO<<${message}>>`)
      expect(asked).toEqual([message])
      // As recorded: the suppressed "/status" ran the whole model turn (status, delta, final events).
      expect(runEvents(c.frames, 'cmd-run-4').some((e) => e.event === 'chat' && e.payload.state === 'delta')).toBe(true)
    },
  )

  it('remembers a command’s idempotency key like any run', async () => {
    const gw = await h.gateway({ agent: () => ['x'] })
    const c = await h.connected(gw)
    await c.request('chat.send', { sessionKey: 'cmd-4', message: '/status', idempotencyKey: 'cmd-run-5' })
    await c.event('chat', (p) => p.runId === 'cmd-run-5' && p.state === 'final', 5000)
    const again = await c.request('chat.send', { sessionKey: 'cmd-4', message: '/status', idempotencyKey: 'cmd-run-5' })
    expect(again.payload).toEqual({ runId: 'cmd-run-5', status: 'ok' })
  })
})
