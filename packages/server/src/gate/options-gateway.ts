/**
 * Option `gateway`: the URL (ws:// or wss://, and no plain ws:// the gateway client would refuse),
 * the token (never echoed in an error), the device identity's path and the request timeout.
 */
import { DEFAULT_IDENTITY_PATH } from '../upstream/device-identity.js'
import { plainWsProblem } from '../upstream/plain-ws.js'
import { NAME, bad, integerOption, rejectUnknown } from './options-check.js'

/** The default gateway URL: a gateway on this machine, on its default port. */
export const DEFAULT_GATEWAY_URL = 'ws://127.0.0.1:18789'
/** The default upstream request timeout, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/** The upstream gateway. */
export interface GatewayOptions {
  /** `ws://` or `wss://` URL of the gateway. Default `ws://127.0.0.1:18789`. */
  url?: string
  /** The gateway's token (e.g. `process.env.OPENCLAW_GATEWAY_TOKEN`). Required; never leaves the server. */
  token: string
  /** Where the proxy's Ed25519 device identity lives. Default `.clawchat/identity.json` (mode 0600). */
  identityPath?: string
  /** How long an upstream request may take, in ms. Default 30000. */
  requestTimeoutMs?: number
}

/** Option `gateway` after validation. */
export interface ResolvedGateway {
  url: string
  token: string
  identityPath: string
  requestTimeoutMs: number
}

function gatewayUrl(value: unknown): string {
  const url = value === undefined ? DEFAULT_GATEWAY_URL : value
  if (typeof url !== 'string' || !/^wss?:\/\/[^/\s]/i.test(url))
    throw bad('gateway.url', 'must be a ws:// or wss:// URL', url)
  try {
    new URL(url)
  } catch {
    throw bad('gateway.url', 'must be a ws:// or wss:// URL', url)
  }
  const insecure = plainWsProblem(url)
  if (insecure) throw new TypeError(`${NAME}: option "gateway.url": ${insecure}`)
  return url
}

function gatewayToken(token: unknown): string {
  if (typeof token === 'string' && token.trim().length > 0) return token
  // Never echo the value: it may be a real (if malformed) secret.
  const got =
    token === undefined
      ? 'undefined (is OPENCLAW_GATEWAY_TOKEN set?)'
      : typeof token === 'string'
        ? 'an empty string'
        : `a ${typeof token}`
  throw new TypeError(`${NAME}: option "gateway.token" must be the gateway's token as a non-empty string, got ${got}`)
}

/**
 * Validates option `gateway` and fills in its defaults; throws naming the bad field.
 *
 * @example
 * resolveGateway({ token: process.env.OPENCLAW_GATEWAY_TOKEN })
 * // { url: 'ws://127.0.0.1:18789', token, identityPath: '.clawchat/identity.json', requestTimeoutMs: 30000 }
 */
export function resolveGateway(value: unknown): ResolvedGateway {
  if (typeof value !== 'object' || value === null) throw bad('gateway', 'must be an object like { url, token }', value)
  const g = value as Record<string, unknown>
  rejectUnknown(g, ['url', 'token', 'identityPath', 'requestTimeoutMs'], 'gateway.')
  const url = gatewayUrl(g.url)
  const token = gatewayToken(g.token)
  const identityPath = g.identityPath === undefined ? DEFAULT_IDENTITY_PATH : g.identityPath
  if (typeof identityPath !== 'string' || identityPath.length === 0)
    throw bad('gateway.identityPath', 'must be a file path', identityPath)
  const requestTimeoutMs = integerOption(
    'gateway.requestTimeoutMs',
    g.requestTimeoutMs,
    DEFAULT_REQUEST_TIMEOUT_MS,
    (n) => n >= 100,
    'must be an integer number of ms, at least 100',
  )
  return { url, token, identityPath, requestTimeoutMs }
}
