import { isIP } from 'node:net'

/**
 * Checks a gateway URL the way OpenClaw's gateway client will, so that a URL it would refuse is
 * explained at start-up instead of failing later with a stack trace: `wss://` always works; plain
 * `ws://` only for loopback, private and link-local addresses, `*.local` and `*.ts.net` — or for a
 * host name when `OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1` says the network is trusted.
 * @returns the URL as given
 * @throws Error with a sentence saying what to do.
 */
export function checkGatewayUrl(raw: string, env: NodeJS.ProcessEnv = process.env): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error(
      `gateway URL "${raw}" is not a URL: give one like ws://127.0.0.1:18789 or wss://gateway.example.com`,
    )
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`gateway URL "${raw}" must start with ws:// or wss:// (got ${url.protocol}//)`)
  }
  if (url.username || url.password) {
    throw new Error('gateway URL must not carry credentials: pass the token with -t / OPENCLAW_GATEWAY_TOKEN')
  }
  if (url.protocol === 'wss:' || isTrustedPlaintextHost(url.hostname)) return raw
  const host = unbracket(url.hostname)
  if (env.OPENCLAW_ALLOW_INSECURE_PRIVATE_WS === '1' && isIP(host) === 0) return raw
  throw new Error(
    `gateway URL ${url.protocol}//${url.host} uses plain ws:// to a host that is not loopback or private. ` +
      'OpenClaw refuses that: the token and every chat would cross the network unencrypted. ' +
      'Use wss:// (e.g. behind a TLS reverse proxy, or Tailscale Serve), or an SSH tunnel to a loopback port ' +
      '(ssh -N -L 18789:127.0.0.1:18789 user@gateway-host, then -g ws://127.0.0.1:18789). ' +
      (isIP(host) === 0
        ? 'On a trusted private network only, OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 allows ws:// to a host name.'
        : 'A public IP address over ws:// is never allowed.'),
  )
}

/** True for hosts where OpenClaw accepts plain ws://. */
export function isTrustedPlaintextHost(hostname: string): boolean {
  const host = unbracket(hostname.toLowerCase().trim().replace(/\.+$/, ''))
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host.endsWith('.local') || host.endsWith('.ts.net')) return true
  const kind = isIP(host)
  if (kind === 4) return isPrivateIPv4(host)
  if (kind === 6) return isPrivateIPv6(host)
  return false
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function isPrivateIPv4(ip: string): boolean {
  const [a = -1, b = -1] = ip.split('.').map(Number)
  return (
    a === 127 || // loopback
    a === 10 || // private
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) || // link-local
    (a === 100 && b >= 64 && b <= 127) // carrier-grade NAT (Tailscale)
  )
}

function isPrivateIPv6(ip: string): boolean {
  if (ip === '::1') return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)
  if (mapped?.[1]) return isPrivateIPv4(mapped[1])
  const first = parseInt(ip.split(':')[0] || '0', 16)
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xffc0) === 0xfec0 // deprecated site-local fec0::/10
  )
}
