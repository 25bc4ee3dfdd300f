import {
  validateGatewaySuspendPrepareParams,
  validateGatewaySuspendResumeParams,
  validateGatewaySuspendStatusParams,
} from '@openclaw/gateway-protocol'
import { Scopes } from '../connection/scopes.js'
import { invalidRequest } from '../gateway/errors.js'
import { checkParams, type MethodDefinition } from './method-types.js'

/** The real gateway trims ids and takes 1–128 characters (docs/gateway/external-apps.md). */
function checkId(method: string, field: string, value: string): string {
  const id = value.trim()
  if (id === '' || id.length > 128)
    throw invalidRequest(`invalid ${method} params: ${field} must be 1-128 characters after trimming`)
  return id
}

/**
 * `gateway.suspend.prepare {requestId, terminalPolicy?, drain?}` (needs `operator.admin`): `ready` with a
 * two-minute lease when no run is active, `busy` when one is, `draining` with `drain: true` (recorded
 * on openclaw 2026.9.6, see gateway/suspension.ts). The mock has no terminals, so `terminalPolicy` is
 * only checked.
 */
export const gatewaySuspendPrepare: MethodDefinition = {
  name: 'gateway.suspend.prepare',
  scope: Scopes.ADMIN,
  handle({ core }, params) {
    const p = checkParams('gateway.suspend.prepare', validateGatewaySuspendPrepareParams, params)
    const requestId = checkId('gateway.suspend.prepare', 'requestId', p.requestId)
    return { payload: core.suspension.prepare(requestId, p.drain === true) }
  },
}

/** `gateway.suspend.status {suspensionId}` (read): `running` without a lease, else `draining` or `ready`. */
export const gatewaySuspendStatus: MethodDefinition = {
  name: 'gateway.suspend.status',
  scope: Scopes.READ,
  handle({ core }, params) {
    const p = checkParams('gateway.suspend.status', validateGatewaySuspendStatusParams, params)
    return { payload: core.suspension.status(checkId('gateway.suspend.status', 'suspensionId', p.suspensionId)) }
  },
}

/** `gateway.suspend.resume {suspensionId}` (admin): reopens admission (`resumed: true`), else `resumed: false`. */
export const gatewaySuspendResume: MethodDefinition = {
  name: 'gateway.suspend.resume',
  scope: Scopes.ADMIN,
  handle({ core }, params) {
    const p = checkParams('gateway.suspend.resume', validateGatewaySuspendResumeParams, params)
    return { payload: core.suspension.resume(checkId('gateway.suspend.resume', 'suspensionId', p.suspensionId)) }
  },
}
