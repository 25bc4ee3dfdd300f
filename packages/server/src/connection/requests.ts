/**
 * A connection's requests after the handshake: each is planned through the policy (what the user
 * may call, with their own session keys), refused at once when the gateway is down or a budget is
 * spent (the user's `chat.send` keys, the bytes held toward the gateway), else relayed through the
 * link and answered — or dropped when the browser cancelled it. ClawChat's own `clawchat.runs` is
 * answered here at once, never upstream. Every request leaves an audit line.
 */
import { randomUUID } from 'node:crypto'
import { ErrorCodes, type ClawChatRunsResult, type ClawChatUser, type ErrorShape } from '@clawchat/protocol'
import type { LiveRuns } from '../isolation/live-runs.js'
import { planRequest, type RequestPlan } from '../isolation/policy.js'
import { sanitizeGatewayError } from '../isolation/sanitize.js'
import type { StreamRedactor } from '../isolation/stream-redactor.js'
import { chatSendKey } from '../limits/run-budget.js'
import type { UpstreamRefusal, UpstreamRelease } from '../limits/upstream-budget.js'
import { misconfigured, rateLimited, unavailable } from '../common/errors.js'
import type { ConnectionDeps } from './connection-deps.js'
import { gatewayReason } from './gateway-notice.js'
import { isLinkFailure } from './link-view.js'
import type { Outbox } from './outbox.js'

/** How long a request refused for the upstream's sake should wait before it is retried. */
const UPSTREAM_RETRY_AFTER_MS = 1000

