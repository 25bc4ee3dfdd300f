/**
 * Issue 16.2: with `proxy.attach(server)`, an upgrade to any other path used to hang forever (Node
 * destroys unhandled upgrades only while no 'upgrade' listener exists, and the proxy is one): a
 * thousand anonymous sockets exhaust a default `ulimit -n`. Now an upgrade that no other listener
 * takes (writes to, listens on, destroys) within `destroyUpgradeTimeoutMs` is answered 404 and
 * destroyed — engine.io's `destroyUpgrade` convention — while other WebSocket servers on the same
 * HTTP server keep working, slow ones included.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { resolveOptions } from '../src/gate/options.js'
import { startHarness, waitFor, type Harness } from './helpers/harness.js'

let h: Harness | undefined
const sockets: Socket[] = []
const servers: WebSocketServer[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const wss of servers.splice(0)) wss.close()
  await h?.close()
  h = undefined
})

/** A raw client that sends one upgrade request and records what it gets back and when it closes. */
interface RawUpgrade {
  socket: Socket
  received: () => string
  closed: Promise<number>
  closedAt: number | undefined
}

function rawUpgrade(port: number, path: string, before = ''): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    sockets.push(socket)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => undefined)
    const raw: RawUpgrade = {
      socket,
      received: () => Buffer.concat(chunks).toString('latin1'),
      closedAt: undefined,
      closed: new Promise((done) =>
        socket.once('close', () => {
          raw.closedAt = Date.now()
          done(raw.closedAt)
        }),
      ),
    }
    socket.once('connect', () => {
      socket.write(
        before +
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      )
      resolve(raw)
    })
    socket.once('error', reject)
  })
}

function portOf(harness: Harness): number {
  return Number(new URL(harness.baseUrl).port)
}

