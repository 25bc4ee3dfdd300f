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

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

test('Stop ends a slow reply in the middle, and the chat goes on', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'alice')
  await send(page, 'SLOW story please')
  await expect(page.locator('#stop')).toBeVisible()
  await expect(page.locator('#send')).toBeHidden()
  await expect(lastReply(page)).toContainText(' w5', { timeout: 10_000 })
  await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')

  await page.click('#stop')
  await expectLastReplyState(page, 'aborted', 5_000)
  await expect(lastReply(page).locator('.msg-status')).toHaveText('Stopped')
  await expect(page.locator('#send')).toBeVisible()
  await expect(page.locator('#stop')).toBeHidden()
  const stopped = page.locator('.msg-assistant').nth((await page.locator('.msg-assistant').count()) - 1)
  const stoppedAt = await stopped.locator('.md').innerText()
  await keepScreenshot(page, 'stopped-reply')

  // The run really stopped upstream: the agent was told, and the text does not grow any more —
  // not even while the next reply streams to its end (the gateway's frames arrive in order).
  const abort = await stack.mock.waitForRequest('chat.abort', 2_000)
  expect(abort.method).toBe('chat.abort')
  await send(page, 'after the stop')
  await expectLastReplyState(page, 'final')
  await expect(lastReply(page)).toContainText('Reply to "after the stop"')
  expect(await stopped.locator('.md').innerText()).toBe(stoppedAt)
  expect(stoppedAt).not.toContain('w80')
  expect(stack.agent.count('SLOW story please')).toBe(1)
})

test('a reply keeps streaming while another chat is on screen, and is there on return', async ({ page }) => {
  await signIn(page, stack.baseUrl, 'bob')
  await send(page, 'SLOW tale for later')
  await expect(lastReply(page)).toContainText(' w3', { timeout: 10_000 })
  await expect(page.locator('#session-list .session-item[data-key="main"] .live')).toBeVisible()

  await page.click('#new-session-wide')
  await expect(page.locator('#empty')).toBeVisible()
  await expect(page.locator('#send')).toBeVisible()
  await send(page, 'meanwhile, elsewhere')
  await expectLastReplyState(page, 'final')

  await page.locator('#session-list .session-item[data-key="main"]').click()
  await expect(page.locator('.msg-user .bubble')).toHaveText(['SLOW tale for later'])
  await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')
  await expect(page.locator('#stop')).toBeVisible()
  await expectLastReplyState(page, 'final', 15_000)
  await expect(lastReply(page)).toContainText(' w80')
  await expect(page.locator('.msg-assistant')).toHaveCount(1)
  expect(stack.agent.count('SLOW tale for later')).toBe(1)
})

interface Frame {
  type?: string
  event?: string
  method?: string
  payload?: { state?: string; message?: { content?: Array<{ text?: string }> } }
}

/**
 * Routes the page's chat socket through the test and holds each `chat.abort` until one more delta
 * (an OpenClaw `chat` delta, or on the lean wire a `clawchat.run` head or compact frame) has come
 * from the server: the gateway then keeps a chunk the page never showed, as it does when
 * a chunk is on its way at the moment of the Stop. Resolves each stop's `aborted` event text.
 */
