/**
 * A bench user behind ClawChat: paths (c) and (c'). It authenticates with its express-session
 * cookie only (no token), sends `connect` as a browser does (`webchat-ui`/`webchat`), and streams on
 * its browser sessions `main`, `main-1`, …; the proxy delivers only this user's events. With `lean` (path (c)) it
 * names the SDK's caps (`SDK_CAPS` of `@clawchat/protocol`, the lean wire included) and reads lean
 * frames; without (path (c')) it names no caps, as OpenClaw's own clients and the seed's snippet do,
 * and gets OpenClaw's frames.
 */
import { SDK_CAPS } from '@clawchat/protocol'
import { BenchClient } from './bench-client.js'

/** A browser-like user of `clawchatProxy`. */
export class ProxyProtocolClient extends BenchClient {
  private readonly lean: boolean

  /**
   * @example
   * const client = new ProxyProtocolClient(0, 'ws://127.0.0.1:1234/clawchat', 'bench.sid=s%3A…', { lean: true })
   * await client.open()
   */
  constructor(userIndex: number, url: string, cookie: string, options: { lean: boolean }) {
    super(`u${userIndex}`, url, null, { Cookie: cookie })
    this.lean = options.lean
  }

  protected connectParams(): Record<string, unknown> {
    return {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'webchat-ui', version: '0.1.0', platform: 'web', mode: 'webchat' },
      ...(this.lean ? { caps: [...SDK_CAPS] } : {}),
    }
  }

  protected chatSendParams(message: string, idempotencyKey: string, session: number): Record<string, unknown> {
    return { sessionKey: session === 0 ? 'main' : `main-${session}`, message, idempotencyKey }
  }
}
