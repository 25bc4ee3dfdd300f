import { Scopes } from '../connection/scopes.js'
import { type MethodDefinition } from './method-types.js'

/**
 * `health {}` (read): not redacted, the sqlite path included, like the real one (MORE-BEHAVIOURS Q1).
 * The protocol package exports no validator for its params, so they are not checked.
 */
export const health: MethodDefinition = {
  name: 'health',
  scope: Scopes.READ,
  handle({ core }) {
    return { payload: core.health('method') }
  },
}
