/** Sizes of the soak (`pnpm soak`): the full one of issue 16.10 and a tiny one for the smoke test. */
export interface SoakConfig {
  name: 'full' | 'smoke'
  /** Users, each with its own login and its own `ClawChat` (one socket each). */
  users: number
  /** Messages each user sends, one after another. */
  messages: number
  /** A user waits this long (uniformly random, ms) after each acknowledgement before the next send. */
  paceMs: [number, number]
  /** The mock gateway's pause between reply chunks (a reply is four chunks). */
  chunkDelayMs: number
  /** The graceful restart happens once this share of all messages is acknowledged. */
  restartAfter: number
  /** How long the gateway stays down during the restart (ms). */
  downMs: number
  /** How long a graceful stop lets running chats finish; the real gateway's budget is 325 s. */
  shutdownGraceMs: number
  /** After the last send: give up waiting for missing replies once nothing new arrived for this long (ms). */
  settleQuietMs: number
  /** Logins and connections opened at a time. */
  concurrency: number
}

export const SOAK_FULL: SoakConfig = {
  name: 'full',
  users: 1000,
  messages: 20,
  paceMs: [500, 2500],
  chunkDelayMs: 25,
  restartAfter: 0.5,
  downMs: 500,
  shutdownGraceMs: 325_000,
  settleQuietMs: 30_000,
  concurrency: 50,
}

export const SOAK_SMOKE: SoakConfig = {
  name: 'smoke',
  users: 20,
  messages: 5,
  paceMs: [20, 80],
  chunkDelayMs: 10,
  restartAfter: 0.5,
  downMs: 100,
  shutdownGraceMs: 30_000,
  settleQuietMs: 5000,
  concurrency: 10,
}