async function holdAbortsForOneMoreChunk(page: Page): Promise<{ abortedTexts: string[]; textsAtStop: string[] }> {
  const abortedTexts: string[] = []
  /** The reply's text in the last delta that reached the page before each `chat.abort`. */
  const textsAtStop: string[] = []
  let lastDeltaText = ''
  await page.routeWebSocket(/\/clawchat(\?|$)/, (ws) => {
    const server = ws.connectToServer()
    let held: string | undefined
    ws.onMessage((message) => {
      const frame = typeof message === 'string' ? (JSON.parse(message) as Frame) : {}
      if (frame.type === 'req' && frame.method === 'chat.abort') {
        held = message as string
        textsAtStop.push(lastDeltaText)
      } else server.send(message)
    })
    /** The lean wire's run numbers on this socket, and each run's text so far. */
    const leanTexts = new Map<number, string>()
    const deltaCame = (text: string) => {
      lastDeltaText = text
      if (!held) return
      server.send(held)
      held = undefined
    }
    server.onMessage((message) => {
      ws.send(message)
      const parsed: unknown = typeof message === 'string' ? JSON.parse(message) : {}
      // The page's SDK names `clawchat.lean`: a delta comes as a `clawchat.run` head or a compact
      // `[seq, run, deltaText(, 1)]` frame.
      if (Array.isArray(parsed)) {
        const [, run, delta, replace] = parsed as [number, number, string, 1?]
        const text = replace === 1 ? delta : (leanTexts.get(run) ?? '') + delta
        leanTexts.set(run, text)
        return deltaCame(text)
      }
      const frame = parsed as Frame & { payload?: { run?: number; text?: string } }
      if (frame.type === 'event' && frame.event === 'clawchat.run') {
        leanTexts.set(frame.payload!.run!, frame.payload!.text!)
        return deltaCame(frame.payload!.text!)
      }
      if (frame.type !== 'event' || frame.event !== 'chat') return
      const text = (frame.payload?.message?.content ?? []).map((c) => c.text ?? '').join('')
      if (frame.payload?.state === 'delta') deltaCame(text)
      if (frame.payload?.state === 'aborted') abortedTexts.push(text)
    })
  })
  return { abortedTexts, textsAtStop }
}

const replyText = (page: Page, index: number) => replies(page).nth(index).locator('.md')

test('a stopped reply looks the same after a reload: the text that was kept, marked Stopped', async ({
  page,
  browser,
}) => {
  const { abortedTexts, textsAtStop } = await holdAbortsForOneMoreChunk(page)
  await signIn(page, stack.baseUrl, 'bob', '#chat=stops')

  // Two stopped replies, then a finished one, in one chat.
  for (const [i, question] of ['SLOW first story', 'SLOW second story'].entries()) {
    await send(page, question)
    await expect(lastReply(page)).toContainText(' w3', { timeout: 10_000 })
    await page.click('#stop')
    await expectLastReplyState(page, 'aborted', 5_000)
    await expect.poll(() => abortedTexts.length).toBe(i + 1)
    expect(abortedTexts[i]!.startsWith(textsAtStop[i]!) && abortedTexts[i]!.length > textsAtStop[i]!.length).toBe(true)
    // The gateway kept one chunk more than the page had shown when Stop was pressed; the page
    // shows what the gateway kept (what the history will hold, and what the assistant remembers).
    await expect(replyText(page, i)).toHaveText(abortedTexts[i]!)
    await expect(replies(page).nth(i).locator('.msg-status')).toHaveText('Stopped')
  }
  await send(page, 'and now a whole one')
  await expectLastReplyState(page, 'final')
  const before = await replies(page).locator('.md').allInnerTexts()
  expect(before).toHaveLength(3)

  // After a reload: the same texts, the two stopped ones still marked (neither is the last run).
  await page.reload()
  await expectConnected(page)
  await expect(replies(page)).toHaveCount(3)
  await expect(replies(page).locator('.md')).toHaveText(before)
  await expect(replies(page).nth(0)).toHaveAttribute('data-state', 'aborted')
  await expect(replies(page).nth(1)).toHaveAttribute('data-state', 'aborted')
  await expect(replies(page).nth(2)).toHaveAttribute('data-state', 'final')
  await expect(replies(page).locator('.msg-status:visible')).toHaveText(['Stopped', 'Stopped'])

  // Stop a third; a browser that never saw these stops still marks the last one, from the
  // session's abortedLastRun (older ones it cannot know).
  await send(page, 'SLOW third story')
  await expect(lastReply(page)).toContainText(' w3', { timeout: 10_000 })
  await page.click('#stop')
  await expect.poll(() => abortedTexts.length).toBe(3)
  await expect(lastReply(page).locator('.md')).toHaveText(abortedTexts[2]!)
  const elsewhere = await browser.newContext()
  try {
    const other = await elsewhere.newPage()
    await signIn(other, stack.baseUrl, 'bob', '#chat=stops')
    await expect(replies(other)).toHaveCount(4)
    await expect(lastReply(other)).toHaveAttribute('data-state', 'aborted')
    await expect(lastReply(other).locator('.msg-status')).toHaveText('Stopped')
    await expect(lastReply(other).locator('.md')).toHaveText(abortedTexts[2]!)
    await expect(replies(other).nth(2)).toHaveAttribute('data-state', 'final')
  } finally {
    await elsewhere.close()
  }
})