/** The answer to a request the upstream budget refused: the user's own share, or the proxy's. */
function upstreamRefusal(refused: UpstreamRefusal): ErrorShape {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`
  if (refused.scope === 'user') {
    const held = `${mib(refused.heldBytes)} of ${mib(refused.limitBytes)} not yet answered`
    const retry = `retry in ${UPSTREAM_RETRY_AFTER_MS} ms`
    return rateLimited(
      `Too much data on its way to the chat gateway for your account (${held}); ${retry}.`,
      UPSTREAM_RETRY_AFTER_MS,
    )
  }
  return unavailable(
    'The chat gateway is not keeping up with what it is sent; try again shortly.',
    UPSTREAM_RETRY_AFTER_MS,
  )
}

/** What only the joined text parts of a history message, or a cut text or preview, would show of a secret. */
function redactAnswer(streams: StreamRedactor, method: string, payload: unknown): unknown {
  if (method === 'chat.history') return streams.history(payload)
  if (method === 'sessions.list') return streams.sessionsList(payload)
  return payload
}

/** One request on its way: what the audit line of its end says about it. */
interface Relayed {
  id: string
  method: string
  params: unknown
  bytes: number
  plan: RequestPlan
}

/**
 * The requests of one connection, and those of them in flight (which `cancel` and closing abort).
 *
 * @example
 * const requests = new RequestRelay(connId, user, deps, outbox)
 * void requests.relay('1', 'chat.history', { sessionKey: 'main' }, 42)
 * requests.cancel('1') // its answer is dropped
 */
export class RequestRelay {
  /** Requests in flight; made on the first one and dropped when none is left (an idle connection holds no Map). */
  private inflight: Map<string, AbortController> | null = null

  constructor(
    private readonly connId: string,
    private readonly user: ClawChatUser,
    private readonly deps: ConnectionDeps,
    private readonly outbox: Outbox,
  ) {}

  /** True while request `id` waits for its answer. */
  has(id: string): boolean {
    return this.inflight?.has(id) === true
  }

  /** Drops request `id`'s answer and aborts its upstream call. */
  cancel(id: string): void {
    const controller = this.inflight?.get(id)
    this.forget(id)
    controller?.abort()
  }

  /** Aborts every request in flight (the connection closed). */
  abortAll(): void {
    const inflight = this.inflight
    this.inflight = null
    for (const controller of inflight?.values() ?? []) controller.abort()
  }

  /** Forgets request `id` (when `controller` is given: only while it is still that request's). */
  private forget(id: string, controller?: AbortController): void {
    const inflight = this.inflight
    if (!inflight || (controller !== undefined && inflight.get(id) !== controller)) return
    inflight.delete(id)
    if (inflight.size === 0) this.inflight = null
  }

  /** Plans, admits, relays and answers one request (`bytes`: its frame's size). */
  async relay(id: string, method: string, params: unknown, bytes: number): Promise<void> {
    const plan = this.plan(id, method, params, bytes)
    if (!plan) return
    const request: Relayed = { id, method, params, bytes, plan }
    if (plan.answer) {
      this.answerHere(request, plan.answer)
      return
    }
    const held = this.admit(request)
    if (typeof held !== 'function') {
      this.outbox.respondError(id, held)
      this.audit(request, 'error', held.code, 0)
      return
    }
    await this.run(request, held)
  }

  /** The request's plan, or `undefined` when the policy refused it (answered and audited). */
  private plan(id: string, method: string, params: unknown, bytes: number): RequestPlan | undefined {
    const { deps, user } = this
    const planned = planRequest(deps.methods, method, params, {
      namespace: deps.namespace,
      userId: user.id,
      role: user.role,
      commands: deps.commands?.[user.role] ?? [],
      limits: deps.limits,
      newIdempotencyKey: () => randomUUID(),
      ...(deps.work ? { work: deps.work } : {}),
      ...(deps.permissions ? { permissions: deps.permissions } : {}),
      ...(deps.liveRuns ? { liveRuns: this.liveRunsView(deps.liveRuns) } : {}),
    })
    if (planned.ok) return planned.plan
    const { code } = planned.error
    if (code === ErrorCodes.FORBIDDEN) {
      deps.audit.record({ event: 'request.denied', userId: user.id, connId: this.connId, id, method, code, bytes })
    } else {
      const body = deps.audit.bodies && params !== undefined ? { params } : {}
      const audited = { event: 'request' as const, userId: user.id, connId: this.connId, id, method, bytes }
      deps.audit.record({ ...audited, ...body, outcome: 'error', code, ms: 0 })
    }
    deps.metrics?.requestDone(method, 'error', 0)
    this.outbox.respondError(id, planned.error)
    return undefined
  }

  /**
   * `clawchat.runs` as this connection sees it: the user's live runs and the last event `seq` sent
   * here — after the compact delta that waits for the end of the turn, so the texts cover it.
   */
  private liveRunsView(live: LiveRuns): () => ClawChatRunsResult {
    return () => {
      const seq = this.outbox.settledSeq()
      return { runs: live.ofUser(this.user.id), seq }
    }
  }

  /** Answers a request the proxy answers itself, at once and in order with the events (never upstream). */
  private answerHere(request: Relayed, answer: () => unknown): void {
    try {
      this.outbox.respond(request.id, answer())
      this.audit(request, 'ok', undefined, 0)
    } catch (error) {
      this.audit(request, 'error', this.answerFailure(request.id, request.method, error), 0)
    }
  }

  /**
   * Whether a planned request may go upstream now: the release of its bytes, or the answer that
   * refuses it at once (nothing went upstream) — the gateway is not up, the user's `chat.send`
   * keys are spent, or the bytes held toward the gateway are.
   */
  private admit({ method, params, bytes }: Relayed): UpstreamRelease | ErrorShape {
    const { link, limits } = this.deps
    if (!link.isUp) {
      return link.browserState === 'misconfigured'
        ? misconfigured(`${gatewayReason(link, this.user.role)} Retrying will not help until it is fixed.`)
        : unavailable(`${link.downReason} Try again when the gateway is back (event clawchat.gateway {state:"up"}).`)
    }
    const sendsWait = method === 'chat.send' ? (this.deps.chatSends?.take(this.user.id, chatSendKey(params)) ?? 0) : 0
    if (sendsWait > 0) {
      this.deps.metrics?.rateLimited('chat-sends')
      const most = limits.userChatSendsPer5Min
      const retry = Math.ceil(sendsWait / 1000)
      return rateLimited(`Too many messages: at most ${most} in 5 minutes; retry in ${retry} s.`, sendsWait)
    }
    const held = this.deps.upstream?.reserve(this.user.id, bytes) ?? (() => {})
    // Never queued: the gateway is not taking what it was already sent (issue 16.4).
    if (typeof held === 'function') return held
    if (held.scope === 'user') this.deps.metrics?.rateLimited('upstream-bytes')
    return upstreamRefusal(held)
  }

  /** Relays an admitted request and answers it, unless it was cancelled meanwhile. */
  private async run(request: Relayed, held: UpstreamRelease): Promise<void> {
    const { id, method, plan } = request
    const started = Date.now()
    const controller = new AbortController()
    ;(this.inflight ??= new Map()).set(id, controller)
    let outcome: 'ok' | 'error' | 'cancelled' = 'ok'
    let code: string | undefined
    try {
      const payload = await plan.run((m, p) => this.deps.link.request(m, p, { signal: controller.signal }))
      if (this.inflight?.get(id) !== controller) {
        outcome = 'cancelled' // the answer is dropped
        return
      }
      this.outbox.respond(id, this.deps.streams ? redactAnswer(this.deps.streams, method, payload) : payload)
    } catch (error) {
      if (this.inflight?.get(id) !== controller) {
        outcome = 'cancelled'
        return
      }
      outcome = 'error'
      code = this.answerFailure(id, method, error)
    } finally {
      held()
      this.forget(id, controller)
      this.audit(request, outcome, code, Date.now() - started)
    }
  }

  /** Answers a request the link (or the proxy) failed; the code it was answered with. */
  private answerFailure(id: string, method: string, error: unknown): string {
    const shape = isLinkFailure(error)
      ? error.shape
      : { code: 'UNAVAILABLE', message: 'The request failed inside the proxy; try again.', retryable: true }
    const sanitized = sanitizeGatewayError({ namespace: this.deps.namespace, userId: this.user.id }, shape)
    this.outbox.respondError(id, sanitized)
    if (!isLinkFailure(error)) {
      const why = error instanceof Error ? (error.stack ?? error.message) : String(error)
      this.deps.log.error(`clawchat: ${method} failed inside the proxy: ${why}`)
    }
    return sanitized.code
  }

  /** The audit line of a request that was planned. */
  private audit(request: Relayed, outcome: 'ok' | 'error' | 'cancelled', code: string | undefined, ms: number): void {
    const { id, method, params, bytes, plan } = request
    const body = this.deps.audit.bodies && params !== undefined ? { params } : {}
    const audited = { event: 'request' as const, userId: this.user.id, connId: this.connId, id, method, bytes }
    this.deps.audit.record({ ...audited, sessionKey: plan.sessionKey, ...body, outcome, code, ms })
    this.deps.metrics?.requestDone(method, outcome, ms)
  }
}
