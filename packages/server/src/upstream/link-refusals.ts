/**
 * What the link says when the gateway refuses it for a reason a person must fix: the log line for
 * the operator (what happened and what to do: the option to set, the approval command), the
 * sentence for browsers, and the `operatorReason` the proxy's stats show. Never the token.
 */
import { PROTOCOL_VERSION } from '@clawchat/protocol'
import { REASONS, type ErrorDetails, type Failure } from './link-failures.js'

/** One refusal, told three ways. */
export interface Refusal {
  /** The operational log line (at `error`). */
  log: string
  /** Fields of the log line. */
  fields: object
  /** What browsers are told. */
  downReason: string
  /** What administrators are told (`proxy.stats()`, the session endpoint). */
  operatorReason: string
}

/** What a refusal's sentences name: the gateway's URL, the (redacted) error text and this device. */
export interface RefusalContext {
  url: string
  /** The error's message, already redacted. */
  message: string
  deviceId: string | undefined
}

const WSS_HINT =
  ' — use a wss:// URL for a remote gateway (or, on a trusted private network only, set' +
  ' OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1). The link will not retry until the proxy is restarted' +
  ' with a fixed option "gateway.url".'

function configRefusal(ctx: RefusalContext): Refusal {
  return {
    log: `clawchat: cannot connect to the gateway at ${ctx.url}: ${ctx.message}${WSS_HINT}`,
    fields: { option: 'gateway.url' },
    downReason: REASONS.config,
    operatorReason:
      `the proxy cannot connect to the gateway at ${ctx.url}: ${ctx.message}.` +
      ' Use a wss:// URL (option "gateway.url") and restart the proxy',
  }
}

function pairingRefusal(d: ErrorDetails, ctx: RefusalContext): Refusal {
  const requestId = d.requestId
  const approve = requestId ? `openclaw devices approve ${requestId}` : 'openclaw devices approve --latest'
  const code = requestId ? `NOT_PAIRED, requestId ${requestId}` : 'NOT_PAIRED'
  return {
    log:
      `clawchat: the gateway has not approved this proxy's device yet (${code}).` +
      ` On the gateway host run: ${approve}`,
    fields: { requestId, deviceId: ctx.deviceId },
    downReason: REASONS.pairing,
    operatorReason:
      `the gateway has not approved this proxy's device yet: on the gateway host run "${approve}"` +
      ' (no restart needed; the proxy retries)',
  }
}

function authRefusal(d: ErrorDetails): Refusal {
  const code = d.detailCode ?? d.gatewayCode ?? 'unauthorized'
  return {
    log:
      `clawchat: configuration error: the gateway rejected the proxy's token (${code}).` +
      ` Set option "gateway.token" to the gateway's token (gateway.auth.token on the gateway host,` +
      ' usually OPENCLAW_GATEWAY_TOKEN).',
    fields: { option: 'gateway.token', detailCode: d.detailCode },
    downReason: REASONS.auth,
    operatorReason:
      `the gateway rejected the proxy's token (${code}): set option "gateway.token" to the gateway's token` +
      ' (gateway.auth.token on the gateway host) and restart the proxy',
  }
}

function protocolRefusal(ctx: RefusalContext): Refusal {
  return {
    log:
      `clawchat: the gateway at ${ctx.url} speaks another protocol version (${ctx.message});` +
      ` ClawChat speaks OpenClaw protocol ${PROTOCOL_VERSION}. Update the gateway or @clawchat/server.`,
    fields: { option: 'gateway.url' },
    downReason: REASONS.protocol,
    operatorReason:
      `the gateway refused the proxy's protocol version (${ctx.message});` +
      ` ClawChat speaks OpenClaw protocol ${PROTOCOL_VERSION}: update the gateway or @clawchat/server`,
  }
}

/**
 * How to tell a refusal that needs a person (`config`, `pairing`, `auth`, `protocol`).
 *
 * @example
 * const r = describeRefusal('pairing', errorDetails(error), { url, message, deviceId })
 * log.error(r.log, r.fields) // "… On the gateway host run: openclaw devices approve r-1"
 */
export function describeRefusal(
  failure: Extract<Failure, 'config' | 'pairing' | 'auth' | 'protocol'>,
  d: ErrorDetails,
  ctx: RefusalContext,
): Refusal {
  switch (failure) {
    case 'config':
      return configRefusal(ctx)
    case 'pairing':
      return pairingRefusal(d, ctx)
    case 'auth':
      return authRefusal(d)
    case 'protocol':
      return protocolRefusal(ctx)
  }
}

/**
 * The device identity file cannot be read or written (`gateway.identityPath`).
 *
 * @example
 * identityRefusal('/data/identity.json', 'EACCES: permission denied')
 */
export function identityRefusal(identityPath: string, error: string): Refusal {
  return {
    log: `clawchat: cannot load or create the device identity at ${identityPath}: ${error}`,
    fields: { option: 'gateway.identityPath' },
    downReason: REASONS.config,
    operatorReason:
      `the proxy cannot load or create its device identity at ${identityPath} (${error}):` +
      ` fix option "gateway.identityPath" or the folder's permissions`,
  }
}
