/**
 * Issue 10: what an instance does with a message on the control channel, without Redis (a fake
 * subscriber hands the messages over): a prompt `disconnectUser` closes all of the user's sockets,
 * a late copy (read after an outage) only those opened before it; each request is applied once;
 * an instance ignores its own messages and anything malformed; session ids travel as digests.
 */
import { describe, expect, it } from 'vitest'
import { ClusterBus, sessionDigest } from '../src/coordination/cluster-bus.js'
import type { RedisHealth } from '../src/coordination/health.js'
import type { RedisAdapter, RedisSubscriber } from '../src/coordination/redis-adapter.js'

function bus() {
  let deliver: (text: string, channel: string) => void = () => {}
  const published: unknown[][] = []
  const users: Array<[string, string, number]> = []
  const sessions: string[] = []
  const subscriber = {
    subscribe: async (_channel: string, listener: (message: string, channel: string) => void) => {
      deliver = listener
    },
    pSubscribe: async () => {},
    onReady: () => {},
    isReady: () => true,
    close: async () => {},
  } satisfies RedisSubscriber
  const redis = {
    script: async (_s: unknown, keys: unknown[], args: unknown[]) => void published.push([...keys, ...args]),
  } as unknown as RedisAdapter
  const health = { isUp: true, succeeded: () => {}, failed: () => {} } as unknown as RedisHealth
  const b = new ClusterBus({
    redis,
    health,
    subscriber,
    channel: 'p:control',
    logKey: 'p:control-log',
    instanceId: 'B',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    onUser: (user, reason, openedBy) => void users.push([user, reason, openedBy]),
    onSession: (digest) => void sessions.push(digest),
  })
  b.start()
  return {
    b,
    deliver: (m: unknown) => deliver(typeof m === 'string' ? m : JSON.stringify(m), 'p:control'),
    published,
    users,
    sessions,
  }
}

describe('the control channel', () => {
  it('applies a prompt disconnect to every socket, a late one to sockets opened before it, each once', () => {
    const { deliver, users } = bus()
    const now = Date.now()
    deliver({ v: 1, id: 'm1', at: now, from: 'A', kind: 'user', user: 'alice', reason: 'account disabled' })
    deliver({ v: 1, id: 'm1', at: now, from: 'A', kind: 'user', user: 'alice', reason: 'account disabled' })
    deliver({ v: 1, id: 'm2', at: now - 30_000, from: 'A', kind: 'user', user: 'bob', reason: 'password changed' })
    expect(users).toEqual([
      ['alice', 'account disabled', Infinity],
      ['bob', 'password changed', now - 30_000 + 1000],
    ])
  })

  it('ignores its own messages and malformed ones', () => {
    const { deliver, users, sessions } = bus()
    deliver({ v: 1, id: 'm1', at: Date.now(), from: 'B', kind: 'user', user: 'alice', reason: '' })
    deliver('not json')
    deliver({ v: 2, id: 'm2', at: Date.now(), from: 'A', kind: 'user', user: 'alice', reason: '' })
    deliver({ v: 1, id: 'm3', at: Date.now(), from: 'A', kind: 'user', user: '', reason: '' })
    deliver({ v: 1, id: 'm4', at: Date.now(), from: 'A', kind: 'session' })
    deliver({ v: 1, id: 'm5', from: 'A', kind: 'session', session: 'x' })
    expect(users).toEqual([])
    expect(sessions).toEqual([])
  })

  it('publishes sessions as digests, never their ids, and logs each request with the publish', () => {
    const { b, published } = bus()
    b.publishSession('s3cr3t-session-id')
    b.publishUser('alice', 'bye')
    expect(JSON.stringify(published)).not.toContain('s3cr3t-session-id')
    const [logKey, channel, text, , keep] = published[0] as [string, string, string, number, number]
    expect([logKey, channel, keep]).toEqual(['p:control-log', 'p:control', 60_000])
    expect(JSON.parse(text)).toMatchObject({
      v: 1,
      from: 'B',
      kind: 'session',
      session: sessionDigest('s3cr3t-session-id'),
    })
    expect(JSON.parse((published[1] as string[])[2] as string)).toMatchObject({
      kind: 'user',
      user: 'alice',
      reason: 'bye',
    })
  })
})
