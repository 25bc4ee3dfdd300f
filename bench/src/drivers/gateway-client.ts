/**
 * A bench user talking the gateway's own protocol: paths (a) direct and (b) pipe. It connects as
 * the reference's raw client did (`gateway-client`/`backend`, token, read+write scopes) and streams
 * on its own session keys (`bench-u<user>-s<n>`); like any operator connection it receives every
 * user's events and keeps its own (matched on the session keys' common start).
 */
import type WebSocket from 'ws'
import { BenchClient } from './bench-client.js'

/** A user on the gateway protocol (direct or through the pipe). */
export class GatewayProtocolClient extends BenchClient {
  private readonly sessionKey: string

  /**
   * @param userIndex distinct per user: the session keys are `bench-u<userIndex>-s<n>`
   * @example
   * const client = new GatewayProtocolClient(0, mockUrl, token); await client.open()
   */
  constructor(
    userIndex: number,
    url: string,
    private readonly token: string,
    /**
     * Calls `sessions.subscribe` after the handshake, as a chat UI does (and as the proxy's link
     * does): the gateway then sends it `sessions.changed` / `session.message` per run step too, so
     * it does the same work per delta on every path (see the README, "Why the mock works harder").
     */
    private readonly subscribeSessions = false,
  ) {
    const sessionKey = `bench-u${userIndex}-s`
    super(`u${userIndex}`, url, Buffer.from(`"sessionKey":"agent:main:${sessionKey}`, 'latin1'))
    this.sessionKey = sessionKey
  }

  protected override afterHandshake(ws: WebSocket): void {
    if (this.subscribeSessions)
      ws.send(JSON.stringify({ type: 'req', id: 'subscribe-1', method: 'sessions.subscribe', params: {} }))
  }

  protected connectParams(): Record<string, unknown> {
    return {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', version: '0.1.0', platform: 'linux', mode: 'backend' },
      role: 'operator',
      scopes: ['operator.read', 'operator.write'],
      caps: [],
      auth: { token: this.token },
    }
  }

  protected chatSendParams(message: string, idempotencyKey: string, session: number): Record<string, unknown> {
    return { sessionKey: `${this.sessionKey}${session}`, message, idempotencyKey }
  }
}
