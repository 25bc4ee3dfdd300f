/**
 * Is the proxy ready for traffic? It composes the checks `GET <path>/readyz` reports:
 *
 * - `gateway`: the upstream link's state; ready only when `up` — and, while up, the gateway answers a
 *   bounded read (`gateway-probe.ts`: a gateway draining for a restart refuses it, which the admission
 *   hears, and one that does not answer within the bound is not ready).
 * - `admission`: the gateway's own admission as the link heard it — `accepting`, or its suspension
 *   phase (`preparing`, `draining`, `prepared`), or `draining` once it said it drains for a restart;
 *   ready only when `accepting`.
 * - `sessionStore`: `ok` when every session store met answered a read within the bound, else
 *   `unreachable` (not ready); `unknown yet` before any store was met and `not used` without option
 *   `session` (both ready: see `session-stores.ts`).
 * - `coordination` (with option `coordination` only): Redis `up` or `down`. Reported, never a reason to
 *   be unready: while Redis is down the proxy keeps serving with limits held per instance (see
 *   `coordination/health.ts`), so taking it out of the load balancer would only shed capacity.
 *
 * The reason names the first problem in that order, after `the proxy is closing`. Reasons are fixed
 * sentences: no token, user or session id, URL, or error text from a store (which may carry a URL).
 */
import type { AdmissionView, SuspensionPhase } from '../upstream/gateway-admission.js'
import type { LinkState } from '../upstream/gateway-link.js'
import type { GatewayProbe } from './gateway-probe.js'
import type { SessionStores } from './session-stores.js'
import type { StoreProbe, StoreProbeResult } from './store-probe.js'

/** What the session store check found. */
export type SessionStoreCheck = 'ok' | 'unreachable' | 'not used' | 'unknown yet'

/** The checks of a readiness answer. */
export interface ReadinessChecks {
  gateway: LinkState
  /** `accepting`, the suspension phase, or `draining` (also while the gateway drains for a restart). */
  admission: SuspensionPhase
  sessionStore: SessionStoreCheck
  coordination?: 'up' | 'down'
}

/** The answer of `GET <path>/readyz`. */
export type Readiness =
  { status: 'ready'; checks: ReadinessChecks } | { status: 'not ready'; reason: string; checks: ReadinessChecks }

/** What readiness reads. */
export interface ReadinessDeps {
  link: { readonly state: LinkState }
  /** The gateway's admission (`link.admission`); `undefined` reads as `accepting`. */
  admission: AdmissionView | undefined
  stores: SessionStores
  storeProbe: StoreProbe
  /** The bounded read over the link (when the link is up); without it, the link's state is taken as it is. */
  gatewayProbe?: Pick<GatewayProbe, 'answers' | 'timeoutMs'>
  /** With option `coordination`: Redis as the proxy sees it. */
  coordination?: { view(): { redis: 'up' | 'down' } }
  isClosed(): boolean
}

const LINK_REASONS: Record<Exclude<LinkState, 'up'>, string> = {
  connecting: 'the gateway link is connecting',
  down: 'the gateway link is down; the proxy is reconnecting',
  misconfigured: 'the gateway refused the link and an operator must act (see the server log)',
  failed: 'the gateway link failed and will not retry until the proxy restarts with a fixed gateway option',
  closed: 'the gateway link is closed',
}

/** The `admission` check's value: `accepting`, `draining`, or the suspension phase. */
function admissionState(admission: AdmissionView | undefined): SuspensionPhase {
  if (!admission) return 'accepting'
  return admission.draining ? 'draining' : admission.phase
}

function admissionReason(admission: AdmissionView | undefined, state: SuspensionPhase): string {
  const given = admission?.reason()
  if (given) return given
  return state === 'draining'
    ? 'the gateway is draining for a restart'
    : `the gateway is not accepting new work (suspension phase ${state})`
}

/** Probes every store met; the first failure's sentence, or undefined when all answered. */
async function probeStores(deps: ReadinessDeps): Promise<{ check: SessionStoreCheck; reason?: string }> {
  if (!deps.stores.used) return { check: 'not used' }
  const stores = deps.stores.list()
  if (stores.length === 0) return { check: 'unknown yet' }
  const results: StoreProbeResult[] = await Promise.all(stores.map((store) => deps.storeProbe.check(store)))
  const failed = results.find((r) => !r.ok)
  if (!failed || failed.ok) return { check: 'ok' }
  const reason =
    failed.why === 'timeout'
      ? `the session store did not answer within ${deps.storeProbe.timeoutMs} ms`
      : 'the session store failed a read'
  return { check: 'unreachable', reason }
}

/**
 * Checks readiness now (a store read takes at most the probe's bound).
 *
 * @example
 * const answer = await checkReadiness({ link, admission: link.admission, stores, storeProbe, isClosed })
 * // { status: 'not ready', reason: 'the gateway link is connecting', checks: { gateway: 'connecting', … } }
 */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const asked = deps.link.state === 'up' && deps.gatewayProbe ? deps.gatewayProbe.answers() : Promise.resolve(true)
  const [store, answered] = await Promise.all([probeStores(deps), asked])
  // Read after the probe: a refusal it got has updated the admission, and the link may have moved.
  const gateway = deps.link.state
  const admission = admissionState(deps.admission)
  const checks: ReadinessChecks = { gateway, admission, sessionStore: store.check }
  if (deps.coordination) checks.coordination = deps.coordination.view().redis
  let reason: string | undefined
  if (deps.isClosed()) reason = 'the proxy is closing'
  else if (gateway !== 'up') reason = LINK_REASONS[gateway]
  else if (admission !== 'accepting') reason = admissionReason(deps.admission, admission)
  else if (!answered) reason = `the gateway did not answer a read within ${deps.gatewayProbe?.timeoutMs} ms`
  else reason = store.reason
  return reason === undefined ? { status: 'ready', checks } : { status: 'not ready', reason, checks }
}
