import { expect, test } from '@playwright/test'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startMockGateway } from '@clawchat/mock-gateway'
import { runDemoCommand, runPnpmDemo, type DemoProcess } from '../fixtures/demo-process.js'
import { expectConnected, expectLastReplyState, keepScreenshot, lastReply, send } from '../fixtures/page-helpers.js'
import { createTestAgent } from '../fixtures/test-agent.js'
import { newToken } from '../fixtures/servers.js'
import { REPO_ROOT, TMP } from '../fixtures/paths.js'
import { parseArgs, UsageError } from '../../demo/src/server/parse-args.js'

const running: DemoProcess[] = []
const dirs: string[] = []
function dataDir(): string {
  mkdirSync(TMP, { recursive: true })
  const dir = mkdtempSync(join(TMP, 'cli-'))
  dirs.push(dir)
  return dir
}
test.afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

test('the demo command starts a working chat on its mock gateway (screenshots: light, dark, mobile)', async ({
  browser,
}) => {
  test.setTimeout(90_000)
  const demo = runDemoCommand(['--port', '0', '--data-dir', dataDir()])
  running.push(demo)
  const [, url] = await demo.waitFor(/ClawChat demo is running: (http:\/\/localhost:\d+)/)
  const [, user, password] = await demo.waitFor(/users:\s+(alice) \/ (\S+),/)
  expect(demo.output()).toContain('built-in mock gateway')
  expect(demo.output()).toContain('token generated, not shown')
  const base = url!.replace('localhost', '127.0.0.1')

  const context = await browser.newContext({ colorScheme: 'light' })
  const page = await context.newPage()
  await page.goto(base)
  await expect(page.locator('#login-view')).toBeVisible()
  await keepScreenshot(page, 'login-light')
  await page.fill('#login-username', user!)
  await page.fill('#login-password', password!)
  await page.click('#login-submit')
  await expectConnected(page)
  // Three chats, each with the demo agent's answer; then back to the first one.
  await send(page, 'Show me what markdown you can render')
  await expectLastReplyState(page, 'final', 20_000)
  await expect(lastReply(page).locator('table')).toBeVisible()
  await expect(lastReply(page).locator('pre code')).toContainText('ClawChat')
  for (const question of ['Write a short poem about websockets', 'Explain what a reverse proxy does, briefly']) {
    await page.click('#new-session-wide')
    await send(page, question)
    await expectLastReplyState(page, 'final', 20_000)
  }
  const items = page.locator('#session-list .session-item')
  await expect(items).toHaveCount(3)
  await expect(items.locator('.session-name')).toHaveText([
    'Explain what a reverse proxy does, briefly',
    'Write a short poem about websockets',
    'Show me what markdown you can render',
  ])
  await items.last().click()
  await expect(page.locator('#session-title')).toHaveText('Show me what markdown you can render')
  await expect(lastReply(page).locator('table')).toBeVisible()
  await page.locator('#scroller').evaluate((el) => (el.scrollTop = 0))
  await page.locator('#input').fill('What does the proxy keep secret?')
  const light = await keepScreenshot(page, 'chat-light')
  // The README's picture is refreshed on request only, so a test run leaves the tree clean.
  if (process.env.CLAWCHAT_UPDATE_SCREENSHOT === '1') {
    mkdirSync(join(REPO_ROOT, 'docs'), { recursive: true })
    copyFileSync(light, join(REPO_ROOT, 'docs', 'screenshot.png'))
  }

  await page.emulateMedia({ colorScheme: 'dark' })
  await keepScreenshot(page, 'chat-dark')
  await page.setViewportSize({ width: 390, height: 844 })
  await keepScreenshot(page, 'chat-mobile-dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await keepScreenshot(page, 'chat-mobile-light')
  await page.click('#menu')
  await expect(page.locator('#sidebar')).toBeInViewport()
  // The drawer slides in (a CSS transition): the picture waits for it to end.
  await page.locator('#sidebar').evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)))
  await keepScreenshot(page, 'chat-mobile-sessions')
  // Choosing a chat closes the drawer.
  await page.locator('#session-list .session-item').first().click()
  await expect(page.locator('#sidebar')).not.toBeInViewport()
  await expect(page.locator('#session-title')).toHaveText('Explain what a reverse proxy does, briefly')
  await context.close()

  expect(await demo.stop()).toBe(0)
})

