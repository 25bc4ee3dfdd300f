/**
 * What the parts of one proxy share, built from its resolved options — redaction (the token never
 * leaves), the log, the audit trail, the registry of browser connections, the ONE upstream link and
 * the budgets toward it — and the link started, its events routed to the browsers.
 */
import { createAudit, type Audit } from './audit/audit.js'
import { openAuditSink } from './audit/audit-sink.js'
import type { SharedConnectionDeps } from './connection/accept.js'
import type { ClientConnection } from './connection/client-connection.js'
import { ConnectionRegistry } from './connection/registry.js'
import type { ResolvedOptions } from './gate/options.js'
import { AgentWork } from './isolation/approvals/agent-work.js'
import { LiveRuns } from './isolation/live-runs.js'
import { SessionPermissions } from './isolation/permissions.js'
import { EventRouter } from './isolation/router.js'
import { StreamRedactor } from './isolation/stream-redactor.js'
import { UserMeters } from './limits/limits.js'
import { ChatSendBudget } from './limits/run-budget.js'
import { UpstreamBudget } from './limits/upstream-budget.js'
import { createRedactor, messageOf, type SecretRedactor } from './common/errors.js'
import { createLog, defaultLogger, type ProxyLog } from './common/log.js'
import { ProxyFigures } from './metrics/figures.js'
import { countLinkRequests } from './metrics/link-count.js'
import { GatewayLink } from './upstream/gateway-link.js'

/** What the parts of one proxy share, built from its resolved options. */
export interface ProxyCore {
  opts: ResolvedOptions
  log: ProxyLog
  /** The log's and audit's redactor: the token, and the device keys once loaded. */
  secrets: SecretRedactor
  audit: Audit
  auditSink: { close(): Promise<void> } | undefined
  registry: ConnectionRegistry<ClientConnection>
  userMeters: UserMeters
  link: GatewayLink
  upstream: UpstreamBudget
  streams: StreamRedactor
  /** Approvals and questions: their events, methods and the unattended deny. */
  work: AgentWork
  /** What every browser connection is given. */
  shared: SharedConnectionDeps
  /** The figures the proxy counts (`proxy.stats()`; mirrored by the Prometheus instruments when on). */
  figures: ProxyFigures
}

/**
 * Builds the shared parts: redaction, log, audit, the registry, the link and the budgets.
 *
 * @example
 * const core = buildCore(resolveOptions(options))
 * startLink(core)
 */
export function buildCore(opts: ResolvedOptions): ProxyCore {
  // Browser frames are redacted of the token; logs and audit lines also of the device key.
  const redact = createRedactor([opts.gateway.token])
  const redactSecrets = createRedactor([opts.gateway.token])
  const log = createLog(opts.logger ?? defaultLogger(), redactSecrets)
  const auditSink = openAuditSink(opts.audit, (error) =>
    log.error(`clawchat: the audit sink failed: ${messageOf(error)}`, { option: 'audit' }),
  )
  const audit = createAudit(auditSink?.logger, redactSecrets, opts.audit?.bodies === true)
  const registry = new ConnectionRegistry<ClientConnection>()
  const figures = new ProxyFigures()
  const userMeters = new UserMeters(opts.limits.userMessagesPerSecond, (userId) => registry.countForUser(userId) > 0)
  const link = new GatewayLink({
    url: opts.gateway.url,
    token: opts.gateway.token,
    identityPath: opts.gateway.identityPath,
    requestTimeoutMs: opts.gateway.requestTimeoutMs,
    approvalRoute: opts.approvals.route,
    log,
    redact: redactSecrets,
  })
  countLinkRequests(link, figures)
  const { limits } = opts
  const chatSends = limits.userChatSendsPer5Min > 0 ? new ChatSendBudget(limits.userChatSendsPer5Min) : undefined
  const upstream = new UpstreamBudget(
    { perUser: limits.upstreamBytesPerUser, total: limits.upstreamBytesTotal },
    () => link.queuedBytes,
  )
  // A token split across a run's deltas is redacted in the stream, once per event (issue 16.5).
  const streams = new StreamRedactor([opts.gateway.token])
  const work = new AgentWork({
    namespace: opts.namespace,
    policy: opts.approvalPolicy,
    unattendedDenyMs: opts.approvals.unattendedDenyMs,
    connections: registry,
    audit,
    link,
    log,
  })
  const shared: SharedConnectionDeps = {
    link,
    methods: opts.methods,
    commands: opts.commands,
    namespace: opts.namespace,
    limits,
    startedAt: Date.now(),
    audit,
    log,
    redact,
    upstream,
    chatSends,
    streams,
    liveRuns: new LiveRuns(),
    work,
    permissions: new SessionPermissions(opts.permissions, log),
    metrics: figures,
  }
  return {
    opts,
    log,
    secrets: redactSecrets,
    audit,
    auditSink,
    registry,
    userMeters,
    link,
    upstream,
    streams,
    work,
    shared,
    figures,
  }
}

/**
 * Routes the link's events to the browsers (through the isolation router), tells them of its state,
 * and starts it in the background. Answers the router (coordination forwards tool events through it).
 *
 * @example
 * const router = startLink(core) // returns at once; `core.link` connects and retries by itself
 */
export function startLink(core: ProxyCore): EventRouter {
  const { opts, link, registry, audit, log, work } = core
  const router = new EventRouter(opts.namespace, registry, core.streams, work, core.shared.liveRuns)
  link.on('event', (frame) => {
    core.figures.gatewayFrame('down', 'event')
    try {
      router.route(frame)
    } catch (error) {
      log.error(`clawchat: routing a ${String(frame?.event)} event failed: ${messageOf(error)}`)
    }
  })
  link.on('up', () => {
    core.figures.linkUp()
    audit.record({ event: 'gateway.state', state: 'up', gatewayVersion: link.gatewayVersion })
    void work.linkUp()
    for (const conn of registry.list()) conn.gatewayChanged()
  })
  link.on('down', (why: string) => {
    router.linkDown()
    const state = link.state === 'failed' || link.state === 'misconfigured' ? link.state : 'down'
    audit.record({ event: 'gateway.state', state, reason: why })
    for (const conn of registry.list()) conn.gatewayChanged()
  })
  log.info(`clawchat: relay on ${opts.path}, gateway ${opts.gateway.url} (connecting in the background)`)
  link.start()
  work.start()
  return router
}
