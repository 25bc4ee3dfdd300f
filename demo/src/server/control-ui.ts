import { join } from 'node:path'
import type { DemoUser } from './users.js'

/**
 * The demo's `--control-ui`: OpenClaw's own Control UI for administrators, behind the demo's login,
 * served by `clawchatProxy({ controlUi })` at {@link CONTROL_UI_PATH}. The gateway must serve its
 * Control UI at the same base path (`gateway.controlUi.basePath`); the built-in mock gateway is
 * started that way.
 */

/** Where the console lives, on the demo site and on the gateway (`gateway.controlUi.basePath`). */
export const CONTROL_UI_PATH = '/clawchat/control'

/** The link the page shows (the console's own page is `<basePath>/`). */
export const CONTROL_UI_URL = `${CONTROL_UI_PATH}/`

/** Who may open it: the proxy's default, written out so the page's link and the proxy agree. */
export const CONTROL_UI_ROLES: ReadonlyArray<DemoUser['role']> = ['admin']

/**
 * The administrator added to the default accounts (alice and bob are plain users) when
 * `--control-ui` is given without `--users`, so the console has someone who may open it.
 */
export const CONTROL_UI_DEFAULT_ADMIN = 'admin:lookingglass:admin'

/**
 * The console's link for this user, or null when the console is off or the user's role may not open it.
 *
 * @example
 * controlUiLinkFor(true, { role: 'admin' }) // '/clawchat/control/'
 * controlUiLinkFor(true, { role: 'user' }) // null
 */
export function controlUiLinkFor(enabled: boolean, user: { role?: string } | null | undefined): string | null {
  if (!enabled || !user) return null
  return CONTROL_UI_ROLES.some((role) => role === user.role) ? CONTROL_UI_URL : null
}

/**
 * `clawchatProxy`'s `controlUi` option for the demo: the console's path, who may open it, its own
 * device identity in the data folder, and the demo's sign-in page for a browser without a session
 * (it comes back to the console after signing in, see the page's login-return.ts).
 *
 * @example
 * clawchatProxy({ ...otherOptions, ...controlUiProxyOptions('/var/lib/clawchat') })
 */
export function controlUiProxyOptions(dataDir: string): { controlUi: Record<string, unknown> } {
  return {
    controlUi: {
      path: CONTROL_UI_PATH,
      roles: [...CONTROL_UI_ROLES],
      identityPath: join(dataDir, 'control-ui-identity.json'),
      loginUrl: '/',
    },
  }
}

/**
 * The built-in mock gateway's option: its Control UI stand-in at the demo's path.
 *
 * @example
 * startMockGateway({ ...otherOptions, ...controlUiMockOptions() })
 */
export function controlUiMockOptions(): { controlUi: { basePath: string } } {
  return { controlUi: { basePath: CONTROL_UI_PATH } }
}

/**
 * Why the console cannot be on with these settings (a sentence naming the option), or undefined when it can.
 *
 * @example
 * controlUiProblem({ mode: 'direct', users }) // 'the Control UI needs proxy mode: …'
 */
export function controlUiProblem(o: { mode: string; users: readonly DemoUser[] }): string | undefined {
  if (o.mode !== 'proxy')
    return (
      'the Control UI needs proxy mode: the proxy serves it and keeps the gateway token; ' +
      'direct mode gives the browser the token instead'
    )
  if (!o.users.some((u) => CONTROL_UI_ROLES.includes(u.role)))
    return (
      'nobody may open the Control UI: it is for administrators, and none of the users is one ' +
      '(mark one with ":admin", e.g. "carol:<password>:admin")'
    )
  return undefined
}
