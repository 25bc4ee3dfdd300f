/**
 * Child process: the mock OpenClaw gateway (`@clawchat/mock-gateway`, built), alone in its
 * process so that the relay's CPU is measured apart from it. Runs the bench agent, with no pauses
 * of its own between chunks or phases (the agent paces), the send-stamp hook, and the send tally
 * (every frame it sends, by kind, and its sockets' writes: see `send-tally.ts`).
 */
import { startMockGateway, type MockGateway } from '@clawchat/mock-gateway'
import { createBenchAgent } from '../agents/bench-agent.js'
import { installSendStamp } from '../agents/send-stamp.js'
import { installSendTally } from '../agents/send-tally.js'
import { serveCommands } from '../ipc/serve-commands.js'

/** What the driver passes to this child's `start`. */
export interface MockChildConfig {
  token: string
}

const stamp = installSendStamp()
const tally = installSendTally()
let gateway: MockGateway | undefined

serveCommands(
  {
    start: async (config: MockChildConfig) => {
      gateway = await startMockGateway({
        token: config.token,
        agent: createBenchAgent(),
        chunkDelayMs: 0,
        phaseDelayMs: 0,
        shutdownGraceMs: 200,
      })
      return { url: gateway.url }
    },
    stamp: ({ on }: { on: boolean }) => {
      stamp.enabled = on
      return { stamped: stamp.stamped }
    },
    stop: () => gateway?.close(),
  },
  () => ({ connections: gateway?.connectionCount(), stamped: stamp.stamped, sent: tally }),
)
