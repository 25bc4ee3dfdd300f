import { hostname, release } from 'node:os'
import type { GatewayConnection } from './connection.js'
import { GATEWAY_VERSION, OWNER_PROFILE_ID } from '../fixtures/gateway-identity.js'

/**
 * The presence list (`hello-ok.snapshot.presence`, the `presence` event) in the recorded shape
 * (transcripts/matrix-device-*.jsonl): the gateway's own entry, then one entry per connected
 * device-signed client. Token-only clients are not listed (as recorded).
 */
export function buildPresence(opts: {
  instanceId: string
  host: string
  connections: Iterable<GatewayConnection>
  now: number
  schemaStrict: boolean
}): Record<string, unknown>[] {
  const self = {
    host: hostname(),
    ip: opts.host,
    version: GATEWAY_VERSION,
    platform: `${process.platform} ${release()}`,
    deviceFamily: process.platform === 'darwin' ? 'Mac' : process.platform === 'win32' ? 'Windows' : 'Linux',
    mode: 'gateway',
    reason: 'self',
    instanceId: opts.instanceId,
    text: `Gateway: ${hostname()} (${opts.host}) · app ${GATEWAY_VERSION} · mode gateway · reason self`,
    ts: opts.now,
  }
  const entries: Record<string, unknown>[] = [self]
  for (const conn of opts.connections) {
    const id = conn.identity
    if (!conn.isConnected || !id?.deviceId) continue
    const entry: Record<string, unknown> = {
      clientId: id.clientId,
      mode: id.clientMode,
      user: {
        id: OWNER_PROFILE_ID,
        identity: { type: 'profile', id: OWNER_PROFILE_ID },
        avatarUrl: `/api/users/${OWNER_PROFILE_ID}/avatar?v=${conn.openedAt}`,
      },
      onlineSince: conn.openedAt,
      roles: [id.role],
      scopes: [...id.scopes],
      ts: conn.openedAt,
      text: `Node: unknown · mode ${id.clientMode}`,
      host: id.clientId,
      version: id.clientVersion,
      platform: id.platform,
      deviceId: id.deviceId,
      reason: 'connect',
    }
    if (opts.schemaStrict) delete entry.clientId
    entries.push(entry)
  }
  return entries
}
