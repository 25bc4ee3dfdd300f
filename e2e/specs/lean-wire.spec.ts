import { expect, test, type Page } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import {
  expectConnected,
  expectLastReplyState,
  keepScreenshot,
  lastReply,
  replies,
  send,
  signIn,
} from '../fixtures/page-helpers.js'

// Issue 19, the lean wire, in the browser: the demo page's SDK names `clawchat.lean`, so a reply
// reaches the page as one `clawchat.run` head and compact `[seq, run, deltaText(, 1)]` frames, with
// no `agent` `assistant` twins and a `final` that carries a `textCheck` instead of the text — and
// the page shows exactly that text, the same as the history shows after a reload. A second socket
// of the same user, opened in the page as an OpenClaw client (no lean cap), gets OpenClaw's frames
// for the same run, for contrast.

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

type Compact = { seq: number; run: number; deltaText: string; replace: boolean }
type Event = { event: string; payload: Record<string, any>; seq?: number }

type Frames = Array<{ raw: string; bytes: number }>

/**
 * Every text frame each socket of the page to `/clawchat` received, in order, with its byte size:
 * one list per socket, in the order they opened (the SDK's socket first).
 */
function watchChatSockets(page: Page): Frames[] {
  const sockets: Frames[] = []
  page.on('websocket', (ws) => {
    if (!new URL(ws.url()).pathname.endsWith('/clawchat')) return
    const frames: Frames = []
    sockets.push(frames)
    ws.on('framereceived', (f) => {
      const raw = String(f.payload)
      frames.push({ raw, bytes: Buffer.byteLength(raw) })
    })
  })
  return sockets
}

/** A frame taken apart: a compact lean delta, or an event (anything else is `undefined`). */
function parse(raw: string): { compact?: Compact; event?: Event } {
  const v = JSON.parse(raw) as unknown
  if (Array.isArray(v))
    return { compact: { seq: v[0], run: v[1], deltaText: v[2], replace: v.length === 4 && v[3] === 1 } }
  const f = v as Record<string, any>
  return f.type === 'event' ? { event: { event: f.event, payload: f.payload ?? {}, seq: f.seq } } : {}
}

/** Payload bytes by kind: `compact`, `chat:<state>`, `agent:<stream>`, `<event>:`. */
function bytesByKind(frames: ReadonlyArray<{ compact?: Compact; event?: Event; raw?: string; bytes?: number }>) {
  const out: Record<string, number> = {}
  for (const p of frames) {
    const k = p.compact
      ? 'compact'
      : `${p.event?.event}:${String(p.event?.payload.state ?? p.event?.payload.stream ?? '')}`
    out[k] = (out[k] ?? 0) + (p.bytes ?? Buffer.byteLength(p.raw ?? ''))
  }
  return out
}

/** One run as the lean socket carried it: its head, compact deltas, events, final and rebuilt text. */
function leanRun(frames: ReadonlyArray<{ raw: string; bytes: number }>, sessionKey: string) {
  const parsed = frames.map((f) => ({ ...parse(f.raw), bytes: f.bytes }))
  const heads = parsed.filter((p) => p.event?.event === 'clawchat.run' && p.event.payload.sessionKey === sessionKey)
  const head = heads.at(-1)?.event?.payload
  if (!head)
    throw new Error(
      `no clawchat.run head for session ${sessionKey}; frames: ${frames.map((f) => f.raw.slice(0, 80)).join(' | ')}`,
    )
  const compacts = parsed.filter((p) => p.compact?.run === head.run)
  const events = parsed.filter((p) => p.event?.payload.runId === head.runId)
  let text = ''
  for (const p of parsed) {
    if (p.event?.event === 'clawchat.run' && p.event.payload.runId === head.runId) text = p.event.payload.text
    else if (p.compact && p.compact.run === head.run)
      text = p.compact.replace ? p.compact.deltaText : text + p.compact.deltaText
  }
  const final = events.find((p) => p.event!.event === 'chat' && p.event!.payload.state === 'final')?.event?.payload
  const bytes = [...compacts, ...events].reduce((n, p) => n + p.bytes, 0)
  return {
    byKind: bytesByKind([...compacts, ...events]),
    head,
    heads: heads.length,
    compacts: compacts.map((p) => p.compact!),
    events: events.map((p) => p.event!),
    final,
    text,
    bytes,
  }
}

