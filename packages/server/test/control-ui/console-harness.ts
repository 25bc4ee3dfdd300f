/**
 * The stack of test/helpers/harness.ts (an Express app with express-session, the proxy, the mock
 * gateway) with the Control UI on both sides: the mock's stand-in at `/clawchat/control` and the
 * proxy's `controlUi` at the same path. Helpers for plain HTTP (raw paths, not normalised the way
 * `fetch` would) and for console sockets.
 */
import { request, type IncomingMessage } from 'node:http'
import { startHarness, openTestClient, type Harness, type HarnessOptions, type TestClient } from '../helpers/harness.js'
import type { ClawChatProxyOptions } from '../../src/index.js'

export const CONSOLE_PATH = '/clawchat/control'

/**
 * The build id the page sends in its `connect` (and the gateway expects from the Control UI): the
 * page's `data-openclaw-control-ui-build-id` without its trailing `-<64 hex>` asset hash, as the real
 * UI does (the attribute's long form is refused by the gateway's schema).
 */
export async function pageBuildId(h: Harness, cookie: string): Promise<string> {
  const page = await httpGet(h, `${CONSOLE_PATH}/`, { cookie, accept: 'text/html' })
  const id = /data-openclaw-control-ui-build-id="([^"]+)-[0-9a-f]{64}"/.exec(page.body)?.[1]
  if (!id) throw new Error(`no build id in the page: ${page.status} ${page.body.slice(0, 200)}`)
  return id
}

/** Starts the stack with the console on (`controlUi` options merged over `{ path: '/clawchat/control' }`). */
export function startConsoleHarness(
  controlUi: Partial<Exclude<ClawChatProxyOptions['controlUi'], false | undefined>> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  return startHarness({
    ...options,
    gateway: { controlUi: { basePath: CONSOLE_PATH }, ...options.gateway },
    proxy: { ...options.proxy, controlUi: { path: CONSOLE_PATH, ...controlUi } },
  })
}

/** A plain HTTP answer. */
export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Sends a request with this exact raw path (no normalisation) and resolves with the answer. */
export function httpGet(
  h: Harness,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawAnswer> {
  const { port } = new URL(h.baseUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => readAnswer(res, resolve))
    req.on('error', reject)
    req.end()
  })
}

/** Opens a console socket at `path` with these headers (the session cookie), resolves once open. */
export function openConsole(h: Harness, headers: Record<string, string>, path = CONSOLE_PATH): Promise<TestClient> {
  return openTestClient(`${h.wsUrl.replace(/\/clawchat$/, '')}${path}`, h.clients, headers)
}

/**
 * What the real Control UI sends on `connect.challenge` (recorded by the lead on 2026.9.6), with a
 * fake `auth.token` and a fake device of the page's own: both must be ignored by the proxy.
 */
export function pageConnectParams(buildId: string): Record<string, unknown> {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: {
      id: 'openclaw-control-ui',
      version: '2026.9.6',
      buildId,
      platform: 'Linux x86_64',
      mode: 'webchat',
      instanceId: 'page-instance-1',
      timeZone: 'UTC',
    },
    role: 'operator',
    scopes: ['operator.read'],
    caps: ['model-catalog-snapshot', 42],
    auth: { token: 'page-fake-token-1234' },
    device: { id: 'page-device', publicKey: 'x', signature: 'y', signedAt: 1, nonce: 'z' },
  }
}

/**
 * Logs `user` in, opens the console (at `path`, default the prefix itself), answers the challenge
 * like the page; resolves with the socket and the answer.
 */
export async function consoleAs(
  h: Harness,
  user: { id: string; role?: 'user' | 'admin' },
  path = CONSOLE_PATH,
): Promise<{ page: TestClient; hello: Record<string, any>; cookie: string }> {
  const cookie = await h.login(user)
  const buildId = await pageBuildId(h, cookie)
  const page = await openConsole(h, { cookie, origin: h.baseUrl }, path)
  await page.waitForEvent('connect.challenge')
  const hello = await page.request('connect', pageConnectParams(buildId))
  return { page, hello, cookie }
}

/** Reads a whole HTTP answer and resolves with it. */
function readAnswer(res: IncomingMessage, resolve: (answer: RawAnswer) => void): void {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () =>
    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
  )
}

/** The audit lines so far, parsed. */
export function auditLines(h: Harness): Array<Record<string, any>> {
  return h.capture.audit.map((l) => JSON.parse(l) as Record<string, any>)
}

/** Sends an upgrade request with this exact raw path and resolves with the HTTP answer (101: body ''). */
export function rawUpgrade(h: Harness, rawPath: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { port } = new URL(h.baseUrl)
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: rawPath,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: '' })
    })
    req.on('response', (res) => readAnswer(res, resolve))
    req.on('error', reject)
    req.end()
  })
}
