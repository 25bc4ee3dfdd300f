import { describe, expect, it } from 'vitest'
import { KeyCache } from '../src/isolation/key-cache.js'
import { eventOwner, sanitizeChatEvent } from '../src/isolation/sanitize.js'
import {
  gatewaySessionKey,
  parseGatewaySessionKey,
  parseUpstreamRunId,
  upstreamRunId,
} from '../src/isolation/session-keys.js'

const NS = 'clawchat'
const aliceMain = `agent:main:${gatewaySessionKey(NS, 'alice', 'main')}`
const aliceRun = upstreamRunId(NS, 'alice', 'main', 'k1')
const bobRun = upstreamRunId(NS, 'bob', 'main', 'k')

describe('the key cache', () => {
  it('answers what the pure parsers answer, the same object on a repeat', () => {
    const keys = new KeyCache(NS)
    for (const key of [aliceMain, 'agent:main:main', 'clawchat:!!:main', 42, undefined]) {
      expect(keys.sessionKey(key)).toEqual(parseGatewaySessionKey(NS, key))
      expect(keys.sessionKey(key)).toEqual(parseGatewaySessionKey(NS, key))
    }
    for (const run of [aliceRun, bobRun, 'c39bd61e', 'clawchat:zz:main:k', null]) {
      expect(keys.runId(run)).toEqual(parseUpstreamRunId(NS, run))
      expect(keys.runId(run)).toEqual(parseUpstreamRunId(NS, run))
    }
    expect(keys.runId(aliceRun)).toBe(keys.runId(aliceRun))
    expect(Object.isFrozen(keys.runId(aliceRun))).toBe(true)
  })

  it('stays bounded, forgetting the oldest strings first', () => {
    const keys = new KeyCache(NS, 3)
    const first = keys.runId(upstreamRunId(NS, 'u0', 'main', 'k'))
    for (let i = 1; i < 10; i += 1) expect(keys.runId(upstreamRunId(NS, `u${i}`, 'main', 'k'))?.userId).toBe(`u${i}`)
    const again = keys.runId(upstreamRunId(NS, 'u0', 'main', 'k'))
    expect(again).toEqual(first)
    expect(again).not.toBe(first)
  })

  it('gives eventOwner and the sanitisers the same answers as without it', () => {
    const keys = new KeyCache(NS)
    const payloads = [
      { sessionKey: aliceMain, runId: aliceRun },
      { sessionKey: aliceMain, runId: bobRun },
      { sessionKey: 'agent:main:main', runId: aliceRun },
      { runId: aliceRun },
      { runId: 'c39bd61e' },
    ]
    for (const payload of payloads) expect(eventOwner(NS, payload, keys)).toEqual(eventOwner(NS, payload))
    for (const runId of [aliceRun, bobRun, 'c39bd61e']) {
      const payload = { runId, sessionKey: aliceMain, seq: 1, state: 'delta' }
      expect(sanitizeChatEvent({ namespace: NS, userId: 'alice', keys }, 'main', payload)).toEqual(
        sanitizeChatEvent({ namespace: NS, userId: 'alice' }, 'main', payload),
      )
    }
    // A memo made for another namespace is not used.
    expect(eventOwner('other', { runId: aliceRun }, keys)).toBeNull()
  })
})
