/**
 * What the recipe tests share (not part of any recipe): the mock gateway, an app served on
 * 127.0.0.1 port 0 with the proxy attached, a chat through `@clawchat/client` in Node with the
 * login's cookie or header on the upgrade, and the HTTP status of an upgrade. Each test closes what
 * it started.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { ClawChat, type ClawChatOptions } from '@clawchat/client'
import { echoAgent, startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import type { ClawChatProxy, GatewayOptions } from '@clawchat/server'

/** A mock gateway and the `gateway` option that reaches it (identity file in a temp dir). */
export interface TestGateway {
  gateway: GatewayOptions
  mock: MockGateway
  close(): Promise<void>
}

/** Starts the mock gateway with the echo agent (`ECHO<<message>>`). */
export async function startGateway(): Promise<TestGateway> {
  const token = `tok-${randomUUID()}`
  const tmp = mkdtempSync(join(tmpdir(), 'clawchat-examples-'))
  const mock = await startMockGateway({ token, port: 0, host: '127.0.0.1', agent: echoAgent, chunkDelayMs: 1 })
  return {
    gateway: { url: `ws://127.0.0.1:${mock.port}`, token, identityPath: join(tmp, 'identity.json') },
    mock,
    async close() {
      await mock.close()
      rmSync(tmp, { recursive: true, force: true })
    },
  }
}

/** An app on 127.0.0.1 with the proxy attached to its server. */
export interface RunningApp {
  baseUrl: string
  wsUrl: string
  proxy: ClawChatProxy
  close(): Promise<void>
}

/**
 * Serves the app that `build` makes for its own base URL (an OpenID redirect URI needs the port
 * before the app exists), and attaches its proxy to the server.
 */
export async function serveApp(
  build: (baseUrl: string) => Promise<{ app: RequestListener; proxy: ClawChatProxy }>,
): Promise<RunningApp> {
  const server: Server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { app, proxy } = await build(baseUrl)
  server.on('request', app)
  proxy.attach(server)
  return {
    baseUrl,
    wsUrl: `${baseUrl.replace('http:', 'ws:')}/clawchat`,
    proxy,
    async close() {
      await proxy.close()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/** Tries an upgrade with these headers: 101, or the status it was refused with. */
export function upgradeStatus(wsUrl: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('open', () => {
      resolve(101)
      ws.close()
    })
    ws.once('error', reject)
  })
}

/** A `ws` WebSocket class that sends these headers (a Cookie, an Authorization) with the upgrade. */
function wsWithHeaders(headers: Record<string, string>): ClawChatOptions['WebSocket'] {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers })
    }
  }
}

/**
 * Connects as a Node client carrying `headers` on the upgrade (and on `GET /clawchat/session`),
 * sends one message and waits for the whole reply: the user the proxy saw, and the reply's text.
 */
export async function chatOnce(wsUrl: string, headers: Record<string, string>, message: string) {
  const chat = new ClawChat({
    url: wsUrl,
    WebSocket: wsWithHeaders(headers),
    fetch: (url, init) => fetch(url, { ...init, headers }),
  })
  try {
    await chat.ready
    let reply = ''
    for await (const part of chat.stream(message)) if (part.state === 'final') reply = part.text
    return { user: chat.user, reply }
  } finally {
    chat.close()
  }
}

/** The `name=value` of the first Set-Cookie of a response. */
export function cookieOf(res: Response): string {
  const cookie = res.headers.get('set-cookie')?.split(';')[0]
  if (!cookie) throw new Error(`no cookie in the answer (${res.status})`)
  return cookie
}

/** A logger that keeps the proxy's lines (message and fields, as JSON) for the test to read, quietly. */
export function captureLog() {
  const lines: string[] = []
  const write = (level: string) => (fields: object, message?: string) =>
    void lines.push(JSON.stringify({ level, message, ...fields }))
  return { lines, logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') } }
}
