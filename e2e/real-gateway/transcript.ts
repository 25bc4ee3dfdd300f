// What a fidelity scenario records: the frames it chose (in arrival order) and closes, with a label
// per step (`res error INVALID_REQUEST`, `event chat:delta`, `close 1008`) and the values that must
// be equal on both gateways (codes, messages, states — never ids, timestamps, nonces or seq).

/** One recorded step of a scenario. */
export type TranscriptStep =
  | { kind: 'frame'; frame: Record<string, any> }
  | { kind: 'close'; code: number; reason: string }
  /** Something that did not happen within the wait (e.g. no response to invalid JSON). */
  | { kind: 'nothing'; what: string }

/** A scenario's steps, against one gateway. */
export interface Transcript {
  scenario: string
  steps: TranscriptStep[]
}

/**
 * A short name for a step: what kind of frame it is, not what it carries.
 *
 * @example
 * labelOf({ kind: 'frame', frame: { type: 'event', event: 'chat', payload: { state: 'delta' } } }) // 'event chat:delta'
 * labelOf({ kind: 'close', code: 1008, reason: '' })                                               // 'close 1008'
 */
export function labelOf(step: TranscriptStep): string {
  if (step.kind === 'close') return `close ${step.code}`
  if (step.kind === 'nothing') return `nothing (${step.what})`
  const f = step.frame
  if (f.type === 'res') return f.ok === true ? 'res ok' : `res error ${String(f.error?.code)}`
  if (f.type === 'event') {
    const p = f.payload ?? {}
    if (f.event === 'chat')
      return `event chat:${String(p.state)}${p.phase ? `:${String(p.phase)}` : ''}${p.replace ? ':replace' : ''}`
    if (f.event === 'agent') {
      const phase = p.data?.phase ? `:${String(p.data.phase)}` : ''
      const provider =
        p.stream === 'lifecycle' && p.data?.phase === 'model'
          ? p.data.provider === null
            ? ':released'
            : ':provider'
          : ''
      return `event agent:${String(p.stream)}${phase}${provider}`
    }
    return `event ${String(f.event)}`
  }
  return `frame ${String(f.type)}`
}

/** Paths (from the frame) whose VALUES both gateways must agree on, when present on either side. */
const PINNED_PATHS = [
  'type',
  'ok',
  'event',
  'error.code',
  'error.message',
  'error.retryable',
  'error.retryAfterMs',
  'error.details',
  'payload.type',
  'payload.protocol',
  'payload.status',
  'payload.ok',
  'payload.aborted',
  'payload.state',
  'payload.phase',
  'payload.stopReason',
  'payload.stream',
  'payload.data.phase',
  'payload.data.status',
  'payload.data.aborted',
  'payload.data.stopReason',
  'payload.auth.role',
  'payload.auth.scopes',
  // The idempotency scenario's note: which sessions the run's events named.
  'runEventSessionKeys',
  // Tool calls, approvals and questions (tool-fidelity-scenarios.ts).
  'payload.data.name',
  'payload.data.kind',
  'payload.data.isError',
  'payload.data.commandBearing',
  'payload.approvalKind',
  'payload.decision',
  'payload.resolvedBy',
  'payload.request.allowedDecisions',
  'payload.request.unavailableDecisions',
  'payload.request.host',
  'payload.request.security',
  'payload.request.ask',
]

/**
 * The values of a step that must be equal on both gateways, as `path → value` (JSON text).
 * `error.details` is compared whole (codes, required scopes, expected protocol…).
 *
 * @example
 * pinnedValues({ kind: 'close', code: 1008, reason: '' }) // { code: '1008', reason: '""' }
 */
export function pinnedValues(step: TranscriptStep): Record<string, string> {
  if (step.kind === 'close') return { code: String(step.code), reason: JSON.stringify(step.reason) }
  if (step.kind === 'nothing') return {}
  const out: Record<string, string> = {}
  for (const path of PINNED_PATHS) {
    let cur: unknown = step.frame
    for (const seg of path.split('.'))
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined
    if (cur !== undefined) out[path] = JSON.stringify(cur)
  }
  return out
}
