import { GatewayCore } from './gateway/gateway-core.js'
import type { MockGateway } from './mock-gateway.js'
import { MockGatewayServer } from './gateway/mock-gateway-server.js'
import { resolveOptions, type MockGatewayOptions } from './options.js'

/**
 * Starts a mock OpenClaw gateway (protocol v4) in this process: the real gateway's handshake,
 * errors, chat runs and session methods, as recorded in `test/fixtures/reference/`. Resolves once it is
 * listening. Options are checked first; a bad one throws a `TypeError` naming it.
 *
 * @example
 * import { startMockGateway } from '@clawchat/mock-gateway'
 *
 * const gateway = await startMockGateway({ token: 'secret', tickIntervalMs: 1000 })
 * // connect a client to gateway.url with token 'secret', then:
 * gateway.setFailure('model-error') // the next chat.send fails like a model error
 * await gateway.restart()           // same port, new bootId
 * await gateway.close()
 */
export async function startMockGateway(options: MockGatewayOptions): Promise<MockGateway> {
  const core = new GatewayCore(resolveOptions(options))
  const server = new MockGatewayServer(core)
  await server.start()
  return server
}
