/**
 * The paths under test, each a set of processes started fresh for one measurement and stopped
 * after it: the mock gateway alone (a: direct), the mock behind `http-proxy` (b: pipe), behind the
 * floor relay (f: parse + stringify + send per frame), behind `clawchatProxy` with an SDK-like
 * client (c: proxy, lean wire) or with an OpenClaw client (c': proxyOpenclaw, no ClawChat caps).
 * Makes the path's clients and samples every process's CPU and memory.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ChildHandle, type ChildSample } from '../ipc/child-handle.js'
import type { BenchClient } from './bench-client.js'
import { GatewayProtocolClient } from './gateway-client.js'
import { loginUsers } from './login.js'
import { mapLimit } from './pool.js'
import { ProxyProtocolClient } from './proxy-client.js'
import { nowMicros } from '../wire.js'

/** Which path. */
export type Mode = 'direct' | 'pipe' | 'floor' | 'proxy' | 'proxyOpenclaw'

/** The paths of the latency and many-users scenarios, in table order. */
export const MODES: readonly Mode[] = ['direct', 'pipe', 'proxy']

/** The paths of the one-user throughput and bytes scenarios, in table order. */
export const SINGLE_USER_MODES: readonly Mode[] = ['direct', 'pipe', 'floor', 'proxy', 'proxyOpenclaw']

/** How the report names a mode. */
export const MODE_LABEL: Record<Mode, string> = {
  direct: '(a) direct',
  pipe: '(b) pipe (http-proxy)',
  floor: '(f) floor relay (parse + stringify + send)',
  proxy: '(c) clawchatProxy, SDK client (lean)',
  proxyOpenclaw: "(c') clawchatProxy, OpenClaw client",
}

/** How a client of clawchatProxy speaks: like the SDK (lean wire) or like an OpenClaw client. */
export type ProxyClientKind = 'sdk' | 'openclaw'

/** Is `mode` a clawchatProxy path? */
export const isProxyMode = (mode: Mode): boolean => mode === 'proxy' || mode === 'proxyOpenclaw'

/** Options of one topology. */
export interface TopologyOptions {
  /** `limits` for `clawchatProxy` (mode `proxy` only). */
  proxyLimits?: Record<string, number>
  /** Extra node flags for the relay child (`--cpu-prof …`). */
  relayExecArgv?: string[]
  /** Extra node flags for the mock gateway child. */
  mockExecArgv?: string[]
}

function spawnRelay(mode: Mode, execArgv: string[]): Promise<ChildHandle> | undefined {
  if (mode === 'direct') return undefined
  if (mode === 'pipe') return ChildHandle.spawn('pipe', 'pipe-child.ts', { execArgv })
  if (mode === 'floor') return ChildHandle.spawn('floor', 'floor-child.ts', { execArgv })
  return ChildHandle.spawn('clawchat-proxy', 'proxy-child.ts', { execArgv: ['--expose-gc', ...execArgv] })
}

/** CPU and memory of every process at one moment. */
export interface TopologySample {
  /** Driver clock, ms. */
  at: number
  mock: ChildSample
  relay: ChildSample | undefined
  /** The driver's (clients') own CPU, µs, read at `driverAtUs` (CLOCK_MONOTONIC µs). */
  driverCpuUs: number
  driverAtUs: number
}

/** Opens clients, at most `concurrency` handshakes at a time (each bounded by `timeoutMs`). */
export async function openClients(
  clients: readonly BenchClient[],
  concurrency = 50,
  timeoutMs = 20_000,
): Promise<void> {
  await mapLimit(clients, concurrency, (client) => client.open(timeoutMs))
}

/** Closes clients, a bounded number at a time. */
export async function closeClients(clients: readonly BenchClient[], concurrency = 200): Promise<void> {
  await mapLimit(clients, concurrency, (client) => client.close())
}

/** One running path. */
export class Topology {
  private constructor(
    readonly mode: Mode,
    readonly token: string,
    readonly mock: ChildHandle,
    readonly relay: ChildHandle | undefined,
    /** Where clients connect. */
    readonly clientUrl: string,
    /** The proxy app's HTTP base (mode `proxy`). */
    readonly httpUrl: string | undefined,
    /** The audit trail's file (mode `proxy`). */
    readonly auditPath: string | undefined,
  ) {}

