/**
 * The `tool-events` channel between instances on its own (fake Redis and subscriber): what it
 * publishes (the token redacted, nothing while Redis is down, nothing over the size bound) and
 * what it delivers (other instances' well-formed messages only, never its own).
 */
import { describe, expect, it } from 'vitest'
import { createRedactor } from '../src/common/errors.js'
import type { RedisHealth } from '../src/coordination/health.js'
import type { RedisAdapter, RedisSubscriber } from '../src/coordination/redis-adapter.js'
import { MAX_TOOL_EVENT_BYTES, ToolEventBus } from '../src/coordination/tool-events.js'

const TOKEN = 'tok-5f0c1f0e-9a51-4d2b-bd2a-34c1b2a0d6e1'

function setup(isUp = true) {
  const commands: string[][] = []
  const delivered: Array<{ userId: string; payload: unknown }> = []
  const warnings: string[] = []
  let handler: (text: string) => void = () => {}
  const redis = {
    command: async (args: readonly string[]) => void commands.push([...args]),
  } as unknown as RedisAdapter
  const subscriber = {
    subscribe: async (_channel: string, listener: (text: string) => void) => void (handler = listener),
  } as unknown as RedisSubscriber
  const health = { isUp, succeeded: () => {}, failed: () => {} } as unknown as RedisHealth
  const log = { debug: () => {}, info: () => {}, warn: (m: string) => void warnings.push(m), error: () => {} }
  const bus = new ToolEventBus({
    redis,
    health,
    subscriber,
    channel: 'p:tool-events',
    instanceId: 'A',
    log,
    redact: createRedactor([TOKEN]),
    onEvent: (userId, payload) => void delivered.push({ userId, payload }),
  })
  bus.start()
  return { bus, commands, delivered, warnings, receive: (text: string) => handler(text) }
}

const payload = {
  runId: 'r',
  sessionKey: 'main',
  stream: 'tool',
  data: { phase: 'start', args: { command: `echo ${TOKEN}` } },
}

describe('ToolEventBus', () => {
  it('publishes the event as its owner sees it, with the token redacted', () => {
    const { bus, commands } = setup()
    bus.publish('alice', payload)
    expect(commands).toHaveLength(1)
    const [verb, channel, text] = commands[0]!
    expect([verb, channel]).toEqual(['PUBLISH', 'p:tool-events'])
    expect(text).not.toContain(TOKEN)
    expect(JSON.parse(text!)).toEqual({
      v: 1,
      from: 'A',
      user: 'alice',
      payload: { ...payload, data: { phase: 'start', args: { command: 'echo [redacted]' } } },
    })
  })

  it('publishes nothing while Redis is down, nor an event over the bound (and says so once)', () => {
    const down = setup(false)
    down.bus.publish('alice', payload)
    expect(down.commands).toEqual([])
    const { bus, commands, warnings } = setup()
    const huge = {
      ...payload,
      data: { phase: 'result', result: { content: [{ type: 'text', text: 'x'.repeat(MAX_TOOL_EVENT_BYTES) }] } },
    }
    bus.publish('alice', huge)
    bus.publish('alice', huge)
    expect(commands).toEqual([])
    expect(warnings).toHaveLength(1)
  })

  it("delivers other instances' messages, never its own or malformed ones", () => {
    const { receive, delivered } = setup()
    const message = (extra: Record<string, unknown>) =>
      JSON.stringify({ v: 1, from: 'B', user: 'alice', payload, ...extra })
    receive(message({}))
    receive(message({ from: 'A' }))
    for (const bad of [
      'not json',
      'null',
      message({ v: 2 }),
      message({ user: '' }),
      message({ user: 'x'.repeat(2000) }),
      message({ payload: 'x' }),
    ])
      receive(bad)
    expect(delivered).toEqual([{ userId: 'alice', payload }])
  })
})
