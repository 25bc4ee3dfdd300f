// A mock-gateway agent that answers exactly as our fake model does for the real gateway: the same
// markers, the same pieces, the same pauses. With it, one script gives comparable transcripts on
// the real gateway (+ fake model) and on the mock.
import type { MockAgent } from '@clawchat/mock-gateway'
import { fakeModelPieces } from './fake-model.js'

/**
 * `ECHO<<text>>` at once; `[[SLOW]]` / `[[SLOW:NxMS]]` streams `chunk01 … ECHO<<text>>` N pieces MS
 * apart; `[[FAIL]]` throws (the mock then ends the run like a model error).
 *
 * @example
 * const mock = await startMockGateway({ token, agent: fakeModelAgent })
 */
export const fakeModelAgent: MockAgent = (message, { signal }) => {
  const { behaviour, pieces } = fakeModelPieces(message)
  if (behaviour.kind === 'fail') throw new Error(`fake model failure (HTTP ${behaviour.status})`)
  if (behaviour.kind === 'echo') return pieces
  const delayMs = behaviour.delayMs
  return (async function* () {
    for (const [i, piece] of pieces.entries()) {
      // Like the fake model: the first piece at once, the others `delayMs` apart.
      if (i > 0) await new Promise((r) => setTimeout(r, delayMs))
      if (signal.aborted) return
      yield piece
    }
  })()
}
