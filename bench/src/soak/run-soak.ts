/**
 * The soak of issue 16.10: N users × M messages through the SDK and `clawchatProxy`, the mock
 * gateway restarted gracefully in the middle. Counts what an app would notice: messages
 * acknowledged, answered, lost (acknowledged, never answered), doubled (answered or stored twice),
 * misdelivered (a reply reaching another user) — from the events each user's client received and
 * from each user's history at the end — and the memory (RSS) of the proxy, the gateway and the
 * clients' process before and after.
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChildHandle } from '../ipc/child-handle.js'
import { loginUsers } from '../drivers/login.js'
import { mapLimit, sleep } from '../drivers/pool.js'
import type { SoakConfig } from './soak-config.js'
import { soakReply } from './soak-reply.js'
import { SoakUser } from './soak-user.js'

/** Resident memory of each process (bytes). */
export interface RssFigures {
  proxy: number
  gateway: number
  clients: number
}

/** What one soak measured. */
export interface SoakResults {
  config: SoakConfig
  /** The mock gateway module the child ran (`@clawchat/mock-gateway` or an older build). */
  gatewayModule: string
  startedAt: string
  durationMs: number
  sent: number
  acknowledged: number
  /** Sends the SDK rejected (never acknowledged), by error code. */
  failed: Record<string, number>
  /** Acknowledged and answered by a `final` event, to the sender. */
  answered: number
  /**
   * Acknowledged, no `final` event reached the sender, but the reply is in the history at the end
   * (the event was missed, e.g. across a reconnect: the SDK emits `resync` for the page to refetch).
   */
  answeredInHistoryOnly: number
  /** Acknowledged and never answered: no `final`, no `error`, no reply in the history by the end. */
  lost: number
  /** Acknowledged runs that ended in `error`/`aborted` instead. */
  runErrors: number
  /** Runs answered by more than one `final`. */
  doubledFinals: number
  /** `final`s whose text was not the reply to the user's own message, or for a run the user never sent. */
  misdelivered: number
  /** From the histories at the end: acknowledged messages without their reply stored. */
  lostInHistory: number
  /** Messages stored more than once, or whose reply is stored more than once. */
  doubledInHistory: number
  /** History rows that are not the user's own messages or replies to them. */
  foreignInHistory: number
  /** How long the graceful restart took (drain, down, up), and at which point of the soak. */
  restart: { ms: number; atAcknowledged: number }
  /** RSS once every user is connected (before the first message), after everything settled, and after a forced GC. */
  rss: { before: RssFigures; after: RssFigures; afterGc: RssFigures }
  /** Browser sockets lost and reconnected, and `resync` events by reason, over all users. */
  reconnects: number
  resyncs: Record<string, number>
  /** A few examples of what went wrong, for the report. */
  examples: string[]
}

/** Options of {@link runSoak}. */
export interface SoakOptions {
  log?: (line: string) => void
  /** Runs this mock-gateway module instead of the built one (a path to its ESM bundle). */
  gatewayModule?: string
}

async function rssOf(proxy: ChildHandle, gateway: ChildHandle, gc: boolean): Promise<RssFigures> {
  if (gc) {
    await Promise.all([proxy.call('gc', {}, 30_000), gateway.call('gc', {}, 30_000)])
    ;(globalThis as { gc?: () => void }).gc?.()
  }
  const [p, g] = await Promise.all([proxy.sample(10_000), gateway.sample(10_000)])
  return { proxy: p.rss, gateway: g.rss, clients: process.memoryUsage().rss }
}

/**
 * Runs one soak and resolves with its figures; every process it started is stopped.
 *
 * @example
 * const results = await runSoak(SOAK_SMOKE, { log: console.error })
 * console.log(results.lost, results.doubledInHistory)
 */
