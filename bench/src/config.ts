/**
 * The two sizes of the benchmark: `full` (`pnpm bench`, ~9–11 minutes) and `smoke` (`bench:smoke`:
 * the same code paths with tiny N and short windows, asserting nothing about speed).
 */
import type { ReplySpec } from './wire.js'

/** Every knob of one benchmark run. */
export interface BenchConfig {
  name: 'full' | 'smoke'
  /** Before each measurement, wait (bounded) for the shared machine to be quiet. */
  quiet: { maxWaitMs: number; thresholdCores: number }
  /** Scenario 1: one user streaming as fast as the path goes. */
  throughput: {
    warmupMs: number
    roundWarmupMs: number
    measureMs: number
    rounds: number
    concurrentRuns: number
    spec: ReplySpec
  }
  /** Scenario 2: added latency at a fixed event rate. */
  latency: {
    warmupMs: number
    roundWarmupMs: number
    measureMs: number
    rounds: number
    deltasPerSecond: number
    concurrentRuns: number
    spec: ReplySpec
  }
  /** Scenario 3: N users, each streaming at a fixed rate. */
  manyUsers: {
    warmupMs: number
    measureMs: number
    deltasPerSecondPerUser: number
    spec: ReplySpec
    proxyN: number[]
    gatewayN: number[]
  }
  /** Scenario 4: idle authenticated connections. */
  idle: { connections: number; checkpoints: number[] }
  /** Scenario 5: bytes on the wire for one reply. */
  replyBytes: { replyChars: number; chunkChars: number }
  /** CPU profile of the relay under the scenario-1 load. */
  profile: { warmupMs: number; measureMs: number; intervalUs: number }
}

/**
 * Limits the streaming scenarios give `clawchatProxy`: a benchmark client starts a new `chat.send`
 * each time a run ends (dozens per second), far above the default 20/s per connection meant for
 * people, and far above the 100 runs per user in 5 minutes that keep one user from flooding the
 * gateway's dedupe cache (`userChatSendsPer5Min`, off here). Everything else — method policy,
 * audit, other limits — stays at its default, and the rate meters still run on every message.
 */
export const STREAMING_LIMITS: Record<string, number> = {
  messagesPerSecond: 5000,
  userMessagesPerSecond: 5000,
  userChatSendsPer5Min: 0,
}

/** A reply of 100 deltas of 8 characters: chat delta frames of ~300–1,100 bytes, ~680 on average. */
const STREAM_SPEC: ReplySpec = { chunks: 100, chunkChars: 8 }

/** The full benchmark (`pnpm bench`). */
export const FULL: BenchConfig = {
  name: 'full',
  quiet: { maxWaitMs: 5000, thresholdCores: 0.3 },
  throughput: {
    warmupMs: 3000,
    roundWarmupMs: 1000,
    measureMs: 3000,
    rounds: 5,
    concurrentRuns: 96,
    spec: STREAM_SPEC,
  },
  latency: {
    warmupMs: 2000,
    roundWarmupMs: 1000,
    measureMs: 4000,
    rounds: 4,
    deltasPerSecond: 1000,
    concurrentRuns: 4,
    spec: { chunks: 40, chunkChars: 24, stamp: true },
  },
  manyUsers: {
    warmupMs: 3000,
    measureMs: 8000,
    deltasPerSecondPerUser: 10,
    spec: STREAM_SPEC,
    proxyN: [1, 10, 100, 1000],
    gatewayN: [1, 10, 100],
  },
  idle: { connections: 10_000, checkpoints: [1000, 2500, 5000, 7500, 10_000] },
  replyBytes: { replyChars: 2000, chunkChars: 8 },
  profile: { warmupMs: 2000, measureMs: 8000, intervalUs: 250 },
}

/** The smoke version (`bench:smoke`): every path once, tiny and short. */
export const SMOKE: BenchConfig = {
  name: 'smoke',
  quiet: { maxWaitMs: 0, thresholdCores: 100 },
  throughput: {
    warmupMs: 200,
    roundWarmupMs: 100,
    measureMs: 400,
    rounds: 2,
    concurrentRuns: 4,
    spec: { chunks: 20, chunkChars: 8 },
  },
  latency: {
    warmupMs: 200,
    roundWarmupMs: 100,
    measureMs: 400,
    rounds: 2,
    deltasPerSecond: 200,
    concurrentRuns: 2,
    spec: { chunks: 10, chunkChars: 24, stamp: true },
  },
  manyUsers: {
    warmupMs: 300,
    measureMs: 500,
    deltasPerSecondPerUser: 20,
    spec: { chunks: 10, chunkChars: 8 },
    proxyN: [2],
    gatewayN: [2],
  },
  idle: { connections: 20, checkpoints: [10, 20] },
  replyBytes: { replyChars: 200, chunkChars: 8 },
  profile: { warmupMs: 200, measureMs: 500, intervalUs: 1000 },
}
