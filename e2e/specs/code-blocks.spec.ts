import { expect, test, type Page } from '@playwright/test'
import { startStack, type Stack } from '../fixtures/servers.js'
import { expectLastReplyState, keepScreenshot, lastReply, send, signIn } from '../fixtures/page-helpers.js'
import { CODE_REPLY } from '../fixtures/test-agent.js'

let stack: Stack
test.beforeAll(async () => {
  stack = await startStack()
})
test.afterAll(async () => {
  await stack?.close()
})

const HIGHLIGHTER = /\/assets\/chunks\/highlight-[^/]+\.js$/

test('the highlighter is fetched only once a code block appears, and then colours the code', async ({ page }) => {
  const fetched: string[] = []
  page.on('request', (request) => fetched.push(request.url()))
  await signIn(page, stack.baseUrl, 'alice', '#chat=no-code')
  await send(page, 'a question without code')
  await expectLastReplyState(page, 'final')
  await page.reload()
  await expect(lastReply(page)).toHaveAttribute('data-state', 'final')
  expect(fetched.some((url) => url.endsWith('/assets/main.js'))).toBe(true)
  expect(fetched.filter((url) => HIGHLIGHTER.test(url))).toEqual([])

  await send(page, 'CODE please')
  await expectLastReplyState(page, 'final')
  const blocks = lastReply(page).locator('.code-block')
  await expect(blocks).toHaveCount(2)
  await expect(blocks.locator('.code-lang')).toHaveText(['ts', 'bash'])
  // highlight.js spans: keywords, strings, numbers of the TypeScript block.
  const ts = blocks.first().locator('pre code')
  await expect(ts).toHaveAttribute('data-highlighted', 'ts')
  await expect(ts.locator('.hljs-keyword').first()).toHaveText('const')
  await expect(ts.locator('.hljs-number')).toHaveText('42')
  await expect(ts.locator('.hljs-string').first()).toContainText('Hello')
  // The colour is on screen, not only in the markup.
  const colours = await ts.evaluate((code) => ({
    keyword: getComputedStyle(code.querySelector('.hljs-keyword')!).color,
    plain: getComputedStyle(code).color,
  }))
  expect(colours.keyword).not.toBe(colours.plain)
  expect(fetched.filter((url) => HIGHLIGHTER.test(url))).toHaveLength(1)
  // Highlighting changed no character of the code.
  await expect(ts).toHaveText(CODE_REPLY.split('```ts\n')[1]!.split('```')[0]!)
})

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText())
}

test('Copy on a code block and on a reply puts them on the clipboard and says "Copied"', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl })
  await signIn(page, stack.baseUrl, 'bob', '#chat=copies')
  await send(page, 'CODE to copy')
  await expectLastReplyState(page, 'final')

  const copyCode = lastReply(page).locator('.code-block').first().locator('.code-copy')
  await expect(copyCode).toHaveText('Copy')
  await copyCode.click()
  await expect(copyCode).toHaveText('Copied')
  await expect(copyCode).toHaveAttribute('data-copied', 'yes')
  expect(await clipboard(page)).toBe(
    'const answer = 42\nfunction greet(name: string) {\n  return `Hello, ${name}`\n}\n',
  )
  await keepScreenshot(page, 'code-copied')
  await expect(copyCode).toHaveText('Copy') // the confirmation goes after a moment

  const copyReply = lastReply(page).locator('.msg-actions .msg-copy')
  await expect(copyReply).toBeVisible()
  await copyReply.click()
  await expect(copyReply).toHaveText('Copied')
  expect(await clipboard(page)).toBe(CODE_REPLY)
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

  test('a code block wider than the screen says it scrolls, until it is scrolled to its end', async ({ page }) => {
    await signIn(page, stack.baseUrl, 'alice', '#chat=phone-code')
    await send(page, 'CODE on a phone')
    await expectLastReplyState(page, 'final')
    const [short, wide] = [
      lastReply(page).locator('.code-block').first(),
      lastReply(page).locator('.code-block').last(),
    ]
    await expect(wide).toHaveAttribute('data-overflow', 'yes')
    await expect(wide.locator('.scroll-hint')).toBeVisible()
    await expect(wide.locator('.scroll-hint')).toHaveText('Scroll for more →')
    await expect(short.locator('.scroll-hint')).toBeHidden()
    // The page itself does not scroll sideways: only the code block does.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await wide.scrollIntoViewIfNeeded()
    await keepScreenshot(page, 'code-mobile')

    await wide.locator('pre').evaluate((pre) => pre.scrollTo({ left: pre.scrollWidth }))
    await expect(wide).toHaveAttribute('data-at-end', 'yes')
    await expect(wide.locator('.scroll-hint')).toBeHidden()
  })
})

/** Where the typing cursor sits next to the character it follows. */
async function cursorPlace(page: Page): Promise<{ char: string; sameLine: boolean; after: boolean } | null> {
  return lastReply(page).evaluate((reply) => {
    const cursor = reply.querySelector('.cursor')
    const text = cursor?.parentElement?.firstChild
    if (!cursor || !(text instanceof Text)) return null
    const range = document.createRange()
    range.selectNodeContents(text)
    const c = cursor.getBoundingClientRect()
    const t = range.getBoundingClientRect()
    const middle = (c.top + c.bottom) / 2
    return { char: text.data, sameLine: middle > t.top && middle < t.bottom, after: c.left >= t.right - 1 }
  })
}

for (const [what, message, lastChar] of [
  ['a list', 'CURSOR list', 'p'],
  ['a code block', 'CURSOR code', '2'],
] as const) {
  test(`the typing cursor stays on the line of the last text, at the end of ${what}`, async ({ page }) => {
    await signIn(page, stack.baseUrl, 'bob', `#chat=cursor-${lastChar === 'p' ? 'list' : 'code'}`)
    await send(page, message)
    await expect(lastReply(page)).toHaveAttribute('data-state', 'streaming')
    await expect(lastReply(page).locator('.md')).toContainText(lastChar === 'p' ? 'second step' : '1 + 2')
    await expect.poll(() => cursorPlace(page)).toEqual({ char: lastChar, sameLine: true, after: true })
    await keepScreenshot(page, `cursor-${lastChar === 'p' ? 'list' : 'code'}`)
    await page.click('#stop')
    await expectLastReplyState(page, 'aborted')
    await expect(lastReply(page).locator('.cursor')).toHaveCount(0)
  })
}
