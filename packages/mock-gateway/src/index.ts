/**
 * `@clawchat/mock-gateway`: a mock OpenClaw gateway (protocol v4) in one Node process, faithful to
 * the real gateway's recorded behaviour (`test/fixtures/reference/`), for the proxy's tests, the demo and
 * the benchmark.
 *
 * @example
 * import { startMockGateway, echoAgent } from '@clawchat/mock-gateway'
 *
 * const gateway = await startMockGateway({ token: 'secret', agent: echoAgent })
 * console.log(gateway.url) // ws://127.0.0.1:<port>
 * await gateway.close()
 */
export { startMockGateway } from './start-mock-gateway.js'
export type {
  MockGateway,
  MockConnectionInfo,
  MockConnectionCount,
  MockRestartOptions,
  MockSuspendOptions,
  MockSuspendResult,
} from './mock-gateway.js'
export type { SuspensionPhase } from './gateway/suspension.js'
export type { MockGatewayOptions, MockFailure, ExecMode } from './options.js'
export type { MockAgent, MockAgentContext, MockAgentReply, MockToolCall, MockToolResult } from './agent.js'
export type { RecordedRequest } from './gateway/gateway-core.js'
export type { MockHttpRequestRecord, MockUpgradeRequestRecord } from './gateway/traffic-records.js'
export type { MockControlUiOptions } from './control-ui/control-ui-option.js'
export type { AuthFailureDelay } from './connection/auth-throttle.js'
export { demoAgent, demoReply, echoAgent, chunkWords } from './demo-agent.js'
export {
  canonicalSessionKey,
  MAIN_SESSION_KEY,
  MAX_SESSION_KEY_LENGTH,
  type CanonicalKeyResult,
} from './sessions/session-keys.js'
export { deviceAuthPayloadV3, deviceIdForPublicKey } from './connection/device-signature.js'
