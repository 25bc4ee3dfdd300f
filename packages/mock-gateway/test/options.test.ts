import { afterEach, describe, expect, it } from 'vitest'
import { startMockGateway } from '../src/index.js'
import { Harness, TOKEN } from './helpers/harness.js'
import { connectParams } from './helpers/raw-client.js'

/** Options are checked at start with a message naming the bad one, and the token never leaks. */
const h = new Harness()
afterEach(() => h.cleanup())

describe('startMockGateway options', () => {
  it.each([
    [{}, 'startMockGateway: option "token" must be a non-empty string'],
    [{ token: '' }, 'startMockGateway: option "token" must be a non-empty string'],
    [{ token: 't', port: -1 }, 'option "port" must be an integer of at least 0'],
    [{ token: 't', port: 70000 }, 'option "port" must be at most 65535'],
    [{ token: 't', tickIntervalMs: 0 }, 'option "tickIntervalMs" must be an integer of at least 1'],
    [{ token: 't', handshakeTimeoutMs: 'soon' }, 'option "handshakeTimeoutMs"'],
    [{ token: 't', agent: 'echo' }, 'option "agent" must be a function'],
    [{ token: 't', failure: 'explode' }, 'option "failure" must be "none", "model-error", "cut-stream"'],
    [
      { token: 't', failure: { kind: 'cut-stream', cuts: 0 } },
      'startMockGateway: option "failure": "cuts" must be an integer of at least 1, got 0',
    ],
    [{ token: 't', allowedOrigins: 'https://x' }, 'option "allowedOrigins" must be an array'],
    [{ token: 't', authFailureDelay: { initialMs: 0 } }, 'option "authFailureDelay.initialMs"'],
    [{ token: 't', chunkDelayMs: 1.5 }, 'option "chunkDelayMs"'],
    [{ token: 't', strictHelloOk: 'yes' }, 'option "strictHelloOk" must be a boolean'],
    [{ token: 't', exec: 'ask' }, 'option "exec" must be an object { mode: "full" | "ask" }'],
    [{ token: 't', exec: { mode: 'sometimes' } }, 'option "exec.mode" must be "full" or "ask", got "sometimes"'],
    [{ token: 't', approvalTimeoutMs: 0 }, 'option "approvalTimeoutMs" must be an integer of at least 1'],
    [{ token: 't', timeScale: 0 }, 'option "timeScale" must be a positive number, got 0'],
  ])('%j is refused: %s', async (options, message) => {
    await expect(startMockGateway(options as never)).rejects.toThrow(message)
  })

  it('never echoes the token in option errors', async () => {
    await expect(startMockGateway({ token: 'sekrit-token-value', port: -5 } as never)).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sekrit-token-value') }),
    )
  })

  it('never writes the token to the log, even when a client sends it or a wrong one', async () => {
    const lines: string[] = []
    const gw = await h.gateway({ log: (l) => lines.push(l) })
    await h.connected(gw)
    const wrong = await h.client(gw)
    await wrong.connect(connectParams({ token: 'a-wrong-token' }))
    await wrong.closed
    expect(lines.length).toBeGreaterThan(1)
    expect(lines.join('\n')).not.toContain(TOKEN)
    expect(lines.join('\n')).not.toContain('a-wrong-token')
  })

  it('listens on 127.0.0.1 by default and reports a ws:// url with the bound port', async () => {
    const gw = await h.gateway()
    expect(gw.host).toBe('127.0.0.1')
    expect(gw.url).toBe(`ws://127.0.0.1:${gw.port}`)
    expect(gw.port).toBeGreaterThan(0)
    expect(gw.listening).toBe(true)
  })
})
