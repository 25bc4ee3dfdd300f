/**
 * How the demo runs the agent's tools on its built-in mock gateway, so a newcomer sees the whole
 * flow without an administrator: every command asks for approval (the mock's `exec: { mode: 'ask' }`,
 * as `tools.exec.mode: "ask"` on a real gateway), the proxy is an approval route for ClawChat runs,
 * and every user answers the approvals of their own runs.
 *
 * A real site's default is stricter: `policy.approvals.user` is `'none'` (only administrators
 * answer), because an approval lets a command run on the gateway host. The demo keeps the proxy's
 * defaults when it is given a gateway of its own.
 */

/** Options of the built-in mock gateway. */
export const DEMO_MOCK_TOOLS = { exec: { mode: 'ask' } } as const

/** Options of `clawchatProxy` with the built-in mock gateway. */
export const DEMO_PROXY_APPROVALS = {
  approvals: { route: true },
  policy: { approvals: { user: 'own', admin: 'any' } },
} as const