/** Opens, in the page, an OpenClaw-protocol socket (caps without `clawchat.lean`) that records what it gets. */
async function openOpenClawSocket(page: Page, url: string): Promise<void> {
  await page.evaluate(
    (url) =>
      new Promise<void>((resolve, reject) => {
        const w = window as unknown as { __openclaw: string[] }
        w.__openclaw = []
        const ws = new WebSocket(url)
        ws.onmessage = (e) => {
          const raw = String(e.data)
          w.__openclaw.push(raw)
          const f = JSON.parse(raw) as { event?: string }
          if (f.event === 'connect.challenge')
            ws.send(
              JSON.stringify({
                type: 'req',
                id: 'c1',
                method: 'connect',
                params: {
                  minProtocol: 4,
                  maxProtocol: 4,
                  client: { id: 'webchat-ui', version: '2026.9.6', platform: 'web', mode: 'webchat' },
                  caps: ['tool-events'],
                },
              }),
            )
          if (f.event === 'clawchat.session') resolve()
        }
        ws.onclose = (e) => reject(new Error(`the OpenClaw socket closed ${e.code}`))
        setTimeout(() => reject(new Error('no clawchat.session on the OpenClaw socket within 5 s')), 5000)
      }),
    url,
  )
}

const openClawFrames = (page: Page) => page.evaluate(() => (window as unknown as { __openclaw: string[] }).__openclaw)
/** The last reply's text as shown (the markdown's text, without the line break after its last paragraph). */
const renderedReply = (page: Page) =>
  lastReply(page)
    .locator('.md')
    .evaluate((el) => (el.textContent ?? '').replace(/\n$/, ''))

test('a streamed reply reaches the page as compact lean frames with no assistant twins, and shows as its history does', async ({
  page,
}) => {
  const sockets = watchChatSockets(page)
  await signIn(page, stack.baseUrl, 'alice')
  expect(sockets).toHaveLength(1)
  const frames = sockets[0]!
  await openOpenClawSocket(page, `${stack.baseUrl.replace(/^http/, 'ws')}/clawchat`)

  // SLOW: 80 words, one every 100 ms.
  await send(page, 'tell me about lean frames SLOW')
  await expectLastReplyState(page, 'final', 30_000)
  const shown = await renderedReply(page)
  expect(shown).toContain('Reply to "tell me about lean frames SLOW": w1 w2')
  expect(shown).toContain('w80')

  const run = leanRun(frames, 'main')
  expect(run.heads).toBe(1)
  expect(run.compacts.length, 'compact deltas').toBeGreaterThanOrEqual(40)
  expect(run.events.filter((e) => e.event === 'agent' && e.payload.stream === 'assistant')).toEqual([])
  expect(run.events.filter((e) => e.event === 'chat' && e.payload.state === 'delta')).toEqual([])
  expect(run.final, 'the final').toBeDefined()
  expect(run.final!.message?.content).toBeUndefined()
  expect(run.final!.textCheck).toEqual({ length: run.text.length, fnv1a: expect.any(Number) })
  // The page shows exactly the text the lean frames carried.
  expect(shown).toBe(run.text)
  // The socket's seq numbers (events and compact frames together) have no hole.
  const seqs = frames.flatMap((f) => {
    const p = parse(f.raw)
    return p.compact ? [p.compact.seq] : typeof p.event?.seq === 'number' ? [p.event.seq] : []
  })
  expect(
    seqs.every((n, i) => i === 0 || n === seqs[i - 1]! + 1),
    seqs.join(','),
  ).toBe(true)

  // The OpenClaw socket of the same user got OpenClaw's frames for the same run: twins and whole-text deltas.
  const oc = (await openClawFrames(page)).map((raw) => ({ raw, ...parse(raw) }))
  const ocRun = oc.filter((p) => p.event?.payload.runId === run.head.runId)
  expect(oc.filter((p) => p.compact)).toEqual([])
  expect(
    ocRun.filter((p) => p.event!.event === 'agent' && p.event!.payload.stream === 'assistant').length,
  ).toBeGreaterThan(0)
  const ocFinal = ocRun.find((p) => p.event!.event === 'chat' && p.event!.payload.state === 'final')!.event!.payload
  expect(ocFinal.message.content).toEqual([{ type: 'text', text: run.text }])
  // Bytes per reply character: every frame of the run, and the frames that carry its text.
  const ocKinds = bytesByKind(ocRun)
  const perChar = (kinds: Record<string, number>, only?: string[]) =>
    Object.entries(kinds)
      .filter(([k]) => !only || only.includes(k))
      .reduce((n, [, b]) => n + b, 0) / run.text.length
  const TEXT = ['compact', 'clawchat.run:', 'chat:delta', 'chat:final', 'agent:assistant']
  const lean = { all: perChar(run.byKind), text: perChar(run.byKind, TEXT) }
  const openclaw = { all: perChar(ocKinds), text: perChar(ocKinds, TEXT) }
  console.log(
    `[lean wire, browser] ${run.text.length}-char reply, bytes per reply char (payloads): ` +
      `lean ${lean.all.toFixed(2)} (text frames ${lean.text.toFixed(2)}), ` +
      `OpenClaw ${openclaw.all.toFixed(2)} (text frames ${openclaw.text.toFixed(2)})`,
  )
  expect(lean.text).toBeLessThan(openclaw.text / 10)
  expect(lean.all).toBeLessThan(openclaw.all / 5)
  await keepScreenshot(page, 'lean-wire-reply')

  // History after a reload shows the same reply.
  await page.reload()
  await expectConnected(page)
  await expect(replies(page)).toHaveCount(1)
  await expect(lastReply(page)).toHaveAttribute('data-state', 'final')
  expect(await renderedReply(page)).toBe(shown)
})

