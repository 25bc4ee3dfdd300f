/**
 * Child process of the soak (`pnpm soak`): the mock OpenClaw gateway (built
 * `@clawchat/mock-gateway`, or the module named by `CLAWCHAT_SOAK_MOCK_MODULE` — how the soak runs
 * an older build for a before/after comparison), answering every message with
 * {@link soakReply}, and restarting gracefully on command.
 */
import { pathToFileURL } from 'node:url'
import type { MockGateway, startMockGateway as StartMockGateway } from '@clawchat/mock-gateway'
import { serveCommands } from '../ipc/serve-commands.js'
import { soakReplyChunks } from '../soak/soak-reply.js'

/** What the driver passes to this child's `start`. */
export interface SoakMockConfig {
  token: string
  /** Pause between reply chunks (ms). */
  chunkDelayMs: number
  /** How long a graceful stop lets running chats finish (ms); the real gateway's budget is 325 s. */
  shutdownGraceMs: number
}

let gateway: MockGateway | undefined
let restarts = 0

async function load(): Promise<typeof StartMockGateway> {
  const module = process.env.CLAWCHAT_SOAK_MOCK_MODULE
  if (!module) return (await import('@clawchat/mock-gateway')).startMockGateway
  return ((await import(pathToFileURL(module).href)) as { startMockGateway: typeof StartMockGateway }).startMockGateway
}

serveCommands(
  {
    start: async (config: SoakMockConfig) => {
      const startMockGateway = await load()
      gateway = await startMockGateway({
        token: config.token,
        agent: (message) => soakReplyChunks(message),
        chunkDelayMs: config.chunkDelayMs,
        phaseDelayMs: 2,
        shutdownGraceMs: config.shutdownGraceMs,
      })
      return { url: gateway.url, module: process.env.CLAWCHAT_SOAK_MOCK_MODULE ?? '@clawchat/mock-gateway' }
    },
    /** A graceful restart (like SIGTERM): resolves once the gateway listens again. */
    restart: async ({ downMs }: { downMs: number }) => {
      const t0 = Date.now()
      await gateway?.restart({ downMs })
      restarts += 1
      return { ms: Date.now() - t0 }
    },
    /** chat.send requests the gateway received (the request log keeps the last 10,000). */
    sends: () => gateway?.requests.filter((r) => r.method === 'chat.send').length ?? 0,
    stop: () => gateway?.close(),
  },
  () => ({ connections: gateway?.connectionCount(), restarts }),
)
