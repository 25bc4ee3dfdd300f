import { Scopes } from '../connection/scopes.js'
import { type MethodDefinition } from './method-types.js'

/**
 * `sessions.subscribe {}` → `{subscribed:true}`: from then on this connection receives
 * `sessions.changed` and `session.message` for every session (opt-in per connection,
 * SESSIONS-AND-BROADCAST Q2). There is no `sessions.unsubscribe` on the real gateway. Its params
 * have no official validator, so they are not checked.
 */
export const sessionsSubscribe: MethodDefinition = {
  name: 'sessions.subscribe',
  scope: Scopes.READ,
  handle({ conn }) {
    conn.sessionsSubscribed = true
    return { payload: { subscribed: true } }
  },
}
