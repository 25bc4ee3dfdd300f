/**
 * Which peers may speak for the browser through `X-Forwarded-*` headers — the same values, and the
 * same meaning, as Express's `trust proxy` setting, compiled with `proxy-addr` as Express does.
 */
import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'

/** Decides whether the peer at `address`, `hop` proxies away from this server, is trusted. */
export type TrustFn = (address: string, hop: number) => boolean

/**
 * What option `trustProxy` takes, as Express's `trust proxy` does: `true` (every peer), `false`
 * (none), a number of hops, addresses or subnets (`'loopback'`, `'10.0.0.0/8, 127.0.0.1'`, an array
 * of them), or a function.
 *
 * @example
 * clawchatProxy({ …, trustProxy: 'loopback' })   // nginx on the same host
 */
export type TrustProxyOption = boolean | number | string | readonly string[] | TrustFn

/**
 * Compiles a `trustProxy` value like Express's `compileTrust`; throws a `TypeError` that names
 * `option` and says what was wrong (an address `proxy-addr` cannot read, a negative hop count, …).
 *
 * @example
 * compileTrust('loopback', 'trustProxy')('127.0.0.1', 0) // true
 */
export function compileTrust(value: unknown, option: string): TrustFn {
  if (typeof value === 'function') return value as TrustFn
  if (value === true) return () => true
  if (value === false) return () => false
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0)
      throw new TypeError(
        `clawchatProxy: option "${option}" as a number must be a count of hops (0 or more), got ${value}`,
      )
    return (_address, hop) => hop < value
  }
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new TypeError(
      `clawchatProxy: option "${option}" must be true, false, a number of hops, addresses or subnets ` +
        `("loopback", "10.0.0.0/8") or a function, as Express's "trust proxy" takes`,
    )
  }
  try {
    return proxyaddr.compile(list as string[])
  } catch (error) {
    throw new TypeError(
      `clawchatProxy: option "${option}": ${(error as Error).message} ` +
        '(use addresses, subnets, or "loopback", "linklocal", "uniquelocal")',
      { cause: error },
    )
  }
}

/**
 * The browser's address: the socket's peer or, through trusted proxies, the nearest untrusted hop of
 * `X-Forwarded-For` counted from the right (what Express's `req.ip` says). The leftmost entry is
 * whatever the browser wrote, so it is never taken on trust.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFn | undefined): string | undefined {
  let address: string | undefined
  try {
    address = trust ? proxyaddr(req, trust) : req.socket.remoteAddress
  } catch {
    address = req.socket.remoteAddress
  }
  return address ? address.slice(0, 64) : undefined
}

/**
 * The trust the proxy judges `X-Forwarded-*` by: option `trustProxy` when given, else Express's own
 * `trust proxy` setting, read off the first request the middleware sees in an Express app.
 *
 * @example
 * const trust = new ProxyTrust(opts.trustProxy)
 * trust.learnFrom(req) // in the middleware
 * clientAddress(req, trust.fn) // in the upgrade
 */
export class ProxyTrust {
  private learned: TrustFn | undefined

  constructor(private readonly option: TrustFn | undefined) {}

  /** The trust function in force, or `undefined`: no peer speaks for the browser. */
  get fn(): TrustFn | undefined {
    return this.option ?? this.learned
  }

  /** Learns Express's compiled `trust proxy` setting from a request of its app (once). */
  learnFrom(req: IncomingMessage): void {
    if (this.learned) return
    const app = (req as { app?: { get?: (name: string) => unknown } }).app
    if (typeof app?.get !== 'function') return
    const fn = app.get('trust proxy fn')
    if (typeof fn === 'function') this.learned = fn as TrustFn
  }

  /** Does the peer of `req` (hop 0) speak for the browser, by the option or by Express's setting? */
  trustsPeer(req: IncomingMessage): boolean {
    const trust = this.fn
    if (!trust) return false
    try {
      return trust(req.socket.remoteAddress ?? '', 0)
    } catch {
      return false
    }
  }
}
