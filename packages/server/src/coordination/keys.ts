/**
 * Every Redis key and channel coordination uses, in one place. All start with the configured
 * prefix (default `clawchat:<namespace>:`), so two apps on one Redis never meet, and none holds a
 * secret: user ids, instance ids, counts, disconnect reasons — app session ids only as SHA-256 digests.
 * (The `tool-events` channel carries a user's live tool calls as that user sees them, token
 * redacted; pub/sub keeps nothing.)
 */

/** The keys of one prefix. */
export interface CoordinationKeys {
  readonly prefix: string
  /** Hash: instance id → `{"connections":n,"users":n}`, refreshed by each instance's heartbeat. */
  readonly instances: string
  /** String with a TTL: the instance is alive while it exists. */
  alive(instanceId: string): string
  /** Hash with a TTL: user id → open connections on that instance. */
  conns(instanceId: string): string
  /** Counter with a one-second TTL: a user's messages in the current window. */
  rate(userId: string): string
  /** Pub/sub channel: disconnect requests between instances. */
  readonly control: string
  /** Sorted set: the last minute of disconnect requests, for an instance that missed some. */
  readonly controlLog: string
  /** Pub/sub channel: live `tool` events, forwarded from the instance whose link received them. */
  readonly toolEvents: string
}

/**
 * The keys under `prefix`.
 *
 * @example
 * coordinationKeys('clawchat:clawchat:').conns('web-1') // 'clawchat:clawchat:conns:web-1'
 */
export function coordinationKeys(prefix: string): CoordinationKeys {
  return {
    prefix,
    instances: `${prefix}instances`,
    alive: (id) => `${prefix}alive:${id}`,
    conns: (id) => `${prefix}conns:${id}`,
    rate: (userId) => `${prefix}rate:${userId}`,
    control: `${prefix}control`,
    controlLog: `${prefix}control-log`,
    toolEvents: `${prefix}tool-events`,
  }
}