test('a reply that starts over (a cut model stream) shows the retried text, as its history does', async ({ page }) => {
  const sockets = watchChatSockets(page)
  await signIn(page, stack.baseUrl, 'bob')
  expect(sockets).toHaveLength(1)
  const frames = sockets[0]!
  stack.mock.setFailure({ kind: 'cut-stream', cutAfterChunks: 4, cuts: 1 })
  try {
    await send(page, 'cut me once')
    await expectLastReplyState(page, 'final')
  } finally {
    stack.mock.setFailure('none')
  }
  const run = leanRun(frames, 'main')
  const replaced = run.compacts.some((c) => c.replace) || run.head.replace === true
  expect(replaced, 'a lean frame with replace').toBe(true)
  const shown = await renderedReply(page)
  expect(shown).toBe(run.text)
  expect(shown).toContain('Reply to "cut me once": w1 w2')
  expect(shown.match(/Reply to/g)).toHaveLength(1)
  expect(run.final!.textCheck).toEqual({ length: shown.length, fnv1a: expect.any(Number) })
  await keepScreenshot(page, 'lean-wire-replaced')

  await page.reload()
  await expectConnected(page)
  await expect(replies(page)).toHaveCount(1)
  expect(await renderedReply(page)).toBe(shown)
})

test('a reload mid-reply: the new socket gets the run again with its whole text so far, and the page shows it to the end', async ({
  page,
}) => {
  const sockets = watchChatSockets(page)
  await signIn(page, stack.baseUrl, 'carol')
  await send(page, 'keep talking through a reload SLOW')
  await expect(lastReply(page)).toContainText(' w10 ')
  await page.reload()
  await expectConnected(page)
  expect(sockets).toHaveLength(2)
  // The reply goes on streaming on the reloaded page, then ends as the history has it.
  await expect(lastReply(page)).toContainText(' w60', { timeout: 20_000 })
  await expect(lastReply(page)).toContainText('w80', { timeout: 20_000 })
  await expect(lastReply(page)).toHaveAttribute('data-state', 'final', { timeout: 10_000 })
  await expect(replies(page)).toHaveCount(1)
  const shown = await renderedReply(page)
  expect(shown).toMatch(/^Reply to "keep talking through a reload SLOW": w1 w2 w3 .* w79 w80$/)

  // The new socket's first frame of the run was its head, with the whole text so far (not just a delta).
  const run = leanRun(sockets[1]!, 'main')
  expect(run.heads).toBe(1)
  expect(run.head.text).toMatch(/^Reply to "keep talking through a reload SLOW": w1 w2 w3 .* w10 /)
  expect(run.text).toBe(shown)
  expect(run.final!.textCheck).toEqual({ length: shown.length, fnv1a: expect.any(Number) })
  await keepScreenshot(page, 'lean-wire-after-reload')
})
