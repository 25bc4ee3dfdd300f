import { validateAgentsListParams } from '@openclaw/gateway-protocol'
import { buildAgentsListPayload } from '../fixtures/model-catalog.js'
import { Scopes } from '../connection/scopes.js'
import { checkParams, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/** `agents.list {}` (read): the one agent `main`, workspace path included (MORE-BEHAVIOURS Q1). */
export const agentsList: MethodDefinition = {
  name: 'agents.list',
  scope: Scopes.READ,
  handle(_ctx, params) {
    checkParams('agents.list', validateAgentsListParams, paramsOrEmpty(params))
    return { payload: buildAgentsListPayload() }
  },
}
