/**
 * The browser's `connect` — pure: its params are checked against OpenClaw's own `ConnectParams`
 * schema after dropping whatever the browser claims about who it is, and its protocol range must
 * include the proxy's. A bad `connect` is answered and its socket closed; a good one gets `hello-ok`,
 * and the known `caps` it names are kept for the routing (the live `tool` stream, approvals).
 */
import { formatValidationErrors, validateConnectParams } from '@openclaw/gateway-protocol'
import { CloseCodes, ErrorCodes, KNOWN_CAPS, PROTOCOL_VERSION, type ErrorShape } from '@clawchat/protocol'
import { invalidRequest } from '../common/errors.js'
import { isRecord } from '../common/records.js'

/**
 * What became of a `connect`: accepted (with the known caps it named), or the answer to send and
 * the close that follows it.
 */
export type ConnectVerdict =
  { ok: true; caps: readonly string[] } | { ok: false; error: ErrorShape; close: { code: number; why: string } }

const KNOWN: ReadonlySet<string> = new Set(KNOWN_CAPS)

/**
 * The caps of a `connect` the proxy understands, each once, in the order named; unknown ones (and
 * anything that is not a string) are ignored, as the gateway ignores caps it does not know.
 *
 * @example
 * knownCaps(['tool-events', 'thinking', 'tool-events']) // ['tool-events']
 * knownCaps(undefined) // []
 */
export function knownCaps(caps: unknown): readonly string[] {
  if (!Array.isArray(caps)) return []
  const out: string[] = []
  for (const cap of caps) if (typeof cap === 'string' && KNOWN.has(cap) && !out.includes(cap)) out.push(cap)
  return interned(out)
}

/** The lists {@link knownCaps} answered, shared (SDKs name the same caps): no list of its own per connection. */
const INTERNED_CAPS = new Map<string, readonly string[]>()
/** Most distinct lists shared; past that each connection gets its own. */
const MAX_INTERNED_CAPS = 64

function interned(caps: string[]): readonly string[] {
  const key = caps.join(' ')
  const known = INTERNED_CAPS.get(key)
  if (known) return known
  // A copy of the exact length: `caps` grew by push and has room to spare.
  const frozen = Object.freeze(caps.slice())
  if (INTERNED_CAPS.size < MAX_INTERNED_CAPS) INTERNED_CAPS.set(key, frozen)
  return frozen
}

const invalidParams = (message: string): ConnectVerdict => ({
  ok: false,
  error: invalidRequest(`invalid connect params: ${message}`),
  close: { code: CloseCodes.POLICY_VIOLATION, why: 'invalid connect params' },
})

/**
 * Checks a `connect` request's params.
 *
 * @example
 * const verdict = checkConnect({ minProtocol: 4, maxProtocol: 4, client: { id: 'webchat-ui', ... },
 *   caps: ['tool-events'] })
 * if (!verdict.ok) { respondError(id, verdict.error); close(verdict.close.code, verdict.close.why) }
 * else caps = verdict.caps // ['tool-events']
 */
export function checkConnect(params: unknown): ConnectVerdict {
  if (!isRecord(params)) return invalidParams('params must be an object')
  // The proxy decides who the browser is: whatever it claims about auth, device, role or
  // scopes is dropped before validation.
  const { auth: _auth, device: _device, role: _role, scopes: _scopes, ...rest } = params
  if (!validateConnectParams(rest)) return invalidParams(formatValidationErrors(validateConnectParams.errors))
  const { minProtocol, maxProtocol } = rest as { minProtocol: number; maxProtocol: number }
  if (minProtocol > PROTOCOL_VERSION || maxProtocol < PROTOCOL_VERSION) {
    return {
      ok: false,
      error: {
        code: ErrorCodes.INVALID_REQUEST,
        message: `protocol mismatch: this proxy speaks OpenClaw protocol ${PROTOCOL_VERSION}`,
        details: { code: 'PROTOCOL_MISMATCH', expectedProtocol: PROTOCOL_VERSION },
      },
      close: { code: 1002, why: 'protocol mismatch' },
    }
  }
  return { ok: true, caps: knownCaps(rest.caps) }
}
