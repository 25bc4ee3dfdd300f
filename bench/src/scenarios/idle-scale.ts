/**
 * Scenario 4 — idle scale: RSS of the relay per idle authenticated browser connection. Users are
 * logged in first (real express-session cookies, one user per connection), the relay's memory is
 * taken after a forced GC, then the connections are opened (each completes `connect` → `hello-ok`
 * → `clawchat.session`, as the SDK does, with the SDK's caps) and the memory is taken again at a
 * few checkpoints. The clients are this process's sockets (10,000 fit under this machine's fd
 * limit of 20,000; a lower limit is refused up front with a sentence).
 */
import { sleep } from '../drivers/pool.js'
import { closeClients, openClients } from '../drivers/topology.js'
import { clientErrors, round, withTopology, type ScenarioContext } from './common.js'

/** One checkpoint of scenario 4. */
export interface IdleCheckpoint {
  connections: number
  rssMb: number
  heapUsedMb: number
  /** (RSS now − RSS before any connection) / connections, KiB. */
  rssPerConnectionKiB: number
  heapPerConnectionKiB: number
}

/** Scenario 4's figures. */
export interface IdleResult {
  connections: number
  /** Connections the proxy reports open at the end. */
  proxyConnections: number
  /** Authenticated connections the gateway holds (ClawChat's upstream count). */
  upstreamConnections: number
  baselineRssMb: number
  checkpoints: IdleCheckpoint[]
  /** At the last checkpoint. */
  rssPerConnectionKiB: number
  heapPerConnectionKiB: number
  /** Between the first and last checkpoints: the marginal cost, less start-up noise. */
  marginalRssPerConnectionKiB: number | null
  /** Seconds to open every connection. */
  openSeconds: number
  fdLimit: string
  /** Processes the clients ran in (the driver's own). */
  clientProcesses?: number
  errors: string[]
}

/** File descriptors besides the clients' sockets the driver may hold (children's pipes, logins, files). */
const FD_HEADROOM = 200

/** Throws a clear error when this process cannot hold `connections` sockets (`ulimit -n`). */
function checkFdLimit(connections: number, fdLimit: string): void {
  const soft = Number(fdLimit.split('/')[0])
  if (Number.isFinite(soft) && soft < connections + FD_HEADROOM)
    throw new Error(
      `idle scale: ${connections} connections need ${connections + FD_HEADROOM} file descriptors in the clients' process and the relay's; the soft limit is ${soft} (raise it with ulimit -n)`,
    )
}

/** Runs scenario 4 through `clawchatProxy`. */
export async function runIdleScale(ctx: ScenarioContext, fdLimit: string): Promise<IdleResult> {
  const cfg = ctx.config.idle
  checkFdLimit(cfg.connections, fdLimit)
  ctx.log(`[4 idle] logging in ${cfg.connections} users …`)
  const { value } = await withTopology('proxy', {}, async (topology) => {
    const clients = await topology.createUsers(cfg.connections)
    await topology.gcRelay()
    const base = await topology.sample()
    const relayBase = base.relay
    if (!relayBase) throw new Error('no relay sample')
    const checkpoints: IdleCheckpoint[] = []
    const started = Date.now()
    let opened = 0
    try {
      for (const target of cfg.checkpoints) {
        await openClients(clients.slice(opened, target), 100, 30_000)
        opened = target
        ctx.log(`[4 idle] ${opened} connections open`)
        await sleep(500)
        await topology.gcRelay()
        const s = await topology.sample()
        const relay = s.relay ?? relayBase
        checkpoints.push({
          connections: opened,
          rssMb: round(relay.rss / 2 ** 20, 1) ?? 0,
          heapUsedMb: round(relay.heapUsed / 2 ** 20, 1) ?? 0,
          rssPerConnectionKiB: round((relay.rss - relayBase.rss) / opened / 1024, 2) ?? 0,
          heapPerConnectionKiB: round((relay.heapUsed - relayBase.heapUsed) / opened / 1024, 2) ?? 0,
        })
      }
      const openSeconds = (Date.now() - started) / 1000
      const end = await topology.sample()
      const stats = (end.relay?.extra.stats ?? {}) as { connections?: number }
      const upstream = (end.mock.extra.connections ?? {}) as { authenticated?: number }
      return {
        checkpoints,
        openSeconds,
        proxyConnections: stats.connections ?? -1,
        upstream: upstream.authenticated ?? -1,
        baseRss: relayBase.rss,
        errors: clientErrors(clients),
      }
    } finally {
      await closeClients(clients)
    }
  })
  const last = value.checkpoints[value.checkpoints.length - 1]
  const first = value.checkpoints[0]
  const marginal =
    first && last && last.connections > first.connections
      ? round(((last.rssMb - first.rssMb) * 1024) / (last.connections - first.connections), 2)
      : null
  return {
    connections: cfg.connections,
    proxyConnections: value.proxyConnections,
    upstreamConnections: value.upstream,
    baselineRssMb: round(value.baseRss / 2 ** 20, 1) ?? 0,
    checkpoints: value.checkpoints,
    rssPerConnectionKiB: last?.rssPerConnectionKiB ?? Number.NaN,
    heapPerConnectionKiB: last?.heapPerConnectionKiB ?? Number.NaN,
    marginalRssPerConnectionKiB: marginal,
    openSeconds: round(value.openSeconds, 1) ?? 0,
    fdLimit,
    clientProcesses: 1,
    errors: value.errors,
  }
}
