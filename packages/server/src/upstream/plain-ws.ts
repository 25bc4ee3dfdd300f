/**
 * `@openclaw/gateway-client` refuses plain `ws://` to any host that is not loopback, a private
 * address, `*.local` or `*.ts.net` (credentials and chats would cross the network in clear), unless
 * `OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1`. ClawChat checks the same rule at start-up so that a user
 * gets an explanation instead of a stack trace from deep inside the link.
 */
import { isIP } from 'node:net'

function ipv4Private(host: string): boolean {
  const parts = host.split('.').map(Number)
  const [a = -1, b = -1] = parts
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  )
}

function ipv6Private(host: string): boolean | null {
  const h = host.toLowerCase()
  if (h === '::1') return true
  if (/^f[cd][0-9a-f]{0,2}:/.test(h)) return true // fc00::/7 unique local
  if (/^fe[89ab][0-9a-f]?:/.test(h)) return true // fe80::/10 link local
  if (/^fe[c-f][0-9a-f]?:/.test(h)) return true // fec0::/10 site local (deprecated)
  if (h.includes('.') || h.startsWith('::ffff:')) return null // mapped forms: let the client decide
  return false
}

/**
 * Why `url` would be refused as plaintext, or `null` when it is fine (or when only the client
 * itself can tell).
 *
 * @example
 * plainWsProblem('ws://gateway-server:18789', {}) // 'plain ws:// to "gateway-server" ...'
 */
export function plainWsProblem(url: string, env: NodeJS.ProcessEnv = process.env): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'ws:') return null
  const rawHost = parsed.hostname.toLowerCase().replace(/\.+$/, '')
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost
  const allowPrivate = env.OPENCLAW_ALLOW_INSECURE_PRIVATE_WS === '1'
  const kind = isIP(host)
  let refused: boolean
  if (kind === 4) refused = !ipv4Private(host)
  else if (kind === 6) {
    const priv = ipv6Private(host)
    if (priv === null) return null
    refused = !priv
  } else {
    const trusted = host === 'localhost' || host.endsWith('.local') || host.endsWith('.ts.net')
    refused = !trusted && !allowPrivate
  }
  if (!refused) return null
  return (
    `plain ws:// to "${host}" is refused by @openclaw/gateway-client: the token and every chat would cross` +
    ' the network unencrypted. Use a wss:// URL (TLS in front of the gateway), or keep the gateway on' +
    ' loopback and reach it through an SSH tunnel or Tailscale' +
    (kind === 0
      ? '; on a trusted private network only, set OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 in the environment to allow it.'
      : '; a public IP address is never allowed over plain ws://.')
  )
}
