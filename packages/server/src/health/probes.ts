/**
 * The probes of one proxy, built: the stores it learns, the store probe, readiness and the HTTP
 * answers, as the middleware and the upgrade handler call them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ProxyLog } from '../common/log.js'
import type { ProxyCore } from '../proxy-core.js'
import type { LinkState } from '../upstream/gateway-link.js'
import { handleProbe } from './probe-endpoint.js'
import type { AdmissionView } from '../upstream/gateway-admission.js'
import { GatewayProbe, type ProbedLink } from './gateway-probe.js'
import type { ReadinessDeps } from './readiness.js'
import { SessionStores } from './session-stores.js'
import { StoreProbe } from './store-probe.js'

/** What the probes read of a proxy. */
export interface ProbesDeps {
  /** The proxy's `path`. */
  path: string
  /** Whether option `session` is set (else the session store check reads `not used`). */
  usesSession: boolean
  /** The upstream link: its state and the gateway's admission. */
  link: ProbedLink & { readonly state: LinkState; readonly admission: AdmissionView }
  coordination: ReadinessDeps['coordination']
  isClosed(): boolean
  log: ProxyLog
  /** How long a session store read may take, ms (default 2000). */
  storeTimeoutMs?: number
  /** How long the gateway may take to answer the probe's read, ms (default 2000). */
  gatewayTimeoutMs?: number
}

/** The probes, for the middleware (`handle`) and the upgrades (`storeSeen`). */
export interface Probes {
  /** Learns the request's session store, then answers it if it is a probe (`true`), else `false`. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** The gate admitted an upgrade whose session lives in `store`. */
  storeSeen(store: unknown): void
}

/**
 * Builds the probes of a proxy.
 *
 * @example
 * const probes = createProbes({ path: '/clawchat', usesSession: true, link, coordination, isClosed, log })
 * if (probes.handle(req, res)) return // GET /clawchat/healthz, /clawchat/readyz
 */
export function createProbes(deps: ProbesDeps): Probes {
  const stores = new SessionStores(deps.usesSession)
  const { link } = deps
  const readiness: ReadinessDeps = {
    link,
    admission: link.admission,
    stores,
    storeProbe: new StoreProbe(deps.storeTimeoutMs),
    gatewayProbe: new GatewayProbe(link, deps.gatewayTimeoutMs),
    coordination: deps.coordination,
    isClosed: deps.isClosed,
  }
  const endpoint = { path: deps.path, readiness, log: deps.log }
  return {
    handle(req, res) {
      stores.learnFrom(req)
      return handleProbe(req, res, endpoint)
    },
    storeSeen: (store) => stores.seen(store),
  }
}

/**
 * The probes of a proxy built from its core: its `path`, whether option `session` is set, its link.
 *
 * @example
 * const probes = proxyProbes(core, coordination, () => closed)
 */
export function proxyProbes(
  core: Pick<ProxyCore, 'opts' | 'link' | 'log'>,
  coordination: ProbesDeps['coordination'],
  isClosed: () => boolean,
): Probes {
  const { opts, link, log } = core
  return createProbes({ path: opts.path, usesSession: opts.session !== undefined, link, coordination, isClosed, log })
}
