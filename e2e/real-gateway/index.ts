// The real-gateway harness in one import, for the suites that run through the proxy.
export { ensureRealGatewayInstalled, type EnsureInstalledResult } from './ensure-installed.js'
export {
  startFakeModel,
  fakeModelReply,
  fakeModelPieces,
  userTextOf,
  FAKE_MODEL_MARKERS,
  type FakeModel,
  type FakeModelBehaviour,
  type FakeModelOptions,
  type FakeModelRequest,
} from './fake-model.js'
export { waitForGatewaySettled } from './gateway-readiness.js'
export {
  startRealGateway,
  type RealGateway,
  type RealGatewayStopOptions,
  type StartRealGatewayOptions,
} from './gateway.js'
export {
  connectOperator,
  chatText,
  type ChatEventPayload,
  type OperatorClient,
  type OperatorClientOptions,
  type RecordedEvent,
} from './operator-client.js'
export { isAlive } from './child-cleanup.js'
export { findFreePort } from './free-port.js'
export { resolveCachePaths, OPENCLAW_VERSION, type RealGatewayCachePaths } from './cache-paths.mjs'
export { removeGatewayLockFiles, gatewayLockDir } from './state-lock-files.js'
