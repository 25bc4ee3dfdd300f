/**
 * The mock gateway's agent for the benchmark (its pluggable `agent` option): the `chat.send`
 * message names the reply (see `wire.ts`), and the agent yields it as text chunks — as fast as the
 * mock takes them, paced per run (`periodMs`, for "each user streams at a fixed rate"), or paced on
 * one gateway-wide grid (`slotMs`, for "a fixed 1,000 events/s" however many runs overlap).
 */
import type { MockAgent } from '@clawchat/mock-gateway'
import { performance } from 'node:perf_hooks'
import { chunkText, decodeSpec, type ReplySpec } from '../wire.js'

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Waits until `at` (performance.now() ms); returns at once when it is less than 1 ms away. */
async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now()
  if (wait >= 1) await sleep(wait)
}

/**
 * Creates the bench agent. Messages that are not bench specs get a one-chunk echo, so the mock
 * stays usable by hand.
 *
 * @example
 * const gateway = await startMockGateway({ token, agent: createBenchAgent(), chunkDelayMs: 0 })
 */
export function createBenchAgent(): MockAgent {
  let nextSlotAt = 0

  /** The next free slot of the gateway-wide grid (never in the past, never two runs in one slot). */
  const takeSlot = (slotMs: number): number => {
    const at = Math.max(nextSlotAt, performance.now())
    nextSlotAt = at + slotMs
    return at
  }

  async function* reply(spec: ReplySpec, signal: AbortSignal): AsyncGenerator<string> {
    const chunks = Math.min(Math.max(spec.chunks, 1), 100_000)
    const start = performance.now()
    for (let i = 0; i < chunks; i += 1) {
      if (signal.aborted) return
      if (spec.slotMs && spec.slotMs > 0) await sleepUntil(takeSlot(spec.slotMs))
      else if (spec.periodMs && spec.periodMs > 0) await sleepUntil(start + i * spec.periodMs)
      yield chunkText(spec, i)
    }
  }

  return (message, { signal }) => {
    const spec = decodeSpec(message)
    if (!spec) return [`ECHO<<${message}>>`]
    return reply(spec, signal)
  }
}
