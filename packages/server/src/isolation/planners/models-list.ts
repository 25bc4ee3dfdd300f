/** `models.list`: the gateway's models, each with only the fields a browser may see. */
import { singleCall, type Planner } from '../request-plan.js'
import { isRecord, pick } from '../../common/records.js'

/**
 * Plans a `models.list` (it takes no params).
 *
 * @example
 * planModelsList({}, ctx) // answers { models: [{ id, name, provider, available }] }
 */
export const planModelsList: Planner = () =>
  singleCall('models.list', undefined, {}, (payload) => {
    const models = isRecord(payload) && Array.isArray(payload.models) ? payload.models.filter(isRecord) : []
    return { models: models.map((m) => pick(m, ['id', 'name', 'provider', 'available'])) }
  })
