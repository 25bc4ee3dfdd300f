// Runs the REAL OpenClaw gateway offline for tests: a fresh temp state folder, the config of
// GATEWAY.md pointing at our fake model, the private Node 24 first on PATH for the gateway process
// only, readiness by a real handshake, and a stop that always leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { resolveCachePaths, type RealGatewayCachePaths } from './cache-paths.mjs'
import { isAlive, killGroupNow, registerChild, unregisterChild } from './child-cleanup.js'
import { findFreePort } from './free-port.js'
import { buildGatewayConfig } from './gateway-config.js'
import { waitForGatewayReady } from './gateway-readiness.js'
import { removeGatewayLockFiles } from './state-lock-files.js'

export interface StartRealGatewayOptions {
  /** The fake model's base URL: `http://127.0.0.1:<port>/v1` (a bare origin gets `/v1` added). Required. */
  modelServerUrl: string
  /** Gateway token; default a random one per gateway. Never printed by the harness. */
  token?: string
  /** Port on 127.0.0.1; default a free one. */
  port?: number
  /** Model id of provider `fake` (default `fake-1`). */
  modelId?: string
  /** How long to wait for `hello-ok` after spawn (default 90 000 ms). */
  readyTimeoutMs?: number
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 30 000 ms: a clean stop waits for running chats and took up to 14 s on a loaded 2-core machine). */
  stopGraceMs?: number
  /** Where the installed gateway is (default `resolveCachePaths()`; run install.mjs first). */
  cachePaths?: RealGatewayCachePaths
  /** Keep the temp folder (state, config, logs) after the final `stop()` (default false). */
  keepTempDir?: boolean
  /** Extra environment variables for the gateway process only. */
  env?: Record<string, string>
  /** Keys merged over the gateway's config file (see `buildGatewayConfig`), e.g. `EXEC_ASK_CONFIG`. */
  extraConfig?: Record<string, unknown>
}

export interface RealGatewayStopOptions {
  /** SIGKILL at once instead of SIGTERM: a crash, not a clean shutdown (default false). */
  hard?: boolean
}

/** A running real gateway. `pid`, `startMs` and `bootId` change on `restart()`. */
export interface RealGateway {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly token: string
  /**
   * PID of the process the harness spawned (the `openclaw.mjs` launcher; it runs the gateway as a
   * child `openclaw-gateway`, which runs a sqlite worker): the leader of their own process group.
   * Still readable after `stop()`, so a test can check it is gone.
   */
  readonly pid: number
  /** Milliseconds from spawn to the first `hello-ok`, for the latest start. */
  readonly startMs: number
  /** Every start's time, in order (the first start, then each restart). */
  readonly startTimesMs: readonly number[]
  /** Milliseconds the latest stop took, from the signal until no process of the group remained (0 before any stop). */
  readonly lastStopMs: number
  /** `hello-ok.server.version` of the latest start. */
  readonly serverVersion: string
  /** `hello-ok.server.bootId` of the latest start (a new one after each restart). */
  readonly bootId: string
  /** The temp folder holding home/, state/, tmp/, the config and the logs. */
  readonly tempDir: string
  /** `OPENCLAW_STATE_DIR` */
  readonly stateDir: string
  /** `OPENCLAW_CONFIG_PATH` */
  readonly configPath: string
  /** The gateway process's stdout and stderr (all starts appended). */
  readonly logPath: string
  /** The gateway's own log file (`logging.file`). */
  readonly gatewayLogPath: string
  /** Whether the process is running. */
  isRunning(): boolean
  /** The last `lines` lines of both logs, token redacted. */
  logTail(lines?: number): string
  /** SIGTERM (or SIGKILL with `hard`), SIGKILL after the grace period, wait until no process of its group remains; then delete the temp folder unless `keepTempDir`. Idempotent. */
  stop(opts?: RealGatewayStopOptions): Promise<void>
  /** Stops (cleanly, or with `hard` as a crash) and starts again on the same port, token and state folder; resolves when ready again. */
  restart(opts?: RealGatewayStopOptions): Promise<void>
}

