// `@clawchat/client` in Node, as a browser would use it through the proxy: a `ws` WebSocket class
// that carries the app's session cookie, a fetch that does too, and a record of everything the
// "browser side" received (every frame's raw text, every HTTP body), for the token checks.
import { WebSocket } from 'ws'
import { ClawChat, type ClawChatOptions, type FetchLike, type WebSocketConstructor } from '@clawchat/client'

/** What the browser side of one or more SDK instances received, raw. */
export interface BrowserSideRecord {
  /** Every WebSocket frame's text, in arrival order. */
  frames: string[]
  /** Every HTTP response body the SDK's fetch received. */
  http: string[]
}

/**
 * A `ws` WebSocket class that sends `cookie` with the upgrade and records every received frame.
 *
 * @example
 * const record = { frames: [], http: [] }
 * new ClawChat({ url: app.wsUrl, WebSocket: cookieWebSocket(cookie, record) })
 */
export function cookieWebSocket(cookie: string, record: BrowserSideRecord): WebSocketConstructor {
  return class CookieWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { Cookie: cookie } })
      this.on('message', (data) => record.frames.push(data.toString()))
    }
  } as unknown as WebSocketConstructor
}

/**
 * A fetch that sends `cookie` and records the response bodies.
 *
 * @example
 * new ClawChat({ url, WebSocket, fetch: cookieFetch(cookie, record) })
 */
export function cookieFetch(cookie: string, record: BrowserSideRecord): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, { signal: init.signal, headers: { cookie } })
    record.http.push(await res.text())
    return { status: res.status }
  }
}

/**
 * A `ClawChat` for the proxy at `wsUrl`, logged in with `cookie`; everything it receives goes into
 * `record`. Reconnects fast (tests wait for them).
 *
 * @example
 * const chat = sdkClient(app.wsUrl, cookie, record)
 * await chat.ready
 */
export function sdkClient(
  wsUrl: string,
  cookie: string,
  record: BrowserSideRecord,
  options: Omit<ClawChatOptions, 'url' | 'WebSocket' | 'fetch'> = {},
): ClawChat {
  return new ClawChat({
    url: wsUrl,
    WebSocket: cookieWebSocket(cookie, record),
    fetch: cookieFetch(cookie, record),
    reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
    ...options,
  })
}