export async function runSoak(config: SoakConfig, options: SoakOptions = {}): Promise<SoakResults> {
  const log = options.log ?? (() => {})
  const token = `soak-${randomUUID()}`
  const tag = randomUUID().slice(0, 6)
  const auditPath = join(tmpdir(), `clawchat-soak-audit-${tag}.log`)
  // The child inherits the environment: name the gateway module there for its spawn only.
  const previous = process.env.CLAWCHAT_SOAK_MOCK_MODULE
  if (options.gatewayModule) process.env.CLAWCHAT_SOAK_MOCK_MODULE = options.gatewayModule
  else delete process.env.CLAWCHAT_SOAK_MOCK_MODULE
  const spawning = ChildHandle.spawn('gateway', 'soak-mock-child.ts', { execArgv: ['--expose-gc'] })
  if (previous === undefined) delete process.env.CLAWCHAT_SOAK_MOCK_MODULE
  else process.env.CLAWCHAT_SOAK_MOCK_MODULE = previous
  const gateway = await spawning
  const children: ChildHandle[] = [gateway]
  const users: SoakUser[] = []
  try {
    const started = await gateway.call<{ url: string; module: string }>('start', {
      token,
      chunkDelayMs: config.chunkDelayMs,
      shutdownGraceMs: config.shutdownGraceMs,
    })
    const proxy = await ChildHandle.spawn('proxy', 'proxy-child.ts', { execArgv: ['--expose-gc'] })
    children.push(proxy)
    const { url, http } = await proxy.call<{ url: string; http: string }>('start', {
      gatewayUrl: started.url,
      token,
      auditPath,
    })
    log(`gateway ${started.module}, proxy ${url}; logging in ${config.users} users`)

    const ids = Array.from({ length: config.users }, (_, i) => `soak-${tag}-u${i}`)
    const cookies = await loginUsers(http, ids, config.concurrency)
    await mapLimit(ids, config.concurrency, async (id, i) => {
      const user = new SoakUser(id, url, cookies[i]!)
      users.push(user)
      await user.chat.ready
    })
    log(`${users.length} users connected`)
    const before = await rssOf(proxy, gateway, true)

    const t0 = Date.now()
    const total = config.users * config.messages
    let acknowledged = 0
    let restartAt = -1
    let restartDone: Promise<{ ms: number }> | undefined
    const onAck = () => {
      acknowledged += 1
      if (restartAt < 0 && acknowledged >= total * config.restartAfter) {
        restartAt = acknowledged
        log(`${acknowledged} acknowledged: restarting the gateway gracefully`)
        restartDone = gateway.call<{ ms: number }>(
          'restart',
          { downMs: config.downMs },
          config.shutdownGraceMs + 60_000,
        )
      }
    }
    const [lo, hi] = config.paceMs
    const pace = () => lo + Math.random() * (hi - lo)
    const progress = setInterval(() => log(`${acknowledged}/${total} acknowledged`), 10_000)
    try {
      await Promise.all(
        users.map(async (u) => {
          await sleep(Math.random() * hi) // users do not all start in the same millisecond
          await u.sendAll(config.messages, tag, pace, onAck)
        }),
      )
    } finally {
      clearInterval(progress)
    }
    const restart = { ms: (await restartDone)?.ms ?? -1, atAcknowledged: restartAt }
    log(`all sends settled after ${Date.now() - t0} ms; waiting for replies`)

    // Wait for the replies still on their way; stop once nothing moved for settleQuietMs.
    for (;;) {
      const missing = users.reduce((n, u) => n + u.unanswered().length, 0)
      if (missing === 0) break
      const last = Math.max(...users.map((u) => u.lastProgress))
      if (Date.now() - last > config.settleQuietMs) break
      await sleep(250)
    }
    const durationMs = Date.now() - t0

    // The histories: what the gateway stored for each user, seen through the proxy.
    const stored = new Set<string>()
    let lostInHistory = 0
    let doubledInHistory = 0
    let foreignInHistory = 0
    const examples: string[] = []
    await mapLimit(users, config.concurrency, async (u) => {
      const rows = SoakUser.rows(await u.history())
      const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())
      const userRows = count(rows.user)
      const replyRows = count(rows.assistant)
      const own = new Set(Array.from({ length: config.messages }, (_, m) => u.message(m, tag)))
      for (const [runId, message] of u.acked) {
        if (replyRows.has(soakReply(message))) stored.add(runId)
        else {
          lostInHistory += 1
          if (examples.length < 10)
            examples.push(`lost: ${message} (user row ×${userRows.get(message) ?? 0}, no reply stored)`)
        }
      }
      for (const [text, n] of userRows) {
        if (!own.has(text)) foreignInHistory += 1
        else if (n > 1) {
          doubledInHistory += 1
          if (examples.length < 10) examples.push(`doubled: ${text} stored ×${n}`)
        }
      }
      for (const [text, n] of replyRows) {
        const message = /^Reply to <(.*)>: /.exec(text)?.[1]
        if (message === undefined || !own.has(message)) foreignInHistory += 1
        else if (n > 1) {
          doubledInHistory += 1
          if (examples.length < 10) examples.push(`doubled: the reply to ${message} stored ×${n}`)
        }
      }
    })
    const after = await rssOf(proxy, gateway, false)
    for (const u of users) u.chat.close()
    await sleep(500)
    const afterGc = await rssOf(proxy, gateway, true)

    const failed: Record<string, number> = {}
    let answered = 0
    let answeredInHistoryOnly = 0
    let lost = 0
    let reconnects = 0
    const resyncs: Record<string, number> = {}
    let runErrors = 0
    let doubledFinals = 0
    let misdelivered = 0
    for (const u of users) {
      for (const f of u.failed) failed[f.code] = (failed[f.code] ?? 0) + 1
      reconnects += u.reconnects
      for (const [reason, n] of Object.entries(u.resyncs)) resyncs[reason] = (resyncs[reason] ?? 0) + n
      for (const [runId, message] of u.acked) {
        const texts = u.finals.get(runId)
        if (texts) {
          answered += 1
          if (texts.length > 1) doubledFinals += 1
          if (texts.some((t) => t !== soakReply(message))) misdelivered += 1
        } else if (u.runErrors.has(runId)) runErrors += 1
        else if (stored.has(runId)) answeredInHistoryOnly += 1
        else lost += 1
      }
      for (const runId of u.finals.keys()) if (!u.acked.has(runId)) misdelivered += 1
    }
    return {
      config,
      gatewayModule: started.module,
      startedAt: new Date(t0).toISOString(),
      durationMs,
      sent: total,
      acknowledged: users.reduce((n, u) => n + u.acked.size, 0),
      failed,
      answered,
      answeredInHistoryOnly,
      lost,
      runErrors,
      doubledFinals,
      misdelivered,
      lostInHistory,
      doubledInHistory,
      foreignInHistory,
      restart,
      rss: { before, after, afterGc },
      reconnects,
      resyncs,
      examples,
    }
  } finally {
    for (const u of users) u.chat.close()
    await Promise.all(children.reverse().map((c) => c.stop(15_000)))
    rmSync(auditPath, { force: true })
  }
}
