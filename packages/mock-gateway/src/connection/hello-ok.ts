import { createHash, randomBytes } from 'node:crypto'
import { PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version'
import type { ConnectionIdentity } from './connection.js'
import {
  APPLIED_CONFIG_HASH,
  GATEWAY_BUILD_ID,
  GATEWAY_VERSION,
  MAIN_AGENT_ID,
  STATE_DIR,
} from '../fixtures/gateway-identity.js'
import {
  ADVERTISED_CAPABILITIES,
  ADVERTISED_EVENTS,
  CONTROL_UI_LINK_READERS,
  CONTROL_UI_WIDGET_KINDS,
} from '../fixtures/hello-features.js'
import { MAIN_SESSION_KEY } from '../sessions/session-keys.js'
import { Scopes } from './scopes.js'

/** The limits `hello-ok.policy` announces besides `maxPayload` and `tickIntervalMs` (recorded values). */
const MAX_BUFFERED_BYTES = 52428800

/** Everything `hello-ok` is built from. */
export interface HelloOkInput {
  identity: ConnectionIdentity
  connId: string
  bootId: string
  /** `http://host:port` of the gateway, for `pluginSurfaceUrls.canvas`. */
  httpBase: string
  uptimeMs: number
  stateVersion: { presence: number; health: number }
  presence: Record<string, unknown>[]
  health: Record<string, unknown>
  methods: readonly string[]
  tickIntervalMs: number
  maxPayload: number
  /** `snapshot.suspension.phase` (default `accepting`). */
  suspensionPhase?: string
  /** Gateway token, only to derive the constant `recoveryScope` of token clients (never sent). */
  token: string
  deviceToken?: { token: string; issuedAtMs: number }
  schemaStrict: boolean
}

/** `auth.recoveryScope`: constant for all token-only clients, per device for device clients (MORE-BEHAVIOURS Q4). */
function recoveryScope(input: HelloOkInput): string {
  const basis = input.identity.deviceId ? `device:${input.identity.deviceId}` : `token:${input.token}`
  return createHash('sha256').update(`openclaw-mock-recovery-scope|${basis}`).digest('base64url')
}

/**
 * Builds the `hello-ok` payload in the recorded shape (transcripts/hello-ok-abbrev.json and the full
 * one in step5-chat-fake.jsonl). Scopeless clients get no presence and no `updateSchedule`; admins get
 * `configPath`, `stateDir` and `authMode` (transcripts/matrix-*, admin-scope.jsonl). `features.methods`
 * lists what the mock implements, not the real gateway's 466 names.
 */
export function buildHelloOk(input: HelloOkInput): Record<string, unknown> {
  const scopes = input.identity.scopes
  const scoped = scopes.length > 0
  const admin = scopes.includes(Scopes.ADMIN)
  const snapshot: Record<string, unknown> = {
    suspension: { phase: input.suspensionPhase ?? 'accepting' },
    presence: scoped ? input.presence : [],
    health: input.health,
    stateVersion: { ...input.stateVersion },
    uptimeMs: input.uptimeMs,
    appliedConfigHash: APPLIED_CONFIG_HASH,
    sessionDefaults: {
      defaultAgentId: MAIN_AGENT_ID,
      modelConfigured: true,
      ownership: 'sole',
      selectionRequired: false,
      mainKey: 'main',
      mainSessionKey: MAIN_SESSION_KEY,
      scope: 'per-sender',
    },
  }
  if (scoped) snapshot.updateSchedule = { channel: 'stable', autoEnabled: false, install: { kind: 'package' } }
  if (admin) {
    snapshot.configPath = `${STATE_DIR}/openclaw.json`
    snapshot.stateDir = STATE_DIR
    snapshot.authMode = 'token'
  }
  const auth: Record<string, unknown> = {}
  if (!input.schemaStrict) auth.method = 'token'
  auth.role = input.identity.role
  auth.scopes = [...scopes]
  auth.recoveryScope = recoveryScope(input)
  if (input.deviceToken) {
    auth.recoveryMigrationAllowed = true
    auth.deviceToken = input.deviceToken.token
    auth.issuedAtMs = input.deviceToken.issuedAtMs
  }
  const hello: Record<string, unknown> = {
    type: 'hello-ok',
    protocol: PROTOCOL_VERSION,
    server: {
      version: GATEWAY_VERSION,
      buildId: GATEWAY_BUILD_ID,
      bootId: input.bootId,
      controlUiBuildSource: 'bundled',
      connId: input.connId,
    },
    features: {
      methods: [...input.methods],
      events: [...ADVERTISED_EVENTS],
      capabilities: [...ADVERTISED_CAPABILITIES],
    },
    snapshot,
    controlUiWidgetKinds: CONTROL_UI_WIDGET_KINDS.map((k) => ({ ...k })),
  }
  if (!input.schemaStrict) hello.controlUiLinkReaders = structuredClone(CONTROL_UI_LINK_READERS)
  hello.pluginSurfaceUrls = { canvas: `${input.httpBase}/__openclaw__/cap/${randomBytes(18).toString('base64url')}` }
  hello.auth = auth
  hello.policy = {
    maxPayload: input.maxPayload,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    tickIntervalMs: input.tickIntervalMs,
    attachments: { maxBytes: 19464192, maxImageBytes: 6291456 },
    allowedSessionVisibilities: ['shared', 'read-only', 'suggest', 'draft'],
    hasMultipleSessionSharingIdentities: false,
  }
  return hello
}