test('pointed at a gateway with -g and -t it uses that one, and never prints the token', async ({ page }) => {
  const token = newToken()
  const agent = createTestAgent()
  const mock = await startMockGateway({ port: 0, host: '127.0.0.1', token, agent: agent.agent })
  try {
    const demo = runDemoCommand(['-g', mock.url, '-t', token, '--port', '0', '--data-dir', dataDir()], {
      CLAWCHAT_DEMO_USERS: 'carol:carol-secret-pw',
    })
    running.push(demo)
    const [, url] = await demo.waitFor(/ClawChat demo is running: (http:\/\/localhost:\d+)/)
    expect(demo.output()).toContain(`gateway: ${mock.url}`)
    expect(demo.output()).toContain('users:   carol')
    expect(demo.output()).not.toContain('carol-secret-pw')

    await page.goto(url!.replace('localhost', '127.0.0.1'))
    await page.fill('#login-username', 'carol')
    await page.fill('#login-password', 'carol-secret-pw')
    await page.click('#login-submit')
    await expectConnected(page)
    await send(page, 'via the external gateway')
    await expectLastReplyState(page, 'final')
    expect(agent.count('via the external gateway')).toBe(1)

    expect(await demo.stop()).toBe(0)
    expect(demo.output()).not.toContain(token)
  } finally {
    await mock.close()
  }
})

test('`pnpm demo -t <token>` does not echo the token, and Ctrl+C stops it quietly', async () => {
  test.setTimeout(120_000)
  const token = newToken()
  const mock = await startMockGateway({ port: 0, host: '127.0.0.1', token })
  try {
    const demo = runPnpmDemo(['-g', mock.url, '-t', token, '--port', '0', '--data-dir', dataDir()])
    running.push(demo)
    await demo.waitFor(/ClawChat demo is running: http:\/\/localhost:\d+/, 90_000)
    expect(demo.output()).toContain(`gateway: ${mock.url}`)
    // pnpm printed no command line (it used to print "$ pnpm build && … -t <token>").
    expect(demo.output()).not.toMatch(/^\$ /m)
    expect(demo.output()).not.toContain(token)

    demo.interrupt()
    const code = await demo.exited
    // The demo and pnpm end with 0; npx itself ends by the SIGINT it got (a shell shows 130).
    expect(code === 0 || code === 130 || (code === null && demo.exitSignal() === 'SIGINT')).toBe(true)
    expect(demo.output()).toContain('[demo] SIGINT: stopping…')
    expect(demo.output()).not.toMatch(/ERR_PNPM|ELIFECYCLE|Command failed/)
    expect(demo.output()).not.toContain(token)
  } finally {
    await mock.close()
  }
})

