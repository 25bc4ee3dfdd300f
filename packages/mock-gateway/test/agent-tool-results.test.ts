import { afterEach, describe, expect, it } from 'vitest'
import type { MockAgent, MockAgentContext } from '../src/index.js'
import { Harness } from './helpers/harness.js'
import type { RawClient } from './helpers/raw-client.js'
import { connectTool, RW } from './helpers/tool-clients.js'

/** An agent's own tool calls (`yield { tool, args }`) and their results in `context.toolResults`. */
const h = new Harness()
afterEach(() => h.cleanup())

const finalText = async (c: RawClient, runId: string): Promise<string> => {
  const final = (await c.event('chat', (p) => p.runId === runId && p.state === 'final')).payload
  return final.message.content.map((p: { text?: string }) => p.text ?? '').join('')
}

/** Calls `read` then `exec`, and answers with what their results said (read after a chunk). */
const reporter: MockAgent = async function* (_message, context: MockAgentContext) {
  const before = context.toolResults?.length
  yield { tool: 'read', args: { path: 'notes.txt' } }
  yield { tool: 'exec', args: { command: 'echo from-the-agent' } }
  yield 'Results:'
  const results = context.toolResults ?? []
  yield ` before=${before} ${results.map((r) => `${r.tool}:${r.isError}:${r.text.replace(/\s+/g, ' ').trim()}`).join(' | ')}`
}

describe('context.toolResults', () => {
  it("holds each yielded call's result, in order, once the agent's next chunk was read", async () => {
    const gw = await h.gateway({ agent: reporter })
    const c = await connectTool(h, gw, { scopes: RW, caps: [] })
    await c.request('chat.send', { sessionKey: 'r-1', message: 'go', idempotencyKey: 'run-r1' })
    const text = await finalText(c, 'run-r1')
    expect(text).toMatch(/^Results: before=0 read:false:.+ \| exec:false:from-the-agent$/)
  })

  it('holds the denial when exec asks and nobody may approve (the agent can say so)', async () => {
    const gw = await h.gateway({ agent: reporter, exec: { mode: 'ask' } })
    const c = await connectTool(h, gw, { scopes: RW, caps: [] })
    await c.request('chat.send', { sessionKey: 'r-2', message: 'go', idempotencyKey: 'run-r2' })
    const text = await finalText(c, 'run-r2')
    expect(text).toMatch(/exec:true:.*exec denied: Headless runs cannot wait/)
  })
})
