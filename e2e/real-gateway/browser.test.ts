// @clawchat/client in Debian's Chromium against the REAL gateway, driven with Playwright's library
// API: (1) through clawchatProxy, logged in with the app's cookie — streamed reply, history after a
// reload, and the gateway token in nothing the browser received; (2) direct mode, the page talking
// to the gateway itself from a loopback Origin with a WebCrypto-signed device identity, which is
// what gets it read/write scopes. One gateway and one browser for the file.
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleClient, pageHtml } from './browser-bundle.js'
import { launchChromium, recordTraffic, type PageTraffic } from './browser.js'
import { ensureRealGatewayInstalled } from './ensure-installed.js'
import { fakeModelReply, startFakeModel, type FakeModel } from './fake-model.js'
import { startRealGateway, type RealGateway } from './gateway.js'
import { startProxyApp, type ProxyApp } from './proxy-app.js'
import { findSecret } from './sdk-helpers.js'
import { startStaticServer, type StaticServer } from './static-server.js'

let model: FakeModel
let gateway: RealGateway
let app: ProxyApp
let site: StaticServer
let browser: Browser

/** What a page script reports back from a chat exchange. */
interface Exchange {
  parts: Array<{ state: string; text: string; deltaText: string; sessionKey: string }>
  history: Array<{ role: string; text: string }>
  user?: { id: string }
  state: string
}

beforeAll(async () => {
  await ensureRealGatewayInstalled()
  model = await startFakeModel()
  // Bundles and browser first: in parallel with the gateway's start they slow it down (2 cores).
  const [proxyJs, directJs, b] = await Promise.all([bundleClient('proxy'), bundleClient('direct'), launchChromium()])
  browser = b
  gateway = await startRealGateway({ modelServerUrl: model.baseUrl })
  console.log(`[browser] real gateway started in ${gateway.startMs} ms`)
  app = await startProxyApp({
    gatewayUrl: gateway.url,
    token: gateway.token,
    routes: (a) => {
      a.get('/', (_req, res) => void res.type('html').send(pageHtml('/sdk.js', 'ClawChat through the proxy')))
      a.get('/sdk.js', (_req, res) => void res.type('text/javascript').send(proxyJs))
    },
  })
  site = await startStaticServer({
    '/': { type: 'text/html', body: pageHtml('/direct.js', 'ClawChat direct') },
    '/direct.js': { type: 'text/javascript', body: directJs },
  })
  await app.waitForLinkUp()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
  await app?.close()
  await gateway?.stop()
  await model?.stop()
})

/** Runs in the page: a new ClawChat (from `window`), one streamed exchange, then the history. */
async function chatInPage(page: Page, args: { message?: string; options: Record<string, unknown> }): Promise<Exchange> {
  await page.waitForFunction(() => (window as unknown as { sdkLoaded?: boolean }).sdkLoaded === true)
  return page.evaluate(async ({ message, options }) => {
    const w = window as unknown as { ClawChat: new (o: unknown) => any; chat?: any }
    w.chat?.close()
    const chat = new w.ClawChat(options)
    w.chat = chat
    await chat.ready
    const parts: Exchange['parts'] = []
    if (message) {
      for await (const p of chat.stream(message))
        parts.push({ state: p.state, text: p.text, deltaText: p.deltaText, sessionKey: p.sessionKey })
    }
    const h = await chat.history({})
    const text = (m: any) =>
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? []).map((c: any) => (c.type === 'text' ? c.text : '')).join('')
    return {
      parts,
      history: h.messages.map((m: any) => ({ role: m.role, text: text(m) })),
      user: chat.user,
      state: chat.state,
    }
  }, args)
}

