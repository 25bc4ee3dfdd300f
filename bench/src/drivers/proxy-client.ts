/**
 * A bench user behind ClawChat: path (c). It authenticates with its express-session cookie only
 * (no token), sends `connect` as the SDK does (`webchat-ui`/`webchat`), and streams on its browser
 * session `main`; the proxy delivers only this user's events.
 */
import { BenchClient } from './bench-client.js'

/** A browser-like user of `clawchatProxy`. */
export class ProxyProtocolClient extends BenchClient {
  /**
   * @example
   * const client = new ProxyProtocolClient(0, 'ws://127.0.0.1:1234/clawchat', 'bench.sid=s%3A…'); await client.open()
   */
  constructor(userIndex: number, url: string, cookie: string) {
    super(`u${userIndex}`, url, null, { Cookie: cookie })
  }

  protected connectParams(): Record<string, unknown> {
    return {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', version: '0.1.0', platform: 'web', mode: 'webchat' },
    }
  }

  protected chatSendParams(message: string, idempotencyKey: string): Record<string, unknown> {
    return { sessionKey: 'main', message, idempotencyKey }
  }
}
