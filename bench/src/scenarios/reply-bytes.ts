/**
 * Scenario 5 — bytes to the browser per reply: the gateway's deltas repeat the whole reply so far
 * (and each comes with an `agent` event repeating it again), so the bytes of one reply grow with
 * the square of its length. One reply of `replyChars` characters, in `chunkChars`-character
 * deltas, counted frame by frame from `chat.send` to the final, through every single-user path:
 * (c) is an SDK client on ClawChat's lean wire, (c') an OpenClaw client through the same proxy.
 */
import { sleep } from '../drivers/pool.js'
import { SINGLE_USER_MODES, type Mode } from '../drivers/topology.js'
import { clientErrors, type ScenarioContext } from './common.js'
import type { SingleUserPaths } from './throughput.js'
import type { ReplyBytes } from '../drivers/bench-client.js'

/** Scenario 5's figures for one path. */
export interface ReplyBytesResult extends ReplyBytes {
  mode: Mode
  replyChars: number
  chunkChars: number
  /** Wire bytes (payload + WebSocket headers) per character of the reply. */
  wireBytesPerReplyChar: number
  errors: string[]
}

/** Runs scenario 5 on the shared single-user paths: one reply each, counted frame by frame. */
export async function runReplyBytes(
  ctx: ScenarioContext,
  paths: SingleUserPaths,
): Promise<Partial<Record<Mode, ReplyBytesResult>>> {
  const cfg = ctx.config.replyBytes
  const chunks = Math.ceil(cfg.replyChars / cfg.chunkChars)
  const spec = { chunks, chunkChars: cfg.chunkChars }
  const out: Partial<Record<Mode, ReplyBytesResult>> = {}
  ctx.log(`[5 reply bytes] one ${chunks * cfg.chunkChars}-character reply per path …`)
  for (const mode of SINGLE_USER_MODES) {
    const client = paths.clients.get(mode)
    if (!client) continue
    // A first small run, then a pause: trailing events of earlier runs (sessions.changed after a final) must not count.
    await client.measureReply({ chunks: 2, chunkChars: cfg.chunkChars }, 15_000)
    await sleep(300)
    const bytes = await client.measureReply(spec, 30_000)
    out[mode] = {
      mode,
      replyChars: chunks * cfg.chunkChars,
      chunkChars: cfg.chunkChars,
      ...bytes,
      wireBytesPerReplyChar: Math.round((bytes.wireBytes / (chunks * cfg.chunkChars)) * 10) / 10,
      errors: clientErrors([client]),
    }
    ctx.log(`[5 reply bytes] ${mode}: ${bytes.wireBytes} wire bytes, ${bytes.frames} frames`)
  }
  return out
}