/** A second WebSocket server on the app's HTTP server, for `path` only (as Vite HMR or an app's own would be). */
function otherWebSocketServer(
  harness: Harness,
  path: string,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
  prepend = false,
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, ...options })
  servers.push(wss)
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${data.toString()}`)))
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url === path) wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  }
  if (prepend) harness.server.prependListener('upgrade', listener)
  else harness.server.on('upgrade', listener)
  return wss
}

/**
 * Resolves once an upgrade to an unknown path, sent now, has been answered 404: by then the
 * proxy's timeout has passed for every upgrade that reached the server before it (same timeout,
 * armed earlier).
 */
async function timeoutPassed(harness: Harness): Promise<void> {
  const raw = await rawUpgrade(portOf(harness), '/timeout-barrier')
  await raw.closed
  expect(raw.received()).toMatch(/^HTTP\/1\.1 404 /)
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(data.toString()))
    ws.send(text)
  })
}

describe('upgrades nobody handles', () => {
  it('are answered 404 and closed after destroyUpgradeTimeoutMs, for every path that is not the proxy’s', async () => {
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 300 } })
    const port = portOf(h)
    for (const path of ['/', '/x', '/CLAWCHAT', '/clawchat/x', '//clawchat', '/clawchat/session', '/clawchatx']) {
      const sent = Date.now()
      const raw = await rawUpgrade(port, path)
      const closedAt = await Promise.race([
        raw.closed,
        new Promise<number>((_, reject) =>
          setTimeout(() => reject(new Error(`${path}: still open after 10 s`)), 10_000),
        ),
      ])
      expect(raw.received(), path).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/)
      expect(raw.received(), path).toMatch(/Connection: close/)
      // Other listeners had their chance first (generous margins: 2 busy cores).
      expect(closedAt - sent, path).toBeGreaterThanOrEqual(250)
      expect(closedAt - sent, path).toBeLessThan(5000)
    }
    // The proxy's own path is still the proxy's.
    expect(await h.upgradeStatus(undefined)).toBe(401)
    expect(await h.upgradeStatus(await h.login({ id: 'alice' }))).toBe(101)
  })

  it('closes 300 anonymous upgrades to another path promptly with the default timeout (1000 ms)', async () => {
    h = await startHarness()
    const port = portOf(h)
    const count = 300
    const started = Date.now()
    const raws: RawUpgrade[] = []
    for (let i = 0; i < count; i += 10)
      raws.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => rawUpgrade(port, `/x${i + j}`)))))
    const opened = Date.now()
    await waitFor(
      () => raws.every((r) => r.closedAt !== undefined),
      20_000,
      `all ${count} sockets to be closed (closed so far: ${raws.filter((r) => r.closedAt).length})`,
    )
    const last = Math.max(...raws.map((r) => r.closedAt!))
    console.log(
      `[measure] ${count} unhandled upgrades: opened in ${opened - started} ms, all closed ${last - started} ms after the first was sent (destroyUpgradeTimeoutMs 1000)`,
    )
    expect(raws.filter((r) => /^HTTP\/1\.1 404 /.test(r.received())).length).toBe(count)
    expect(last - opened).toBeLessThan(10_000)
  }, 40_000)

  it('answers an upgrade that follows a plain request on the same keep-alive connection', async () => {
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 200 } })
    const port = portOf(h)
    const raw = await rawUpgrade(port, '/x', `GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await raw.closed
    expect(raw.received()).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*HTTP\/1\.1 404 Not Found\r\n/)
  })

  it('answers one behind a slow request pipelined on the same connection (whose response writes later)', async () => {
    const { clawchatProxy } = await import('../src/index.js')
    const tmp = mkdtempSync(join(tmpdir(), 'clawchat-pipelined-'))
    // The proxy's timeout runs on a fake clock; the sockets are real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    let answerSlow: (() => void) | undefined
    const server = createServer((_req, res) => void (answerSlow = () => res.end('slow answer')))
    const slowArrived = new Promise<void>((arrived) => server.once('request', () => arrived()))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const proxy = clawchatProxy({
      gateway: { url: 'ws://127.0.0.1:9', token: 'tok-pipelined', identityPath: join(tmp, 'identity.json') },
      authenticate: () => null,
      destroyUpgradeTimeoutMs: 200,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    }).attach(server)
    const upgradeArrived = new Promise<void>((arrived) => server.once('upgrade', () => arrived()))
    try {
      const port = (server.address() as AddressInfo).port
      const raw = await rawUpgrade(port, '/x', `GET /slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
      await Promise.all([slowArrived, upgradeArrived])
      // The timeout passes while the slow response is still unwritten; it is written only then.
      await vi.advanceTimersByTimeAsync(200)
      answerSlow?.()
      await raw.closed
      expect(raw.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*slow answer[\s\S]*HTTP\/1\.1 404 Not Found\r\n/)
    } finally {
      vi.useRealTimers()
      await proxy.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('leaves them alone with destroyUpgradeTimeoutMs: 0', async () => {
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 0 } })
    // Whatever timer the proxy might arm runs on a fake clock, which the test moves well past the default.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const held: Duplex[] = []
    const arrived = new Promise<void>((resolve) =>
      h!.server.on('upgrade', (_req, socket: Duplex) => {
        held.push(socket)
        resolve()
      }),
    )
    const raw = await rawUpgrade(portOf(h), '/x')
    await arrived
    await vi.advanceTimersByTimeAsync(10_000)
    // Nothing was written to the socket nor was it ended, on the server's side …
    expect(held[0]?.destroyed).toBe(false)
    expect(held[0]?.writableEnded).toBe(false)
    expect((held[0] as Socket | undefined)?.bytesWritten).toBe(0)
    vi.useRealTimers()
    // … and the client's socket is still open, with nothing received.
    expect(raw.closedAt).toBeUndefined()
    expect(raw.received()).toBe('')
    // Such a socket is the app's to end (a paused, unanswered socket would even hold up server.close()).
    for (const socket of held) socket.destroy()
  })
})

describe('other upgrade handlers on the same server', () => {
  it('keep working: a second ws server, attached after or before the proxy, and its sockets outlive the timeout', async () => {
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 200 } })
    otherWebSocketServer(h, '/after')
    otherWebSocketServer(h, '/before', {}, true)
    const base = h.baseUrl.replace('http', 'ws')
    const after = await openWs(`${base}/after`)
    const before = await openWs(`${base}/before`)
    const clawchat = await h.connectAs({ id: 'alice' })
    // Past the timeout (an unknown path on the same server is answered), everything still works.
    await timeoutPassed(h)
    expect(await echo(after, 'a')).toBe('echo:a')
    expect(await echo(before, 'b')).toBe('echo:b')
    expect((await clawchat.request('chat.history', {})).ok).toBe(true)
    after.close()
    before.close()
  })

  it('may take longer than the timeout once they hold the socket (an async verifyClient)', async () => {
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 150 } })
    const harness = h
    // The other server decides only once the proxy's timeout has passed for its upgrade.
    otherWebSocketServer(h, '/slow', {
      verifyClient: (_info: unknown, done: (ok: boolean) => void) =>
        void timeoutPassed(harness).then(
          () => done(true),
          () => done(false),
        ),
    })
    const ws = await openWs(`${h.baseUrl.replace('http', 'ws')}/slow`)
    expect(await echo(ws, 'late')).toBe('echo:late')
    ws.close()
  })

  it('a second ClawChat proxy on the same server keeps its slow upgrades', async () => {
    // The second proxy's session store answers after the first proxy's timeout.
    h = await startHarness({ proxy: { destroyUpgradeTimeoutMs: 150 } })
    const harness = h
    const { clawchatProxy } = await import('../src/index.js')
    const second = clawchatProxy({
      gateway: { url: 'ws://127.0.0.1:9', token: 'tok-second-proxy', identityPath: `${h.tmp}/second/identity.json` },
      path: '/second',
      authenticate: async () => {
        await timeoutPassed(harness)
        return { id: 'bob' }
      },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    })
    try {
      second.attach(h.server)
      const ws = new WebSocket(`${h.baseUrl.replace('http', 'ws')}/second`)
      const opened = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'))
        ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`))
        ws.once('error', (error) => resolve(`error ${error.message}`))
      })
      expect(opened).toBe('open')
      ws.terminate()
    } finally {
      await second.close()
    }
  })
})

describe('destroyUpgradeTimeoutMs', () => {
  it('is validated at construction', () => {
    const base = { gateway: { token: 't' }, authenticate: () => null }
    expect(resolveOptions(base).destroyUpgradeTimeoutMs).toBe(1000)
    expect(resolveOptions({ ...base, destroyUpgradeTimeoutMs: 0 }).destroyUpgradeTimeoutMs).toBe(0)
    for (const bad of [-1, 1.5, '1000', null, Number.POSITIVE_INFINITY]) {
      expect(() => resolveOptions({ ...base, destroyUpgradeTimeoutMs: bad }), String(bad)).toThrow(
        /option "destroyUpgradeTimeoutMs" must be/,
      )
    }
  })
})