describe('Chromium through clawchatProxy', () => {
  let context: BrowserContext
  let traffic: PageTraffic
  const text = 'hello from chromium, through the proxy'

  beforeAll(async () => {
    context = await browser.newContext()
    traffic = recordTraffic(context)
  })
  afterAll(async () => {
    await context?.close()
  })

  it('logs in with the app, streams a reply to final, and sees it again after a reload', async () => {
    const page = await context.newPage()
    await page.goto(app.baseUrl)
    const login = await page.evaluate(
      async () =>
        (
          await fetch('/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id: 'dora', name: 'Dora' }),
          })
        ).status,
    )
    expect(login).toBe(200)
    const first = await chatInPage(page, { message: text, options: {} })
    expect(first.user?.id).toBe('dora')
    expect(first.parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text), sessionKey: 'main' })
    expect(first.parts.map((p) => p.deltaText).join('')).toBe(fakeModelReply(text))

    await page.reload()
    const again = await chatInPage(page, { options: {} })
    expect(again.history).toEqual([
      { role: 'user', text },
      { role: 'assistant', text: fakeModelReply(text) },
    ])
    expect(model.chatRequests().filter((r) => r.userText === text)).toHaveLength(1)
    // The page talked only to the app (same origin), never to the gateway.
    expect(traffic.wsUrls.length).toBeGreaterThan(0)
    expect(traffic.wsUrls.every((u) => u.startsWith(app.wsUrl))).toBe(true)
  })

  it('received the gateway token nowhere: HTTP, WebSocket frames, cookies, storage', async () => {
    const page = context.pages()[0]!
    await traffic.settle()
    expect(traffic.http.length).toBeGreaterThanOrEqual(4) // page, bundle, login, … (per load)
    expect(traffic.wsReceived.length).toBeGreaterThan(10)
    const storage = await page.evaluate(() =>
      JSON.stringify({
        local: { ...localStorage },
        session: { ...sessionStorage },
        cookie: document.cookie,
        html: document.documentElement.outerHTML,
      }),
    )
    const cookies = JSON.stringify(await context.cookies())
    expect(findSecret(traffic.http, gateway.token)).toEqual([])
    expect(findSecret(traffic.wsReceived, gateway.token)).toEqual([])
    expect(findSecret([storage, cookies], gateway.token)).toEqual([])
    // …nor any upstream identifier (the gateway's session keys).
    expect(traffic.wsReceived.filter((f) => f.includes('agent:main:'))).toEqual([])
  })
})

describe('Chromium in direct mode, straight to the real gateway', () => {
  let context: BrowserContext
  let traffic: PageTraffic
  const text = 'hello from chromium, directly'
  const connectOf = (sent: string[]) =>
    sent
      .map((s) => JSON.parse(s) as { method?: string; params?: any })
      .filter((f) => f.method === 'connect')
      .map((f) => f.params)

  beforeAll(async () => {
    context = await browser.newContext()
    traffic = recordTraffic(context)
  })
  afterAll(async () => {
    await context?.close()
  })

  it('signs in with a WebCrypto device identity from a loopback Origin, gets read/write scopes, and chats', async () => {
    const page = await context.newPage()
    await page.goto(site.origin)
    const first = await chatInPage(page, { message: text, options: { url: gateway.url, token: gateway.token } })
    expect(first.parts.at(-1)).toMatchObject({ state: 'final', text: fakeModelReply(text) })
    expect(first.history).toEqual([
      { role: 'user', text },
      { role: 'assistant', text: fakeModelReply(text) },
    ])
    expect(first.user).toBeUndefined()
    expect(traffic.wsUrls).toEqual([`${gateway.url}/`])

    // The connect frame carried a signed device (Ed25519 public key, signature over the challenge).
    const [connect] = connectOf(traffic.wsSent)
    expect(connect.client).toMatchObject({ id: 'webchat-ui', mode: 'webchat' })
    expect(connect.device).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      publicKey: expect.any(String),
      signature: expect.any(String),
    })
    const challenge = traffic.wsReceived.map((s) => JSON.parse(s)).find((f) => f.event === 'connect.challenge')
    expect(connect.device.nonce).toBe(challenge.payload.nonce)
    // …and the gateway granted read/write (a token-only browser client gets no scopes at all).
    const hello = traffic.wsReceived
      .map((s) => JSON.parse(s))
      .find((f) => f.type === 'res' && f.payload?.type === 'hello-ok')
    expect(hello.payload.auth.scopes).toEqual(expect.arrayContaining(['operator.read', 'operator.write']))
    expect(model.chatRequests().filter((r) => r.userText === text)).toHaveLength(1)
  })

  it('keeps the same device identity across a reload and sees the history again', async () => {
    const page = context.pages()[0]!
    const before = connectOf(traffic.wsSent).length
    await page.reload()
    const again = await chatInPage(page, { options: { url: gateway.url, token: gateway.token } })
    expect(again.history).toEqual([
      { role: 'user', text },
      { role: 'assistant', text: fakeModelReply(text) },
    ])
    const connects = connectOf(traffic.wsSent)
    expect(connects.length).toBeGreaterThan(before)
    expect(connects.at(-1).device.id).toBe(connects[0].device.id)
  })
})
