/**
 * Issue 16.0: a plain user's `chat.send` of a gateway command (`/status`, `/model x -g`, `/restart`,
 * `/approve …`) must reach the model as plain text — never run with the proxy link's admin
 * authority. The mock gateway runs unsuppressed commands like the real one (recorded on 2026.9.6).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent } from '@clawchat/mock-gateway'
import { startHarness, type Harness, type TestClient } from './helpers/harness.js'

let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

/** An echo agent that records what "the model" was asked. */
function recordingAgent(): { asked: string[]; agent: MockAgent } {
  const asked: string[] = []
  return {
    asked,
    agent: (message) => {
      asked.push(message)
      return [`ECHO<<${message}>>`]
    },
  }
}

async function finalText(client: TestClient, message: string, idempotencyKey: string): Promise<string> {
  const res = await client.request('chat.send', { message, idempotencyKey })
  expect(res.ok, JSON.stringify(res.error)).toBe(true)
  const final = await client.waitForEvent(
    'chat',
    (p) => p.runId === idempotencyKey && (p.state === 'final' || p.state === 'error'),
  )
  return final.payload.message?.content?.map((c: { text?: string }) => c.text ?? '').join('') ?? ''
}

describe('gateway text commands through the proxy', () => {
  it.each(['/status', '/model x -g', '/restart', '/approve 523e2af4-57b4 allow-once', '/whoami', '  /model'])(
    "a user's %j reaches the model as plain text",
    async (message) => {
      const { asked, agent } = recordingAgent()
      harness = await startHarness({ gateway: { agent } })
      await harness.waitForLinkUp()
      const alice = await harness.connectAs({ id: 'alice' })
      expect(await finalText(alice, message, 'cmd-1')).toBe(`ECHO<<${message}>>`)
      expect(asked).toEqual([message])
      // What went upstream carried the flag.
      const sent = harness.gateway!.requests.filter((r) => r.method === 'chat.send').at(-1)
      expect(sent?.params).toMatchObject({ suppressCommandInterpretation: true })
    },
  )

  it('an admin runs the commands the policy grants (and only those); the reply names nothing upstream', async () => {
    const { asked, agent } = recordingAgent()
    harness = await startHarness({ gateway: { agent }, proxy: { policy: { commands: { admin: ['status'] } } } })
    await harness.waitForLinkUp()
    const admin = await harness.connectAs({ id: 'root', role: 'admin' })
    expect(await finalText(admin, '/status', 'adm-1')).toMatch(/^🦞 OpenClaw /)
    expect(asked).toEqual([])
    expect(await finalText(admin, '/restart', 'adm-2')).toBe('ECHO<</restart>>')
    expect(asked).toEqual(['/restart'])
    // The command's final carries the upstream run id in its message: the browser never sees it.
    const raw = admin.raw.join('\n')
    for (const leak of ['idempotencyKey', '__openclaw', 'contextFreeCommand', 'gateway-injected'])
      expect(raw).not.toContain(leak)
    // A user of the same proxy still gets no commands.
    const user = await harness.connectAs({ id: 'alice' })
    expect(await finalText(user, '/status', 'usr-1')).toBe('ECHO<</status>>')
  })

  it('refuses a browser that sends suppressCommandInterpretation itself', async () => {
    harness = await startHarness()
    await harness.waitForLinkUp()
    const alice = await harness.connectAs({ id: 'alice' })
    const res = await alice.request('chat.send', { message: '/status', suppressCommandInterpretation: false })
    expect(res.ok).toBe(false)
    expect(res.error).toMatchObject({ code: 'INVALID_REQUEST' })
    expect(res.error.message).toContain("unexpected property 'suppressCommandInterpretation'")
  })
})
