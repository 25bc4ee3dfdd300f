/**
 * Exactly once across a graceful gateway restart (issue 16.10): several users send messages through
 * the real proxy while the mock gateway restarts in the middle. Every message the SDK resolved as
 * acknowledged is answered exactly once, to its own user; nothing is lost, doubled or misdelivered.
 * (The soak version — 1,000 users × 20 messages — is `pnpm soak` in bench/.)
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ChatEvent, ClawChat } from '../../src/index.js'
import { textOfMessage } from '../../src/history-match.js'
import { replyTo, startStack, transcript, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

const USERS = 6
const MESSAGES = 12

interface User {
  id: string
  chat: ClawChat
  /** runId → message, for every send the SDK resolved. */
  acked: Map<string, string>
  /** Every final this user's client received: runId → text. */
  finals: Map<string, string[]>
  /** Events about runs this user never sent. */
  foreign: ChatEvent[]
}

const textOf = (e: ChatEvent) => textOfMessage((e as { message?: unknown }).message) ?? ''

describe('exactly once across a graceful gateway restart', () => {
  it(`${USERS} users × ${MESSAGES} messages, the gateway restarted in the middle: every acknowledged message answered once, to its user`, async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 15 } })
    const users: User[] = []
    for (let i = 0; i < USERS; i++) {
      const id = `eo-user-${i}`
      const chat = stack.client(await stack.login(id), { requestTimeoutMs: 15_000 })
      const user: User = { id, chat, acked: new Map(), finals: new Map(), foreign: [] }
      chat.on('chat', (e) => {
        if (e.state !== 'final') return
        if (!e.runId || !user.acked.has(e.runId)) {
          // An ack can trail its run's events by a moment; it is judged once everything settled.
          user.foreign.push(e)
          return
        }
        user.finals.set(e.runId, [...(user.finals.get(e.runId) ?? []), textOf(e)])
      })
      users.push(user)
    }
    await Promise.all(users.map((u) => u.chat.ready))

    const totalAcked = () => users.reduce((n, u) => n + u.acked.size, 0)
    const sending = users.map(async (u) => {
      for (let m = 0; m < MESSAGES; m++) {
        const message = `${u.id} message ${m}`
        const { runId } = await u.chat.send(message)
        u.acked.set(runId, message)
        await new Promise((r) => setTimeout(r, 40)) // a person types; the restart lands among the sends
      }
    })
    await until(() => totalAcked() >= (USERS * MESSAGES) / 3, 'a third of the messages acknowledged', 30_000)
    const upstreamBefore = stack.gateway.requests.length
    await stack.gateway.restart({ downMs: 200 })
    await Promise.all(sending)
    expect(stack.gateway.requests.length).toBeGreaterThan(upstreamBefore)

    // Each acknowledged message gets its final (events) — or the test names the ones that never did.
    const lost = () =>
      users.flatMap((u) =>
        [...u.acked.keys()].filter((runId) => !u.finals.has(runId) && !u.foreign.some((e) => e.runId === runId)),
      )
    await until(() => lost().length === 0, 'a final for every acknowledged message', 20_000).catch(() => undefined)
    expect(lost()).toEqual([])

    for (const u of users) {
      expect(u.acked.size).toBe(MESSAGES)
      // Finals that arrived before their ack count as this user's own once the ack is known.
      for (const e of u.foreign.splice(0)) {
        if (e.runId && u.acked.has(e.runId)) u.finals.set(e.runId, [...(u.finals.get(e.runId) ?? []), textOf(e)])
        else u.foreign.push(e)
      }
      expect(u.foreign, `events of runs ${u.id} never sent`).toEqual([])
      for (const [runId, message] of u.acked)
        expect(u.finals.get(runId), `${u.id}: ${message}`).toEqual([replyTo(message)])
      // The gateway's own record agrees: each message and each reply stored once, nobody else's.
      const sent = [...u.acked.values()].sort()
      await until(async () => (await transcript(u.chat)).assistant.length >= MESSAGES, `${u.id}'s replies in history`)
      const history = await transcript(u.chat)
      expect([...history.user].sort()).toEqual(sent)
      expect([...history.assistant].sort()).toEqual(sent.map(replyTo).sort())
    }
  }, 90_000)
})
