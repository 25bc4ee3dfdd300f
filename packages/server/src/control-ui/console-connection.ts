/**
 * A console socket (any upgrade under `<path>`: the gateway answers its main socket on every path, so
 * every one is this translation, never a raw pipe): the page gets its own `connect.challenge`, its
 * `connect` is answered with the gateway's hello to the PROXY's connect (made with the token and the
 * console's own device, see `console-handshake.ts`), then frames flow through `console-relay.ts`.
 * Either side closing closes the other; a gateway that goes away closes the page with 1012 so the
 * UI reconnects. It is never the relay's link and never meets its key translation or policy.
 */
import { randomUUID } from 'node:crypto'
import type WebSocket from 'ws'
import type { RawData } from 'ws'
import { CloseCodes } from '@clawchat/protocol'
import type { Audit } from '../audit/audit.js'
import { closeReason, createRedactor, unavailable, type Redactor } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { isRecord } from '../common/records.js'
import type { DeviceIdentity } from '../upstream/device-identity.js'
import { readPageConnect, upstreamConnectParams, type PageConnect } from './console-handshake.js'
import { startRelay } from './console-relay.js'
import type { AdmittedConsole, ConsoleSocket } from './console-socket.js'
import { UpstreamUnreachable, openUpstream, type OpenedUpstream } from './console-upstream.js'
import type { ResolvedControlUi } from './options.js'
import type { MetricsRecorder } from '../metrics/recorder.js'
import { perMinuteMeter } from './request-rate.js'

/** Frames a page may send before the gateway's hello reached it; more close it. */
const MAX_HELD_FRAMES = 64

/** What a console connection needs. */
export interface ConsoleDeps {
  token: string
  /** `ws(s)://gateway-host:port` + the upgrade's own path and query (under `controlUi.path`). */
  upstreamUrl: string
  /** The gateway's http(s) origin (the upstream `Origin`). */
  gatewayOrigin: string
  limits: ResolvedControlUi['limits']
  /** The console's device identity (loaded on first use). */
  identity(): DeviceIdentity
  /** The proxy's browser redactor (the token). */
  redact: Redactor
  audit: Audit
  log: ProxyLog
  /** The proxy's figures. */
  metrics?: Pick<MetricsRecorder, 'rateLimited'>
}

/**
 * One admin's console.
 *
 * @example
 * const conn = new ConsoleConnection(page, admitted, deps)
 * registry.add(conn)
 * void conn.ended.then(() => registry.remove(conn))
 */
export class ConsoleConnection implements ConsoleSocket {
  readonly connId = randomUUID()
  readonly openedAt = Date.now()
  readonly userId: string
  readonly sessionId: string | undefined
  readonly sessionStore: AdmittedConsole['sessionStore']
  readonly upgradeRequest: AdmittedConsole['upgradeRequest']
  readonly ended: Promise<void>
  private upstream: OpenedUpstream | undefined
  private closing = false
  private readonly held: Array<[RawData, boolean]> = []
  private readonly redact = createRedactor([])

  constructor(
    private readonly page: WebSocket,
    admitted: AdmittedConsole,
    private readonly deps: ConsoleDeps,
  ) {
    this.userId = admitted.user.id
    this.sessionId = admitted.sessionId
    this.sessionStore = admitted.sessionStore
    this.upgradeRequest = admitted.upgradeRequest
    this.redact.add(deps.token)
    const { connId, userId } = this
    deps.audit.record({ event: 'control-ui.open', userId, connId, ip: admitted.ip })
    this.ended = new Promise((resolve) =>
      page.once('close', (code) => {
        deps.audit.record({ event: 'control-ui.close', userId, connId, code })
        this.dropUpstream()
        resolve()
      }),
    )
    page.on('error', () => undefined)
    this.start()
  }

  /** Closes the page (and the upstream socket) with `code` and `why`. */
  close(code: number, why: string): void {
    if (this.closing) return
    this.closing = true
    this.dropUpstream()
    if (this.page.readyState === this.page.OPEN || this.page.readyState === this.page.CONNECTING)
      this.page.close(code, closeReason(this.deps.redact(why)))
  }

