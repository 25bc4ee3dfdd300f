/** Operator scopes the mock knows, from GATEWAY.md and the transcripts. */
export const Scopes = {
  READ: 'operator.read',
  WRITE: 'operator.write',
  ADMIN: 'operator.admin',
  /** Exec/plugin approvals: `exec.approval.*`, `approval.*` and their events (TOOLS-AND-APPROVALS). */
  APPROVALS: 'operator.approvals',
  /** `ask_user` questions: `question.*` and their events. */
  QUESTIONS: 'operator.questions',
} as const

/** One of {@link Scopes}. */
export type OperatorScope = (typeof Scopes)[keyof typeof Scopes]

/**
 * Does a connection holding `granted` satisfy `required`? `operator.admin` satisfies everything and
 * `operator.write` satisfies `operator.read` (inferred from the gateway's method-scope rules: the
 * reference only records a read+write client passing read methods and a scopeless one failing).
 */
export function hasScope(granted: readonly string[], required: string): boolean {
  if (granted.includes(Scopes.ADMIN)) return true
  if (granted.includes(required)) return true
  return required === Scopes.READ && granted.includes(Scopes.WRITE)
}

/** Whether a connection may see the broadcast `chat`/`agent`/`presence` traffic (needs read access). */
export function canRead(granted: readonly string[]): boolean {
  return hasScope(granted, Scopes.READ)
}

/** Token-only (client id, mode) pairs the gateway trusts with their requested scopes from loopback. */
const TRUSTED_TOKEN_CLIENTS = new Set(['gateway-client/backend', 'cli/cli'])

/**
 * The scopes `hello-ok.auth.scopes` grants (GATEWAY.md "Handshake" table): with a valid signed
 * device any client keeps what it asked for; token-only, only `gateway-client`/`backend` and
 * `cli`/`cli` from a loopback peer keep them and everyone else (test/test, webchat*, gateway-client
 * in another mode, …) gets `[]`.
 */
export function grantScopes(p: {
  clientId: string
  clientMode: string
  requested: readonly string[]
  deviceVerified: boolean
  loopbackPeer: boolean
}): string[] {
  if (p.deviceVerified) return [...p.requested]
  if (p.loopbackPeer && TRUSTED_TOKEN_CLIENTS.has(`${p.clientId}/${p.clientMode}`)) return [...p.requested]
  return []
}
