/**
 * `chat.attach()` through the real proxy and the mock gateway (issue 20): a tab opened in the middle
 * of a reply gets the text so far, then the rest, each piece once, and ends with the same text as
 * the tab that sent it; a run waiting for an approval is attached to as well; another user attaches
 * to nothing. Needs the proxy's `chat.history` run fields (`hasActiveRun`, `inFlightRun`,
 * `activeRunIds`) and the mock's `inFlightRun`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ClawChat, StreamPart } from '../../src/index.js'
import { replyTo, startStack, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

const EXEC = 'run [[TOOL:exec]] [[ARGS:{"command":"echo hi","title":"say hi"}]]'

/** Every part of `iter`, and the text a page builds from their `deltaText`s (`replace` starts over). */
async function follow(iter: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = []
  let joined = ''
  for await (const p of iter) {
    parts.push(p)
    joined = p.replace ? p.deltaText : joined + p.deltaText
  }
  return { parts, joined, final: parts.at(-1)! }
}

/** Streams `message` with `chat`, calling `onPart` at each part. */
async function send(chat: ClawChat, message: string, onPart: (p: StreamPart) => void | Promise<void> = () => {}) {
  const parts: StreamPart[] = []
  for await (const p of chat.stream(message)) {
    parts.push(p)
    await onPart(p)
  }
  return parts.at(-1)!
}

/** A proxy on an exec-`ask` mock that routes approvals (users answer their own), and two tabs of alice. */
async function aliceTwiceOnAskGateway(): Promise<{ sender: ClawChat; tab: ClawChat }> {
  stack = await startStack({
    gateway: { exec: { mode: 'ask' } },
    proxy: { approvals: { route: true }, policy: { approvals: { user: 'own', admin: 'any' } } },
  })
  const cookie = await stack.login('alice')
  const sender = stack.client(cookie)
  const tab = stack.client(cookie)
  await Promise.all([sender.ready, tab.ready])
  return { sender, tab }
}

describe('chat.attach() through the proxy', () => {
  it('a tab opened mid-run: the text so far, then the rest, exactly once, the same final text as the sender', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 100 } })
    const cookie = await stack.login('alice')
    const sender = stack.client(cookie)
    await sender.ready
    let attached: Promise<Awaited<ReturnType<typeof follow>>> | undefined
    const sent = send(sender, 'tell me', async (p) => {
      if (attached || p.text.length < 20) return
      const tab = stack!.client(cookie) // opened now, in the middle of the reply
      const reply = await tab.attach()
      expect(reply).not.toBeNull()
      attached = follow(reply!)
    })
    const final = await sent
    const seen = await attached!
    expect(final.text).toBe(replyTo('tell me'))
    expect(seen.parts[0]!.text.length).toBeGreaterThan(0)
    expect(seen.parts[0]!.deltaText).toBe(seen.parts[0]!.text)
    expect(seen.joined).toBe(final.text)
    expect(seen.final).toMatchObject({ state: 'final', text: final.text, runId: final.runId })
  })

  it('a reload mid-stream: the new page attaches and sees the reply finish, the whole text once', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 100 } })
    const cookie = await stack.login('alice')
    const page = stack.client(cookie)
    const stream = page.stream('reload me')
    let shown = ''
    while (shown.length < 20) shown = (await stream.next()).value!.text
    page.close() // the reload: the page is gone, the run goes on
    const reloaded = stack.client(cookie)
    const reply = await reloaded.attach()
    expect(reply).not.toBeNull()
    const seen = await follow(reply!)
    expect(seen.parts[0]!.text.startsWith(shown)).toBe(true)
    expect(seen.joined).toBe(replyTo('reload me'))
    expect(seen.final).toMatchObject({ state: 'final', text: replyTo('reload me') })
    expect((await reloaded.history()).messages.filter((m) => m.role === 'assistant')).toHaveLength(1)
  })

  it('attach resolves null when nothing runs, and for bob while alice has a run in progress', async () => {
    stack = await startStack({ gateway: { chunkDelayMs: 40 } })
    const alice = stack.client(await stack.login('alice'))
    const bob = stack.client(await stack.login('bob'))
    await Promise.all([alice.ready, bob.ready])
    expect(await alice.attach()).toBeNull()
    let bobSaw: unknown = 'not asked'
    await send(alice, 'hello', async (p) => {
      if (bobSaw === 'not asked' && p.text) bobSaw = await bob.attach()
    })
    expect(bobSaw).toBeNull()
    expect(await alice.attach()).toBeNull()
  })

  it('a run waiting for an approval: attach gets the waiting part, then the reply once approved', async () => {
    const { sender, tab } = await aliceTwiceOnAskGateway()
    let attached: Promise<Awaited<ReturnType<typeof follow>>> | undefined
    const final = await send(sender, EXEC, async (p) => {
      if (p.waiting?.on !== 'approval' || attached) return
      await until(() => tab.pendingApprovals().length > 0, 'the tab to list the approval')
      const reply = await tab.attach()
      expect(reply).not.toBeNull()
      attached = follow(reply!)
      await sender.resolveApproval(p.waiting.approval.id, 'allow-once')
    })
    const seen = await attached!
    expect(seen.parts.some((p) => p.waiting?.on === 'approval')).toBe(true)
    expect(seen.final).toMatchObject({ state: 'final', text: final.text })
    expect(seen.joined).toBe(final.text)
  })

  it('the approval-wait trap: a second message queued during the wait; attach ends with the reply of the run that speaks', async () => {
    const { sender, tab } = await aliceTwiceOnAskGateway()
    let attached: Promise<Awaited<ReturnType<typeof follow>>> | undefined
    let queued = ''
    const final = await send(sender, EXEC, async (p) => {
      if (p.waiting?.on !== 'approval' || attached) return
      queued = (await sender.send('follow-up')).runId // queued behind the waiting run
      await until(() => tab.pendingApprovals().length > 0, 'the tab to list the approval')
      const history = await tab.history()
      expect(history).toMatchObject({ hasActiveRun: true, inFlightRun: { runId: queued, text: '' } })
      expect(history.activeRunIds).toBeUndefined()
      const reply = await tab.attach()
      expect(reply).not.toBeNull()
      attached = follow(reply!)
      await sender.resolveApproval(p.waiting.approval.id, 'allow-once')
    })
    const seen = await attached!
    expect(seen.parts[0]).toMatchObject({ runId: queued, text: '' })
    expect(seen.final).toMatchObject({ state: 'final', text: final.text, runId: final.runId })
    expect(seen.joined).toBe(final.text)
  })
})
