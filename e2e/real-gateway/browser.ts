// Debian's Chromium through Playwright's library API (never a downloaded browser), and a recorder
// of everything a page received: HTTP responses (headers and bodies) and WebSocket frames.
import { chromium, type Browser, type BrowserContext, type Page, type Response } from '@playwright/test'

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

/** How long a response body may take to read before it counts as unreadable. */
const BODY_READ_MS = 5000

/** The body of `response`, or `undefined` when Chromium does not give it within `BODY_READ_MS`. */
async function readBody(response: Response): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), BODY_READ_MS)
  })
  try {
    return await Promise.race([response.text().catch(() => undefined), late])
  } finally {
    clearTimeout(timer)
  }
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
  /**
   * `METHOD url status` of each response whose body Chromium did not give within 5 s or at all
   * (a fetch the page dropped unread, e.g. a 404 avatar): its headers are in `http`, its body is not.
   */
  unreadable: string[]
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
    unreadable: [],
    async settle() {
      await Promise.all(pending.splice(0))
    },
  }
  const watch = (page: Page) => {
    page.on('response', (response) => {
      pending.push(
        (async () => {
          const what = `${response.request().method()} ${response.url()} ${response.status()}`
          const headers = JSON.stringify(await response.allHeaders().catch(() => ({})))
          const body = await readBody(response)
          if (body === undefined) traffic.unreadable.push(what)
          traffic.http.push(`${what}\n${headers}\n${body ?? ''}`)
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
