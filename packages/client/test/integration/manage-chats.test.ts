/**
 * Managing chats through the real proxy and the mock gateway (issue 20): rename, pin, archive,
 * delete, regenerate and edit with the SDK's methods; bob can touch none of alice's; and the
 * persisted send queue sends a message exactly once across a "reload" (a new ClawChat on the same
 * storage). Needs the proxy's planners for `sessions.patch` / `sessions.delete` / `sessions.rewind`
 * and the mock's support of them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { PERSIST_KEY, type ClawChat, type SendStorage } from '../../src/index.js'
import { replyTo, startStack, transcript, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function reply(chat: ClawChat, message: string, sessionKey = 'main') {
  let last = ''
  for await (const p of chat.stream(message, { sessionKey })) last = p.text
  return last
}

const titles = async (chat: ClawChat, archived?: boolean | 'all') =>
  (await chat.sessions.list(archived === undefined ? {} : { archived })).sessions.map((s) => [s.key, s.label, s.pinned])

describe('managing chats through the proxy', () => {
  it('rename, pin, archive and delete a session; bob can touch none of it', async () => {
    stack = await startStack()
    const alice = stack.client(await stack.login('alice'))
    const bob = stack.client(await stack.login('bob'))
    await reply(alice, 'hello', 'trip')
    expect(await alice.sessions.rename('trip', 'Trip to Lisbon')).toMatchObject({
      key: 'trip',
      label: 'Trip to Lisbon',
    })
    await alice.sessions.pin('trip')
    expect(await titles(alice)).toContainEqual(['trip', 'Trip to Lisbon', true])
    // Labels are per user: bob may use the same one, and never sees alice's.
    await reply(bob, 'hi', 'trip')
    expect(await bob.sessions.rename('trip', 'Trip to Lisbon')).toMatchObject({ label: 'Trip to Lisbon' })
    expect((await bob.sessions.list()).sessions.every((s) => s.pinned !== true)).toBe(true)
    await alice.sessions.archive('trip')
    expect((await titles(alice)).some(([k]) => k === 'trip')).toBe(false)
    expect((await titles(alice, true)).some(([k]) => k === 'trip')).toBe(true)
    expect(await alice.sessions.delete('trip')).toMatchObject({ key: 'trip', deleted: true })
    expect((await titles(alice, 'all')).some(([k]) => k === 'trip')).toBe(false)
    expect((await titles(bob)).some(([k]) => k === 'trip')).toBe(true)
    await expect(bob.sessions.rename('agent:main:alice', 'x')).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
  })

  it('regenerate and edit: the old tail leaves the history, the new reply takes its place', async () => {
    stack = await startStack()
    const alice = stack.client(await stack.login('alice'))
    await reply(alice, 'first')
    await reply(alice, 'second')
    let last = ''
    for await (const p of alice.regenerate()) last = p.text
    expect(last).toBe(replyTo('second'))
    expect((await transcript(alice)).user).toEqual(['first', 'second'])
    const { messages } = await alice.history()
    const first = messages.find((m) => m.role === 'user' && m.content === 'first')!
    for await (const p of alice.edit(first.id!, 'first, again')) last = p.text
    expect(last).toBe(replyTo('first, again'))
    expect(await transcript(alice)).toEqual({ user: ['first, again'], assistant: [replyTo('first, again')] })
  })

  it('the persisted queue: a message queued offline is sent exactly once by the next page on the same storage', async () => {
    stack = await startStack()
    const cookie = await stack.login('alice')
    const map = new Map<string, string>()
    const storage: SendStorage = { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) }
    const first = stack.client(cookie, { persist: { storage } })
    await first.ready
    await stack.stopProxy()
    await until(() => first.state === 'reconnecting', 'the first page to see the proxy gone')
    void first.send('sent offline').catch(() => {})
    await until(() => map.get(PERSIST_KEY)?.includes('sent offline') === true, 'the send to be stored')
    first.close() // the reload
    await stack.startProxy()
    const second = stack.client(cookie, { persist: { storage } })
    expect(second.restored.map((r) => r.message)).toEqual(['sent offline'])
    const { runId } = await second.restored[0]!.result
    await until(async () => (await transcript(second)).assistant.length === 1, 'the reply')
    expect(await transcript(second)).toEqual({ user: ['sent offline'], assistant: [replyTo('sent offline')] })
    expect(JSON.parse(map.get(PERSIST_KEY)!)).toEqual([])
    // A third page finds nothing to send.
    const third = stack.client(cookie, { persist: { storage } })
    expect(third.restored).toEqual([])
    expect(runId).toBeTruthy()
  })
})
