import { randomBytes } from 'node:crypto'
import { startMockGateway } from '@clawchat/mock-gateway'
import { demoAgent } from './demo-agent.js'
import { DEMO_MOCK_TOOLS } from './demo-approvals.js'
import { controlUiMockOptions } from './control-ui.js'

/**
 * The built-in mock gateway with the demo's agent, on a free loopback port with a new token (or the
 * `token` of `mockOptions`: tests that look for it in what the browser receives), and the Control
 * UI stand-in at the demo's path when `controlUi` is on.
 *
 * @example
 * const own = await startOwnGateway(['http://localhost:36006'], undefined, false)
 * await own.close()
 */
export async function startOwnGateway(
  allowedOrigins: string[],
  mockOptions: Record<string, unknown> | undefined,
  controlUi: boolean,
): Promise<{ gateway: { url: string; token: string }; close(): Promise<void> }> {
  const given = mockOptions?.token
  const token = typeof given === 'string' && given !== '' ? given : randomBytes(24).toString('base64url')
  const mock = await startMockGateway({
    port: 0,
    host: '127.0.0.1',
    allowedOrigins,
    agent: demoAgent,
    chunkDelayMs: 35,
    shutdownGraceMs: 1000,
    ...DEMO_MOCK_TOOLS,
    ...(controlUi ? controlUiMockOptions() : {}),
    ...mockOptions,
    token,
  })
  return { gateway: { url: mock.url, token }, close: () => mock.close() }
}
