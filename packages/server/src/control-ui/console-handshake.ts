/**
 * The console's handshake, in pure functions: the page's `connect` frame read (its `auth`,
 * `device`, `role` and `scopes` ignored), the `connect` the proxy sends upstream in its place (the
 * Control UI's client id, the page's build, the fixed admin scopes, the token, the console's own
 * device signature over the gateway's nonce), and the hello the page gets back (no device token).
 */
import { buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client'
import { CLAWCHAT_VERSION } from '../version.js'
import { isRecord } from '../common/records.js'
import { publicKeyRawBase64UrlFromPem, signDevicePayload, type DeviceIdentity } from '../upstream/device-identity.js'

/** The scopes the console always asks for: the Control UI's own default set. */
export const CONSOLE_SCOPES = [
  'operator.admin',
  'operator.read',
  'operator.write',
  'operator.approvals',
  'operator.questions',
  'operator.pairing',
] as const

/** The client fields taken from the page's `connect` (strings of at most 200 characters). */
const PAGE_CLIENT_FIELDS = ['version', 'buildId', 'platform', 'instanceId', 'timeZone', 'deviceFamily'] as const

/** The longest client field or cap taken from the page. */
const MAX_FIELD = 200

/** The page's `connect`, as far as the proxy uses it. */
export interface PageConnect {
  id: string
  params: Record<string, unknown>
}

/**
 * Reads the page's first frame: its `connect`, or why it is not one.
 *
 * @example
 * readPageConnect('{"type":"req","id":"1","method":"connect","params":{}}') // { id: '1', params: {} }
 */
export function readPageConnect(text: string): PageConnect | { problem: string } {
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch {
    return { problem: 'the first frame must be JSON' }
  }
  if (!isRecord(frame) || frame.type !== 'req' || frame.method !== 'connect')
    return { problem: 'the first frame must be a connect request' }
  if (typeof frame.id !== 'string' || frame.id.length === 0 || frame.id.length > MAX_FIELD)
    return { problem: 'the connect request needs a string id' }
  return { id: frame.id, params: isRecord(frame.params) ? frame.params : {} }
}

function protocolBound(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 4
}

/** The upstream `client`: the Control UI's id and mode, the page's build and platform fields. */
function upstreamClient(pageParams: Record<string, unknown>): Record<string, string> {
  const page = isRecord(pageParams.client) ? pageParams.client : {}
  const client: Record<string, string> = { id: 'openclaw-control-ui', mode: 'webchat' }
  for (const field of PAGE_CLIENT_FIELDS) {
    const value = page[field]
    if (typeof value === 'string' && value.length <= MAX_FIELD) client[field] = value
  }
  client.version ??= CLAWCHAT_VERSION
  client.platform ??= 'web'
  return client
}

/**
 * The `connect` params the proxy sends upstream for a page.
 *
 * @example
 * upstreamConnectParams(page.params, { nonce, token, identity, now: Date.now() })
 */
export function upstreamConnectParams(
  pageParams: Record<string, unknown>,
  ctx: { nonce: string; token: string; identity: DeviceIdentity; now: number },
): Record<string, unknown> {
  const client = upstreamClient(pageParams)
  const caps = Array.isArray(pageParams.caps)
    ? pageParams.caps.filter((c): c is string => typeof c === 'string' && c.length <= MAX_FIELD)
    : []
  const scopes = [...CONSOLE_SCOPES]
  const payload = buildDeviceAuthPayloadV3({
    deviceId: ctx.identity.deviceId,
    clientId: client.id as string,
    clientMode: client.mode as string,
    role: 'operator',
    scopes,
    signedAtMs: ctx.now,
    token: ctx.token,
    nonce: ctx.nonce,
    platform: client.platform,
    deviceFamily: client.deviceFamily,
  })
  return {
    minProtocol: protocolBound(pageParams.minProtocol),
    maxProtocol: protocolBound(pageParams.maxProtocol),
    client,
    role: 'operator',
    scopes,
    caps,
    auth: { token: ctx.token },
    device: {
      id: ctx.identity.deviceId,
      publicKey: publicKeyRawBase64UrlFromPem(ctx.identity.publicKeyPem),
      signature: signDevicePayload(ctx.identity.privateKeyPem, payload),
      signedAt: ctx.now,
      nonce: ctx.nonce,
    },
  }
}

/**
 * Takes `auth.deviceToken` out of a `res` frame's payload (the console device's credential: it
 * never reaches the page); answers the token taken, if any.
 *
 * @example
 * const frame = { type: 'res', id: '1', ok: true, payload: { auth: { deviceToken: 'secret' } } }
 * stripDeviceToken(frame) // 'secret'; frame.payload.auth has no deviceToken now
 */
export function stripDeviceToken(frame: Record<string, unknown>): string | undefined {
  const payload = frame.payload
  if (!isRecord(payload) || !isRecord(payload.auth) || !('deviceToken' in payload.auth)) return undefined
  const token = payload.auth.deviceToken
  delete payload.auth.deviceToken
  return typeof token === 'string' ? token : undefined
}