test('direct mode warns in the console; --help, bad flags and insecure URLs get clear messages', async () => {
  const direct = runDemoCommand(['-mode', 'direct', '--port', '0', '--data-dir', dataDir()])
  running.push(direct)
  await direct.waitFor(/WARNING: direct mode gives the gateway token to every logged-in browser/)
  expect(direct.output()).toContain('mode:    DIRECT')

  const help = runDemoCommand(['--help'])
  expect(await help.exited).toBe(0)
  expect(help.output()).toMatch(/^Usage: clawchat-demo/)
  expect(help.output()).toContain('-mode, --mode')

  const bad = runDemoCommand(['--colour', 'blue'])
  expect(await bad.exited).toBe(2)
  expect(bad.output().trim()).toBe('clawchat-demo: unknown option --colour; see --help')

  const insecure = runDemoCommand(['-g', 'ws://gateway-server:18789', '-t', 'tok-not-shown'])
  expect(await insecure.exited).toBe(2)
  expect(insecure.output()).toContain('wss://')
  expect(insecure.output()).toContain('OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1')
  expect(insecure.output()).not.toContain('tok-not-shown')

  // The same rules, in-process, case by case.
  const env = {}
  const message = (argv: string[], e: NodeJS.ProcessEnv = env) => {
    try {
      parseArgs(argv, e)
      return 'accepted'
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      return (err as Error).message
    }
  }
  expect(message(['-mode', 'sideways'])).toBe('--mode must be "proxy" or "direct", got "sideways"')
  expect(message(['--port', 'eighty'])).toBe('--port must be a number from 0 to 65535, got "eighty"')
  expect(message(['-g'])).toBe('-g needs a value; see --help')
  expect(message(['-g', 'ws://127.0.0.1:18789'])).toContain('a gateway needs its token')
  expect(message(['-t', 'abc'])).toContain('without a gateway')
  expect(message(['-g', 'http://127.0.0.1:18789', '-t', 'x'])).toContain('must start with ws:// or wss://')
  expect(message(['-g', 'ws://203.0.113.5:18789', '-t', 'x'], { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: '1' })).toContain(
    'public IP address',
  )
  expect(message(['-g', 'ws://gateway-server:18789', '-t', 'x'], { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: '1' })).toBe(
    'accepted',
  )
  expect(message(['-g', 'wss://gateway.example.com', '-t', 'x'])).toBe('accepted')
  expect(message(['-g', 'ws://192.168.1.20:18789', '-t', 'x'])).toBe('accepted')
  expect(message(['--users', 'alice'])).toBe(
    'demo users: "alice" has no password; write it as "alice:<password>" (or "alice:<password>:admin")',
  )
  expect(message(['--users', 'alice:pw,bob'])).toContain('"bob" has no password')
  expect(message(['--users', 'alice:pw:boss'])).toContain('is not "name:password"')
  expect(message(['--users', 'alice:a,alice:b'])).toContain('listed twice')
  expect(message(['stray'])).toBe('unexpected argument "stray"; see --help')

  const ok = parseArgs(['-g', 'ws://127.0.0.1:1', '-t', '-starts-with-dash', '-mode', 'DIRECT', '-p', '8080'], env)
  expect(ok.kind === 'run' && ok.options).toMatchObject({
    mode: 'direct',
    port: 8080,
    gateway: { url: 'ws://127.0.0.1:1', token: '-starts-with-dash' },
  })
  const fromEnv = parseArgs([], {
    OPENCLAW_GATEWAY_URL: 'ws://localhost:18789',
    OPENCLAW_GATEWAY_TOKEN: 't',
    PORT: '4000',
    CLAWCHAT_MODE: 'direct',
  })
  expect(fromEnv.kind === 'run' && fromEnv.options).toMatchObject({
    mode: 'direct',
    port: 4000,
    gateway: { url: 'ws://localhost:18789', token: 't' },
  })
  expect(parseArgs(['--help'])).toEqual({ kind: 'help' })

  // Users from a JSON file.
  const usersFile = join(dataDir(), 'users.json')
  writeFileSync(
    usersFile,
    JSON.stringify([
      { id: 'Dana', password: 'pw-dana', role: 'admin' },
      { id: 'eve', password: 'pw-eve', name: 'Eve E.' },
    ]),
  )
  const fromFile = parseArgs(['--users', usersFile], env)
  expect(fromFile.kind === 'run' && fromFile.options.users).toEqual([
    { id: 'dana', name: 'Dana', password: 'pw-dana', role: 'admin' },
    { id: 'eve', name: 'Eve E.', password: 'pw-eve', role: 'user' },
  ])
  writeFileSync(usersFile, '[{"id":"x"}]')
  expect(message(['--users', usersFile])).toContain('needs a string "id" and a non-empty "password"')
})
