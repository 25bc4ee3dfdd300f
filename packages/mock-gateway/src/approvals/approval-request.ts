import { MAIN_AGENT_ID } from '../fixtures/gateway-identity.js'
import { WORKSPACE_DIR } from '../tools/fake-tools.js'

/** What the exec approval is about. */
export interface ExecApprovalSubject {
  command: string
  sessionKey: string
  runId: string
  toolCallId: string
}

/** The decisions `tools.exec.mode:"ask"` offers (durable trust is not offered under it). */
export const ALLOWED_DECISIONS = ['allow-once', 'deny'] as const

/** Every decision the gateway knows. */
export const KNOWN_DECISIONS: readonly string[] = ['allow-once', 'allow-always', 'deny']

/** Where the fake `echo` resolves to, as `request.resolvedPath` shows it. */
function resolvedPath(command: string): string | null {
  const bin = command.trim().split(/\s+/)[0] ?? ''
  return bin === 'echo' ? '/usr/bin/echo' : null
}

/**
 * `exec.approval.requested.request`, field for field and in the recorded key order (t2 phase 1):
 * the command, the policy (`security: allowlist`, `ask: on-miss`), the decisions, the run's routing
 * fields and the turn source (`webchat`, the session key).
 */
export function buildExecApprovalRequest(s: ExecApprovalSubject): Record<string, unknown> {
  return {
    command: s.command,
    systemRunBinding: null,
    systemRunPlan: null,
    cwd: WORKSPACE_DIR,
    nodeId: null,
    host: 'gateway',
    security: 'allowlist',
    ask: 'on-miss',
    warningText: null,
    scope: null,
    commandAnalysis: { commandCount: 1, nestedCommandCount: 0, riskKinds: [], warningLines: [] },
    unavailableDecisions: ['allow-always'],
    allowedDecisions: [...ALLOWED_DECISIONS],
    agentId: MAIN_AGENT_ID,
    resolvedPath: resolvedPath(s.command),
    sessionKey: s.sessionKey,
    sessionId: null,
    runId: s.runId,
    toolCallId: s.toolCallId,
    turnSourceChannel: 'webchat',
    turnSourceTo: s.sessionKey,
    turnSourceAccountId: null,
    turnSourceThreadId: null,
    cronExecutionSource: null,
    cronOperationBinding: null,
  }
}

/** The headless denial (t2 phase 6, verbatim; the state path is the mock's). */
export function headlessDenialText(): string {
  return [
    'exec denied: Headless runs cannot wait for interactive exec approval.',
    'Effective host exec policy: security=allowlist ask=on-miss askFallback=deny',
    'Stricter values from tools.exec and $OPENCLAW_STATE_DIR/state/openclaw.sqlite#exec_approvals_config both apply.',
    'Fix one of these:',
    '- align both files to security="full" and ask="off" for trusted local automation',
    '- keep allowlist mode and add an explicit allowlist entry for this command',
    '- rerun interactively and approve when prompted (Control UI, TUI, or a chat channel with exec approvals)',
    'Tip: run "openclaw doctor" and "openclaw approvals get --gateway" to inspect the effective policy.',
  ].join('\n')
}
