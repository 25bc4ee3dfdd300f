/** What a browser connection is given: what it shares with its proxy, and where its socket came from. */
import type { Duplex } from 'node:stream'
import type { Audit } from '../audit/audit.js'
import type { SavedUpgradeRequest } from '../gate/reauthenticate.js'
import type { SessionStoreLike } from '../gate/session-check.js'
import type { WorkDesk } from '../isolation/approvals/agent-work.js'
import type { CommandPolicy } from '../isolation/commands.js'
import type { SessionPermissions } from '../isolation/permissions.js'
import type { LiveRuns } from '../isolation/live-runs.js'
import type { MethodPolicy } from '../isolation/policy.js'
import type { StreamRedactor } from '../isolation/stream-redactor.js'
import type { ProxyLimits, RateMeter, UserBudget } from '../limits/limits.js'
import type { ChatSendBudget } from '../limits/run-budget.js'
import type { UpstreamBudget } from '../limits/upstream-budget.js'
import type { Redactor } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import type { ClientConnection } from './client-connection.js'
import type { MetricsRecorder } from '../metrics/recorder.js'
import type { LinkView } from './link-view.js'

/** Everything a connection shares with its proxy. */
export interface ConnectionDeps {
  link: LinkView
  methods: MethodPolicy
  /** Which gateway text commands each role may run (default: none). */
  commands?: CommandPolicy
  namespace: string
  limits: ProxyLimits
  /**
   * The user's message budget, shared by all their connections: a local meter, or (with
   * `coordination`) one that also asks Redis, asynchronously.
   */
  userMeter: UserBudget
  connectionMeter: RateMeter
  startedAt: number
  audit: Audit
  log: ProxyLog
  redact: Redactor
  /**
   * The bytes held toward the gateway, per user and in total (`limits.upstreamBytes*`): a request
   * is relayed only within them. The proxy always passes one; without it nothing is bounded.
   */
  upstream?: UpstreamBudget
  /** `limits.userChatSendsPer5Min`: each user's distinct `chat.send` keys in the gateway's dedupe window. */
  chatSends?: ChatSendBudget
  /** Redacts secrets that a history message's text parts only form together (issue 16.5). */
  streams?: StreamRedactor
  /** The text of each live run as sent (the lean wire): what `clawchat.runs` answers from. */
  liveRuns?: LiveRuns
  /** The approvals and questions the approval and question methods answer from. */
  work?: WorkDesk
  /** `policy.permissions`: prepares each session of a role with a profile and asserts it on every send. */
  permissions?: SessionPermissions
  /** The proxy's figures: frames, rate-limited requests, slow consumers, request latency. */
  metrics?: MetricsRecorder
  onClosed(conn: ClientConnection): void
}

/** Where a connection came from. */
export interface ConnectionOrigin {
  /** The app's session id the socket was opened with (`req.sessionID`). Never logged. */
  sessionId: string | undefined
  /** The store that session lives in, for the logout check. */
  sessionStore: SessionStoreLike | undefined
  /**
   * What `authenticate` reads of the upgrade request, kept for the login check of a socket without an
   * app session (a proxy with `authenticate` alone); `undefined` otherwise.
   */
  upgradeRequest?: SavedUpgradeRequest | undefined
  /** The browser's Origin, when it sent one. */
  origin: string | undefined
  /** The browser's address, for the audit trail. */
  ip: string | undefined
  /**
   * The raw socket under `ws` (what `handleUpgrade` was given), corked for one event-loop turn so
   * that a turn's frames leave in one write; without it, `ws`'s own socket is used.
   */
  socket?: Duplex | undefined
}