const KNOWN_OPTIONS = new Set([
  'modelServerUrl',
  'token',
  'port',
  'modelId',
  'readyTimeoutMs',
  'stopGraceMs',
  'cachePaths',
  'keepTempDir',
  'env',
  'extraConfig',
])

/**
 * Starts the real OpenClaw gateway (installed by `node e2e/real-gateway/install.mjs`) on
 * 127.0.0.1 with a fresh state folder, wired to a fake OpenAI-compatible model, and waits until a
 * `gateway-client`/`backend` token handshake gets `hello-ok` (11–20 s on a 2-core machine).
 *
 * @example
 * const model = await startFakeModel()
 * const gw = await startRealGateway({ modelServerUrl: model.baseUrl })
 * console.log(gw.url, gw.startMs)        // ws://127.0.0.1:41234 14230
 * await gw.restart()                      // same port, token and state
 * await gw.stop()
 * await model.stop()
 */
export async function startRealGateway(options: StartRealGatewayOptions): Promise<RealGateway> {
  const opts = validateOptions(options)
  const paths = opts.cachePaths ?? resolveCachePaths()
  for (const [what, p] of [
    ['private Node 24', paths.nodeBin],
    ['openclaw launcher', paths.openclawEntry],
    ['install marker', paths.markerPath],
  ] as const) {
    if (!existsSync(p))
      throw new Error(
        `startRealGateway: the ${what} is missing (${p}). Run \`node e2e/real-gateway/install.mjs\` first.`,
      )
  }
  const port = opts.port ?? (await findFreePort())
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const gw = new RealGatewayProcess(paths, port, token, opts)
  await gw.start()
  return gw
}

function validateOptions(o: StartRealGatewayOptions): StartRealGatewayOptions & { modelServerUrl: string } {
  if (typeof o !== 'object' || o === null)
    throw new Error('startRealGateway: options must be an object with at least "modelServerUrl"')
  const unknown = Object.keys(o).filter((k) => !KNOWN_OPTIONS.has(k))
  if (unknown.length > 0)
    throw new Error(
      `startRealGateway: unknown option(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...KNOWN_OPTIONS].join(', ')})`,
    )
  if (typeof o.modelServerUrl !== 'string')
    throw new Error(
      'startRealGateway: option "modelServerUrl" is required (the fake model\'s http://127.0.0.1:<port>/v1)',
    )
  let url: URL
  try {
    url = new URL(o.modelServerUrl)
  } catch {
    throw new Error(`startRealGateway: option "modelServerUrl" is not a URL: ${JSON.stringify(o.modelServerUrl)}`)
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(
      `startRealGateway: option "modelServerUrl" must be an http:// URL on loopback, got ${JSON.stringify(o.modelServerUrl)}`,
    )
  }
  const modelServerUrl = url.pathname === '/' ? `${url.origin}/v1` : o.modelServerUrl.replace(/\/+$/, '')
  if (o.token !== undefined && (typeof o.token !== 'string' || !/^[\x21-\x7e]{8,512}$/.test(o.token))) {
    throw new Error('startRealGateway: option "token" must be 8–512 printable ASCII characters without spaces')
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535))
    throw new Error(`startRealGateway: option "port" must be an integer 1–65535, got ${String(o.port)}`)
  if (o.modelId !== undefined && (typeof o.modelId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.modelId)))
    throw new Error(
      `startRealGateway: option "modelId" must be letters, digits, ".", "_" or "-", got ${JSON.stringify(o.modelId)}`,
    )
  for (const k of ['readyTimeoutMs', 'stopGraceMs'] as const) {
    const v = o[k]
    if (v !== undefined && (!Number.isFinite(v) || v <= 0))
      throw new Error(`startRealGateway: option "${k}" must be a positive number of milliseconds, got ${String(v)}`)
  }
  if (
    o.extraConfig !== undefined &&
    (typeof o.extraConfig !== 'object' || o.extraConfig === null || Array.isArray(o.extraConfig))
  )
    throw new Error('startRealGateway: option "extraConfig" must be an object of config keys')
  if (o.keepTempDir !== undefined && typeof o.keepTempDir !== 'boolean')
    throw new Error('startRealGateway: option "keepTempDir" must be a boolean')
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null)
      throw new Error('startRealGateway: option "env" must be an object of strings')
    for (const [k, v] of Object.entries(o.env))
      if (typeof v !== 'string') throw new Error(`startRealGateway: option "env.${k}" must be a string`)
  }
  return { ...o, modelServerUrl }
}

