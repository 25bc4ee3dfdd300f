/** The path the proxy serves by default (WebSocket upgrade and HTTP). */
export const DEFAULT_PATH = '/clawchat'

/** Appended to the path: `GET <path>/session` answers 200, 401 or 503 (docs/ARCHITECTURE.md "The wire"). */
export const SESSION_ENDPOINT = '/session'

/** How the SDK introduces itself in `connect` (`client.id` / `client.mode` from OpenClaw's registries). */
export const BROWSER_CLIENT = { id: 'webchat-ui', mode: 'webchat' } as const

/** The OpenClaw protocol version the proxy speaks. */
export const PROTOCOL_VERSION = 4

/** The proxy's own tick interval by default, in ms. */
export const DEFAULT_TICK_INTERVAL_MS = 30_000