  /**
   * Starts the processes of `mode` and waits until they are ready (the proxy's upstream link up).
   *
   * @example
   * const topo = await Topology.start('proxy', { proxyLimits: { messagesPerSecond: 1000 } })
   * try { ... } finally { await topo.stop() }
   */
  static async start(mode: Mode, options: TopologyOptions = {}): Promise<Topology> {
    const token = randomBytes(16).toString('hex')
    // The children load their modules in parallel; then the mock listens, then the relay.
    const [mock, relay] = await Promise.all([
      ChildHandle.spawn('mock-gateway', 'mock-child.ts', { execArgv: options.mockExecArgv ?? [] }),
      spawnRelay(mode, options.relayExecArgv ?? []),
    ])
    try {
      const { url: gatewayUrl } = await mock.call<{ url: string }>('start', { token })
      if (!relay) return new Topology(mode, token, mock, undefined, gatewayUrl, undefined, undefined)
      if (mode === 'pipe' || mode === 'floor') {
        const { url } = await relay.call<{ url: string }>('start', { gatewayUrl })
        return new Topology(mode, token, mock, relay, url, undefined, undefined)
      }
      const auditPath = join(tmpdir(), `clawchat-bench-audit-${process.pid}-${Date.now()}.log`)
      const { url, http } = await relay.call<{ url: string; http: string }>('start', {
        gatewayUrl,
        token,
        auditPath,
        limits: options.proxyLimits,
      })
      return new Topology(mode, token, mock, relay, url, http, auditPath)
    } catch (error) {
      await relay?.stop()
      await mock.stop()
      throw error
    }
  }

  /**
   * Makes `count` users' clients, not yet connected; through ClawChat each is logged in first (a
   * real express-session cookie) and speaks like the SDK (`client: 'sdk'`, path (c)) or like an
   * OpenClaw client (`'openclaw'`, path (c')). User indexes start at `firstUser`.
   */
  async createUsers(
    count: number,
    firstUser = 0,
    client: ProxyClientKind = 'sdk',
    subscribeSessions = false,
  ): Promise<BenchClient[]> {
    const indexes = Array.from({ length: count }, (_, i) => firstUser + i)
    let cookies: string[] = []
    const proxy = isProxyMode(this.mode)
    if (proxy)
      cookies = await loginUsers(
        this.httpUrl ?? '',
        indexes.map((i) => `bench-user-${i}`),
      )
    return indexes.map((userIndex, i) =>
      proxy
        ? new ProxyProtocolClient(userIndex, this.clientUrl, cookies[i] ?? '', { lean: client === 'sdk' })
        : new GatewayProtocolClient(userIndex, this.clientUrl, this.token, subscribeSessions),
    )
  }

  /** {@link createUsers}, then opens them all, at most `concurrency` handshakes at a time. */
  async connectUsers(
    count: number,
    options: {
      firstUser?: number
      concurrency?: number
      timeoutMs?: number
      client?: ProxyClientKind
      /** Gateway-protocol clients (paths (a), (b)) call `sessions.subscribe` like the proxy's link. */
      subscribeSessions?: boolean
    } = {},
  ): Promise<BenchClient[]> {
    const { firstUser = 0, client, subscribeSessions = false } = options
    const clients = await this.createUsers(count, firstUser, client, subscribeSessions)
    await openClients(clients, options.concurrency ?? 50, options.timeoutMs)
    return clients
  }

  /** CPU and memory of every process now. */
  async sample(): Promise<TopologySample> {
    const [mock, relay] = await Promise.all([this.mock.sample(), this.relay?.sample()])
    const driverAtUs = nowMicros()
    const cpu = process.cpuUsage()
    return { at: performance.now(), mock, relay, driverCpuUs: cpu.user + cpu.system, driverAtUs }
  }

  /** Forces garbage collection in the relay (mode `proxy`: started with `--expose-gc`). */
  async gcRelay(): Promise<void> {
    await this.relay?.call('gc')
  }

  /**
   * Stops the relay, then the mock (each bounded); answers how many audit entries the proxy wrote
   * (read once it has flushed its audit file, which is then removed).
   */
  async stop(): Promise<{ auditEntries: number }> {
    await this.relay?.stop()
    await this.mock.stop()
    let auditEntries = 0
    if (this.auditPath && existsSync(this.auditPath)) {
      auditEntries = readFileSync(this.auditPath, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0).length
      rmSync(this.auditPath, { force: true })
    }
    return { auditEntries }
  }
}
