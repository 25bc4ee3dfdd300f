// Debian's Chromium through Playwright's library API (never a downloaded browser), and a recorder
// of everything a page received: HTTP responses (headers and bodies) and WebSocket frames.
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'

/** The machine's Chromium and the flags CI needs. */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
} as const

/**
 * Launches Debian's Chromium headless.
 *
 * @example
 * const browser = await launchChromium()
 * const page = await browser.newPage()
 * await browser.close()
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ ...CHROMIUM_LAUNCH, args: [...CHROMIUM_LAUNCH.args] })
}

/** What the pages of a context received (and, for WebSockets, sent). */
export interface PageTraffic {
  /** `METHOD url status` then the response headers and body, per HTTP response. */
  http: string[]
  /** Every WebSocket frame received, as text. */
  wsReceived: string[]
  /** Every WebSocket frame sent, as text. */
  wsSent: string[]
  /** The URLs of the WebSockets opened. */
  wsUrls: string[]
  /** Resolves once every response body read so far is in `http`. */
  settle(): Promise<void>
}

/**
 * Records every HTTP response and WebSocket frame of the pages of `context` (pages opened later
 * included).
 *
 * @example
 * const traffic = recordTraffic(context)
 * // … drive the page …
 * await traffic.settle()
 * expect(traffic.wsReceived.join('\n')).not.toContain(token)
 */
export function recordTraffic(context: BrowserContext): PageTraffic {
  const pending: Array<Promise<void>> = []
  const traffic: PageTraffic = {
    http: [],
    wsReceived: [],
    wsSent: [],
    wsUrls: [],
    async settle() {
      await Promise.all(pending.splice(0))
    },
  }
  const watch = (page: Page) => {
    page.on('response', (response) => {
      pending.push(
        (async () => {
          const headers = JSON.stringify(await response.allHeaders().catch(() => ({})))
          const body = await response.text().catch(() => '')
          traffic.http.push(
            `${response.request().method()} ${response.url()} ${response.status()}\n${headers}\n${body}`,
          )
        })(),
      )
    })
    page.on('websocket', (ws) => {
      traffic.wsUrls.push(ws.url())
      ws.on('framereceived', (f) =>
        traffic.wsReceived.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')),
      )
      ws.on('framesent', (f) =>
        traffic.wsSent.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')),
      )
    })
  }
  for (const p of context.pages()) watch(p)
  context.on('page', watch)
  return traffic
}
