/**
 * A real `redis-server` for the coordination tests: Debian's binary (or `CLAWCHAT_REDIS_SERVER`),
 * on 127.0.0.1 and a free port, without persistence (`--save '' --appendonly no`), in its own temp
 * dir. `stop()` and `start()` take it away and bring it back on the same port (an outage);
 * `close()` stops it for good. A missing binary is an error that says how to install it — the
 * tests fail, they are never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where the tests look for redis-server. */
export const REDIS_SERVER = process.env.CLAWCHAT_REDIS_SERVER ?? '/usr/bin/redis-server'

/** A running (or stopped) redis-server started by a test. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Its working directory (where `SAVE` writes `dump.rdb`, read back by `start()`). */
  readonly dir: string
  readonly running: boolean
  /** Stops the process (SIGTERM; SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** Stops it and removes its directory. */
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

function spawnServer(port: number, dir: string, extraArgs: readonly string[]): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
    ...extraArgs,
  ]
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start within 10 s on port ${port}: ${output.slice(-500)}`)),
      10_000,
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve(child)
      }
    }
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(error)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) =>
      fail(new Error(`redis-server exited with code ${code} on port ${port}: ${output.slice(-500)}`)),
    )
    child.once('error', fail)
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Starts redis-server on a free loopback port. Always `close()` it (afterAll).
 *
 * @example
 * const redis = await startRedisServer()
 * const client = await createClient({ url: redis.url }).connect()
 * await redis.stop(); await redis.start() // an outage
 * await redis.close()
 */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `redis-server is missing at ${REDIS_SERVER}: the coordination tests need a real one. Run "node scripts/ensure-debian-package.mjs redis-server /usr/bin/redis-server" ` +
        `(installs Debian's redis-server when run as root; otherwise: sudo apt-get install -y redis-server), or set CLAWCHAT_REDIS_SERVER to its path.`,
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'clawchat-redis-'))
  let child: ChildProcess | null = null
  let port = 0
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort()
    try {
      child = await spawnServer(port, dir, extraArgs)
      break
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null
    },
    async stop() {
      if (child) await stopChild(child)
      child = null
    },
    async start() {
      if (server.running) return
      // The port was just freed; another process could take it, but nothing else on this loopback-only
      // machine binds ports at random but the tests, each on their own.
      child = await spawnServer(port, dir, extraArgs)
    },
    async close() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}
