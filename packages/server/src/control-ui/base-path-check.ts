/**
 * Does the gateway serve its Control UI at `controlUi.path`? The UI's page and assets carry the
 * gateway's `gateway.controlUi.basePath`, so the two must be equal. Checked at start, and again on a
 * request under the prefix whenever it has not succeeded yet (at most every 5 s), with
 * `GET <gateway><path>/control-ui-config.json` and the bearer token. A gateway that is down is
 * "unknown", not a mismatch: requests go on and meet a 502.
 */
import { messageOf } from '../common/errors.js'
import type { ProxyLog } from '../common/log.js'
import { isRecord } from '../common/records.js'

/** The least time between two checks that have not succeeded. */
export const RECHECK_MS = 5000

/** How long one check may take. */
const CHECK_TIMEOUT_MS = 5000

/** The outcome of one check. */
type Outcome = { state: 'ok' } | { state: 'mismatch'; said: string | undefined } | { state: 'unknown' }

/** What the check needs. */
export interface BasePathCheckOptions {
  /** The gateway's http(s) origin. */
  origin: string
  /** `controlUi.path`. */
  path: string
  token: string
  log: ProxyLog
  now?: () => number
}

/**
 * The explanation an admin gets (503) while the paths differ.
 *
 * @example
 * mismatchText('/clawchat/control', '/') // 'controlUi.path is "/clawchat/control" but the gateway serves … at "/" …'
 * mismatchText('/clawchat/control', undefined) // '… but the gateway does not serve its Control UI there: set …'
 */
export function mismatchText(path: string, said: string | undefined): string {
  const where = said === undefined ? 'does not serve its Control UI there' : `serves its Control UI at "${said}"`
  return (
    `controlUi.path is "${path}" but the gateway ${where}: set ` +
    `gateway.controlUi.basePath to "${path}" in the gateway's config (openclaw config set ` +
    `gateway.controlUi.basePath ${path}) and restart the gateway`
  )
}

/**
 * The gateway's base path, checked.
 *
 * @example
 * const check = new BasePathCheck({ origin: 'http://127.0.0.1:18789', path: '/clawchat/control', token, log })
 * check.start()
 * const problem = await check.problem() // null, or the text of mismatchText()
 */
export class BasePathCheck {
  private outcome: Outcome = { state: 'unknown' }
  private lastStart = -Infinity
  private running: Promise<void> | null = null

  constructor(private readonly opts: BasePathCheckOptions) {}

  /** Starts a check in the background. */
  start(): void {
    void this.run()
  }

  /**
   * `null` when requests may go on (the paths match, or the gateway could not be asked); else the
   * explanation. Checks again first when no check has succeeded and the last began 5 s ago or more.
   */
  async problem(): Promise<string | null> {
    const now = (this.opts.now ?? Date.now)()
    if (this.outcome.state !== 'ok' && now - this.lastStart >= RECHECK_MS) await this.run()
    else if (this.running) await this.running
    return this.outcome.state === 'mismatch' ? mismatchText(this.opts.path, this.outcome.said) : null
  }

  private run(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async check(): Promise<void> {
    this.lastStart = (this.opts.now ?? Date.now)()
    const previous = this.outcome.state
    this.outcome = await this.ask()
    const { log, path } = this.opts
    if (this.outcome.state === 'mismatch') log.error(`clawchat: ${mismatchText(path, this.outcome.said)}`)
    else if (this.outcome.state === 'ok' && previous !== 'ok')
      log.info(`clawchat: the gateway serves its Control UI at ${path}; the console is on`)
  }

  private async ask(): Promise<Outcome> {
    const { origin, path, token, log } = this.opts
    let res: Response
    try {
      res = await fetch(`${origin}${path}/control-ui-config.json`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      })
    } catch (error) {
      log.warn(`clawchat: could not ask the gateway where its Control UI is (${messageOf(error)}); will ask again`)
      return { state: 'unknown' }
    }
    if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500) {
      await res.body?.cancel()
      log.warn(`clawchat: the gateway answered ${res.status} to ${path}/control-ui-config.json; will ask again`)
      return { state: 'unknown' }
    }
    let body: unknown
    try {
      body = res.status === 200 ? await res.json() : (await res.body?.cancel(), undefined)
    } catch {
      body = undefined
    }
    const said = isRecord(body) && typeof body.basePath === 'string' ? body.basePath || '/' : undefined
    return said === path ? { state: 'ok' } : { state: 'mismatch', said }
  }
}
