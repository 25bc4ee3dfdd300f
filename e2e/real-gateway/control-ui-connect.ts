// Raw connections to the real gateway shaped like its own Control UI (`openclaw-control-ui`/`webchat`,
// device-signed, an Origin header), for the facts ClawChat's console (issue 21) rests on.
import { sign } from 'node:crypto'
import { buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client'
import { newTestDevice, type TestDevice } from './device-connect.js'
import { RawWs } from './raw-ws.js'

/** Where the suites serve the Control UI (`gateway.controlUi.basePath`) and ClawChat's `controlUi.path`. */
export const CONTROL_UI_BASE_PATH = '/clawchat/control'

/** The gateway config keys that put the Control UI under `CONTROL_UI_BASE_PATH`. */
export const CONTROL_UI_CONFIG = { gateway: { controlUi: { basePath: CONTROL_UI_BASE_PATH } } } as const

/** The scopes the real Control UI asks for (its connect frame, 2026.9.6). */
export const CONSOLE_SCOPES = [
  'operator.admin',
  'operator.read',
  'operator.write',
  'operator.approvals',
  'operator.questions',
  'operator.pairing',
] as const

export interface ControlUiConnectOptions {
  /** `http://127.0.0.1:<port>` of the gateway. */
  gatewayOrigin: string
  /** The upgrade path (default `CONTROL_UI_BASE_PATH`). */
  path?: string
  /** Put into `auth.token` and the device signature; omitted = no `auth` field. */
  token?: string
  /** The upgrade's Origin header; `null` sends none (default: `gatewayOrigin`). */
  origin?: string | null
  /** Extra upgrade headers. */
  headers?: Record<string, string>
  /** `client.buildId`; `null` leaves it out. */
  buildId: string | null
  /** Sign with this device; `null` sends no `device` (default: a new one). */
  device?: TestDevice | null
  /** Fields merged over the client block. */
  client?: Record<string, string>
}

/** The socket and the `connect` answer (check `hello.ok`). */
export interface ControlUiConnection {
  ws: RawWs
  hello: Record<string, any>
  device: TestDevice | null
}

/**
 * Opens a socket, waits for the challenge and sends the `connect` a Control UI page sends, plus `auth`
 * and a device signature when asked. Resolves with whatever answer came.
 *
 * @example
 * const { ws, hello } = await controlUiConnect({ gatewayOrigin, token, buildId: gwBuildId })
 * expect(hello.payload.auth.deviceToken).toBeTruthy()
 */
export async function controlUiConnect(opts: ControlUiConnectOptions): Promise<ControlUiConnection> {
  const origin = opts.origin === undefined ? opts.gatewayOrigin : opts.origin
  const headers: Record<string, string> = { ...opts.headers }
  if (origin !== null) headers.origin = origin
  const wsUrl = `${opts.gatewayOrigin.replace(/^http/, 'ws')}${opts.path ?? CONTROL_UI_BASE_PATH}`
  const ws = await RawWs.open(wsUrl, { headers })
  const challenge = await ws.waitFor((f) => f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const client: Record<string, string> = {
    id: 'openclaw-control-ui',
    version: '2026.9.6',
    platform: 'Linux x86_64',
    mode: 'webchat',
    ...(opts.buildId === null ? {} : { buildId: opts.buildId }),
    ...opts.client,
  }
  const scopes = [...CONSOLE_SCOPES]
  const params: Record<string, unknown> = { minProtocol: 4, maxProtocol: 4, client, role: 'operator', scopes, caps: [] }
  if (opts.token !== undefined) params.auth = { token: opts.token }
  const device = opts.device === undefined ? newTestDevice() : opts.device
  if (device) {
    const nonce = String(challenge.payload.nonce)
    const signedAt = Date.now()
    const payload = buildDeviceAuthPayloadV3({
      deviceId: device.id,
      clientId: String(client.id),
      clientMode: String(client.mode),
      role: 'operator',
      scopes,
      signedAtMs: signedAt,
      token: opts.token ?? '',
      nonce,
      platform: client.platform,
    })
    const signature = sign(null, Buffer.from(payload, 'utf8'), device.privateKey).toString('base64url')
    params.device = { id: device.id, publicKey: device.publicKey, signature, signedAt, nonce }
  }
  const hello = await ws.request('connect', params, { timeoutMs: 20_000 })
  return { ws, hello, device }
}

/**
 * Resolves with the HTTP status (and body) of a WebSocket upgrade that was refused, or with
 * `first: <the first frame>` when it opened.
 *
 * @example
 * expect(await upgradeOutcome('ws://127.0.0.1:1234/browser/screencast?token=x', {})).toEqual({ status: 401 })
 */
export async function upgradeOutcome(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number } | { first: Record<string, any> | undefined }> {
  let ws: RawWs
  try {
    ws = await RawWs.open(url, { headers })
  } catch (err) {
    const m = /HTTP (\d+)/.exec(err instanceof Error ? err.message : String(err))
    if (m) return { status: Number(m[1]) }
    throw err
  }
  try {
    return { first: await ws.waitFor(() => true, 5000, 'a first frame') }
  } finally {
    ws.terminate()
  }
}

/**
 * The build id a Control UI page sends in `connect`: the page's `data-openclaw-control-ui-build-id`
 * without its trailing `-<64 hex>` asset hash (the real UI strips it; the long form is refused).
 *
 * @example
 * const buildId = await pageBuildId(`${app.baseUrl}${CONTROL_UI_BASE_PATH}/`, { cookie })
 */
export async function pageBuildId(pageUrl: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(pageUrl, { headers: { accept: 'text/html', ...headers } })
  const html = await res.text()
  const id = /data-openclaw-control-ui-build-id="([^"]+)-[0-9a-f]{64}"/.exec(html)?.[1]
  if (!id) throw new Error(`no build id in the page at ${pageUrl}: ${res.status} ${html.slice(0, 200)}`)
  return id
}

/**
 * Opens the console THROUGH a ClawChat app as a signed-in page would (the app's cookie and Origin, a
 * page-shaped `connect` with no `auth` and no `device`: ClawChat replaces it with its own) and resolves
 * with the socket and the hello the app handed back.
 *
 * @example
 * const { ws, hello } = await consoleThroughApp(app.baseUrl, await app.login({ id: 'root', role: 'admin' }))
 * await ws.request('browser.request', { method: 'GET', path: '/tabs' })
 */
export async function consoleThroughApp(
  appOrigin: string,
  cookie: string,
): Promise<{ ws: RawWs; hello: Record<string, any> }> {
  const buildId = await pageBuildId(`${appOrigin}${CONTROL_UI_BASE_PATH}/`, { cookie })
  const ws = await RawWs.open(`${appOrigin.replace(/^http/, 'ws')}${CONTROL_UI_BASE_PATH}`, {
    headers: { cookie, origin: appOrigin },
  })
  await ws.waitFor((f) => f.event === 'connect.challenge', 10_000, 'connect.challenge')
  const client = { id: 'openclaw-control-ui', version: '2026.9.6', buildId, platform: 'Linux x86_64', mode: 'webchat' }
  const params = { minProtocol: 4, maxProtocol: 4, client, role: 'operator', scopes: [...CONSOLE_SCOPES], caps: [] }
  const hello = await ws.request('connect', params, { timeoutMs: 20_000 })
  return { ws, hello }
}