  /** Drops the page at once (a shutdown whose close handshake took too long). */
  terminate(): void {
    this.dropUpstream()
    this.page.terminate()
  }

  private dropUpstream(): void {
    const ws = this.upstream?.ws
    if (ws && ws.readyState !== ws.CLOSED) ws.close(1000)
  }

  private start(): void {
    const { page, deps } = this
    page.send(
      JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } }),
    )
    const timer = setTimeout(
      () => this.close(CloseCodes.POLICY_VIOLATION, `no connect within ${deps.limits.connectTimeoutMs} ms`),
      deps.limits.connectTimeoutMs,
    )
    timer.unref?.()
    let first = true
    const onMessage = (data: RawData, isBinary: boolean) => {
      if (!first) {
        this.held.push([data, isBinary])
        if (this.held.length > MAX_HELD_FRAMES) this.close(CloseCodes.POLICY_VIOLATION, 'too many frames before hello')
        return
      }
      first = false
      clearTimeout(timer)
      const connect = isBinary
        ? { problem: 'the first frame must be a connect request' }
        : readPageConnect(data.toString())
      if ('problem' in connect) return this.close(CloseCodes.POLICY_VIOLATION, connect.problem)
      void this.connectUpstream(connect).finally(() => page.off('message', onMessage))
    }
    page.on('message', onMessage)
    page.once('close', () => clearTimeout(timer))
  }

  private async connectUpstream(connect: PageConnect): Promise<void> {
    const { deps, page } = this
    let opened: OpenedUpstream
    try {
      opened = await openUpstream({
        url: deps.upstreamUrl,
        origin: deps.gatewayOrigin,
        timeoutMs: deps.limits.connectTimeoutMs,
        connectParams: (nonce) =>
          upstreamConnectParams(connect.params, {
            nonce,
            token: deps.token,
            identity: deps.identity(),
            now: Date.now(),
          }),
      })
    } catch (error) {
      const message = error instanceof UpstreamUnreachable ? error.message : 'the console could not reach the gateway'
      if (!(error instanceof UpstreamUnreachable)) deps.log.error(`clawchat: Control UI: ${String(error)}`)
      this.answer(connect.id, false, { error: unavailable(message) })
      return this.close(CloseCodes.SERVICE_RESTART, 'gateway unavailable')
    }
    this.upstream = opened
    if (this.closing || page.readyState !== page.OPEN) return this.dropUpstream()
    this.answerHello(connect.id, opened)
  }

  private answerHello(pageId: string, opened: OpenedUpstream): void {
    const { answer, ws } = opened
    const relay = { page: this.page, upstream: opened, userId: this.userId, connId: this.connId }
    if (answer.ok !== true) {
      const error = isRecord(answer.error) ? answer.error : { code: 'UNAVAILABLE', message: 'refused' }
      this.answer(pageId, false, { error })
      const message = typeof error.message === 'string' ? error.message : 'the gateway refused the console'
      this.deps.log.warn(`clawchat: the gateway refused the Control UI console: ${message}`)
      return this.close(CloseCodes.POLICY_VIOLATION, message)
    }
    const { token, audit } = this.deps
    const frame = { ...answer, id: pageId }
    startRelay(
      {
        ...relay,
        rate: perMinuteMeter(this.deps.limits.requestsPerMinute),
        metrics: this.deps.metrics,
        audit,
        redact: this.redact,
        secrets: [token],
        end: (code, why) => this.close(code, why),
      },
      // The hello goes through the relay's own filter: no device token, no token.
      { hello: JSON.stringify(frame), heldFromPage: this.held.splice(0) },
    )
    ws.on('close', () => this.close(CloseCodes.SERVICE_RESTART, 'gateway restarting'))
  }

  private answer(id: string, ok: boolean, rest: Record<string, unknown>): void {
    if (this.page.readyState !== this.page.OPEN) return
    this.page.send(this.redact(JSON.stringify({ type: 'res', id, ok, ...rest })))
  }
}
