import {
  validateSessionsMessagesSubscribeParams,
  validateSessionsMessagesUnsubscribeParams,
} from '@openclaw/gateway-protocol'
import { Scopes } from '../connection/scopes.js'
import { lookupSessionKey } from '../sessions/session-keys.js'
import { checkParams, type MethodDefinition } from './method-types.js'

/**
 * `sessions.messages.subscribe {key}` → `{subscribed:true,key:<canonical>}`: `session.message` for
 * that one session (keys that do not exist are accepted) (MORE-BEHAVIOURS Q1).
 */
export const sessionsMessagesSubscribe: MethodDefinition = {
  name: 'sessions.messages.subscribe',
  scope: Scopes.READ,
  handle({ conn }, params) {
    const p = checkParams('sessions.messages.subscribe', validateSessionsMessagesSubscribeParams, params)
    const key = lookupSessionKey(p.key)
    conn.messageSubscriptions.add(key)
    return { payload: { subscribed: true, key } }
  },
}

/** `sessions.messages.unsubscribe {key}` → `{subscribed:false,key:<canonical>}`. */
export const sessionsMessagesUnsubscribe: MethodDefinition = {
  name: 'sessions.messages.unsubscribe',
  scope: Scopes.READ,
  handle({ conn }, params) {
    const p = checkParams('sessions.messages.unsubscribe', validateSessionsMessagesUnsubscribeParams, params)
    const key = lookupSessionKey(p.key)
    conn.messageSubscriptions.delete(key)
    return { payload: { subscribed: false, key } }
  },
}