class RealGatewayProcess implements RealGateway {
  readonly url: string
  readonly tempDir: string
  readonly stateDir: string
  readonly configPath: string
  readonly logPath: string
  readonly gatewayLogPath: string
  private child: ChildProcess | undefined
  private childExit: Promise<void> = Promise.resolve()
  private exitInfo: string | undefined
  private starts: number[] = []
  private stopMs = 0
  private hello: Record<string, unknown> = {}
  private finalStop: Promise<void> | undefined
  private readonly readyTimeoutMs: number
  private readonly stopGraceMs: number

  constructor(
    private readonly paths: RealGatewayCachePaths,
    readonly port: number,
    readonly token: string,
    private readonly opts: StartRealGatewayOptions & { modelServerUrl: string },
  ) {
    this.url = `ws://127.0.0.1:${port}`
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 90_000
    this.stopGraceMs = opts.stopGraceMs ?? 30_000
    this.tempDir = mkdtempSync(join(tmpdir(), 'clawchat-real-gateway-'))
    this.stateDir = join(this.tempDir, 'state')
    this.configPath = join(this.stateDir, 'openclaw.json')
    this.logPath = join(this.tempDir, 'process.log')
    this.gatewayLogPath = join(this.tempDir, 'gateway.log')
    for (const d of ['home', 'state', 'tmp', 'compile-cache'])
      mkdirSync(join(this.tempDir, d), { recursive: true, mode: 0o700 })
    const config = buildGatewayConfig({
      port,
      token,
      modelBaseUrl: opts.modelServerUrl,
      logFile: this.gatewayLogPath,
      modelId: opts.modelId,
      extraConfig: opts.extraConfig,
    })
    writeFileSync(this.configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  }

  get pid(): number {
    return this.child?.pid ?? 0
  }
  get startMs(): number {
    return this.starts.at(-1) ?? 0
  }
  get startTimesMs(): readonly number[] {
    return [...this.starts]
  }
  get lastStopMs(): number {
    return this.stopMs
  }
  get serverVersion(): string {
    return String((this.hello.server as Record<string, unknown> | undefined)?.version ?? '')
  }
  get bootId(): string {
    return String((this.hello.server as Record<string, unknown> | undefined)?.bootId ?? '')
  }

  isRunning(): boolean {
    return this.child !== undefined && this.exitInfo === undefined
  }

  logTail(lines = 40): string {
    const tail = (p: string) => {
      try {
        return readFileSync(p, 'utf8').split('\n').slice(-lines).join('\n')
      } catch {
        return '(no file)'
      }
    }
    return this.redact(
      `--- gateway process output (${this.logPath}) ---\n${tail(this.logPath)}\n--- gateway log (${this.gatewayLogPath}) ---\n${tail(this.gatewayLogPath)}`,
    )
  }

  private redact(text: string): string {
    return text.split(this.token).join('<token>')
  }

  async start(): Promise<void> {
    if (this.finalStop) throw new Error('RealGateway: already stopped for good')
    const t0 = Date.now()
    const out = openSync(this.logPath, 'a')
    const env: Record<string, string> = {
      PATH: `${this.paths.nodeBinDir}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: join(this.tempDir, 'home'),
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      TMPDIR: join(this.tempDir, 'tmp'),
      NODE_COMPILE_CACHE: join(this.tempDir, 'compile-cache'),
      OPENCLAW_DISABLE_BONJOUR: '1',
      OPENCLAW_NO_RESPAWN: '1',
      OPENCLAW_SKIP_CHANNELS: '1',
      OPENCLAW_EXEC_SHELL_SNAPSHOT: '0',
      DO_NOT_TRACK: '1',
      LANG: process.env.LANG ?? 'C.UTF-8',
      ...this.opts.env,
    }
    const args = [
      this.paths.openclawEntry,
      'gateway',
      'run',
      '--port',
      String(this.port),
      '--bind',
      'loopback',
      '--auth',
      'token',
      '--token',
      this.token,
      '--allow-unconfigured',
    ]
    let child: ChildProcess
    try {
      // detached: the gateway leads its own process group, so stop() can reach anything it spawns.
      child = spawn(this.paths.nodeBin, args, { cwd: this.tempDir, env, detached: true, stdio: ['ignore', out, out] })
    } finally {
      closeSync(out)
    }
    this.child = child
    this.exitInfo = undefined
    const spawnError = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        this.exitInfo = `could not be started: ${err.message}`
        resolve()
      })
    })
    if (child.pid === undefined) {
      await spawnError
      throw new Error(
        `startRealGateway: the gateway process ${this.exitInfo ?? 'did not start'} (${this.paths.nodeBin})`,
      )
    }
    const pid = child.pid
    registerChild(pid, () => this.removeTempDir())
    this.childExit = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`
        // Stays registered: what it spawned may outlive it until terminate() has checked the group.
        resolve()
      })
    })

    try {
      this.hello = await waitForGatewayReady({
        url: this.url,
        token: this.token,
        timeoutMs: this.readyTimeoutMs,
        abortReason: () => (this.exitInfo ? `the gateway process ${this.exitInfo}` : undefined),
      })
    } catch (err) {
      await this.terminate({ hard: true })
      const message = this.redact(err instanceof Error ? err.message : String(err))
      throw new Error(
        `startRealGateway: ${message} after ${Date.now() - t0} ms on port ${this.port}.\n${this.logTail(40)}\n(temp folder kept for inspection: ${this.tempDir})`,
        { cause: err },
      )
    }
    this.starts.push(Date.now() - t0)
  }

  /** Stops the current process; keeps the temp folder. */
  private async terminate(opts: RealGatewayStopOptions = {}): Promise<void> {
    const child = this.child
    if (!child?.pid) return
    const pid = child.pid
    const t0 = Date.now()
    if (this.exitInfo === undefined) {
      if (opts.hard) killGroupNow(pid)
      else
        try {
          process.kill(pid, 'SIGTERM')
        } catch {
          /* gone already */
        }
      let timer: NodeJS.Timeout | undefined
      const graceOver = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), this.stopGraceMs)
      })
      const outcome = await Promise.race([this.childExit.then(() => 'exited' as const), graceOver])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        killGroupNow(pid)
        await this.childExit
      }
    }
    // The leader is gone; make sure nothing it spawned into its group survives it.
    if (isAlive(pid, { group: true })) killGroupNow(pid)
    const deadline = Date.now() + 5000
    while (isAlive(pid, { group: true }) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    unregisterChild(pid)
    this.stopMs = Date.now() - t0
    if (isAlive(pid, { group: true }))
      throw new Error(`RealGateway: process group ${pid} still has members after SIGKILL`)
  }

  /** Deletes the temp folder and the gateway's lock files for it in /tmp, unless `keepTempDir`. */
  private removeTempDir(): void {
    if (this.opts.keepTempDir) return
    removeGatewayLockFiles(this.stateDir)
    rmSync(this.tempDir, { recursive: true, force: true })
  }

  async restart(opts: RealGatewayStopOptions = {}): Promise<void> {
    if (this.finalStop) throw new Error('RealGateway: restart() after stop()')
    await this.terminate(opts)
    await this.start()
  }

  stop(opts: RealGatewayStopOptions = {}): Promise<void> {
    this.finalStop ??= (async () => {
      try {
        await this.terminate(opts)
      } finally {
        this.removeTempDir()
      }
    })()
    return this.finalStop
  }
}
