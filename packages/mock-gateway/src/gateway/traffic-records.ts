import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * One plain HTTP request the mock received (any path), for tests of what a proxy forwards.
 *
 * @example
 * const config = gateway.httpRequests().find((r) => r.path.endsWith('/control-ui-config.json'))
 * expect(config).toMatchObject({ authorized: true, hadCookie: false })
 */
export interface MockHttpRequestRecord {
  /** The request target as sent: path and query (`/clawchat/control/?x=1`). */
  path: string
  /** The `Origin` header, if any. */
  origin: string | undefined
  /** Whether it carried `Authorization: Bearer <the gateway token>`. */
  authorized: boolean
  /** Whether it carried a `Cookie` header. */
  hadCookie: boolean
}

/**
 * One WebSocket upgrade request the mock received (any path, refused or not), same fields as
 * {@link MockHttpRequestRecord}.
 *
 * @example
 * expect(gateway.upgradeRequests()).toContainEqual(
 *   expect.objectContaining({ path: '/clawchat/control', authorized: false, hadCookie: false }),
 * )
 */
export type MockUpgradeRequestRecord = MockHttpRequestRecord

/** Each record list keeps this many entries, dropping the oldest. */
const RECORD_LIMIT = 10_000

/** Whether `Authorization` is exactly `Bearer <token>` (compared in constant time). */
export function hasBearer(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token))
}

function recordOf(req: IncomingMessage, token: string): MockHttpRequestRecord {
  return {
    path: req.url ?? '',
    origin: typeof req.headers.origin === 'string' ? req.headers.origin : undefined,
    authorized: hasBearer(req, token),
    hadCookie: req.headers.cookie !== undefined,
  }
}

/** The HTTP and upgrade requests seen, kept across restarts (the token itself is never stored). */
export class TrafficRecords {
  readonly http: MockHttpRequestRecord[] = []
  readonly upgrades: MockUpgradeRequestRecord[] = []

  constructor(private readonly token: string) {}

  recordHttp(req: IncomingMessage): MockHttpRequestRecord {
    return push(this.http, recordOf(req, this.token))
  }

  recordUpgrade(req: IncomingMessage): MockUpgradeRequestRecord {
    return push(this.upgrades, recordOf(req, this.token))
  }
}

function push<T>(list: T[], record: T): T {
  list.push(record)
  if (list.length > RECORD_LIMIT) list.splice(0, list.length - RECORD_LIMIT)
  return record
}
