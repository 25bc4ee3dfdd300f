import { validateModelsListParams } from '@openclaw/gateway-protocol'
import { buildModelsListPayload } from '../fixtures/model-catalog.js'
import { Scopes } from '../connection/scopes.js'
import { checkParams, paramsOrEmpty, type MethodDefinition } from './method-types.js'

/** `models.list {}` (read): one row per configured model (MORE-BEHAVIOURS Q1). */
export const modelsList: MethodDefinition = {
  name: 'models.list',
  scope: Scopes.READ,
  handle(_ctx, params) {
    checkParams('models.list', validateModelsListParams, paramsOrEmpty(params))
    return { payload: buildModelsListPayload() }
  },
}
