import { ClawChat as DirectClawChat } from '@clawchat/client/direct'
import { fetchDirectConfig } from './api.js'

/**
 * Direct mode: the page gets the gateway URL and token from the demo server (after sign-in) and
 * talks to the gateway itself, with a device identity the SDK keeps in this browser; `persist`
 * keeps the messages not yet answered over a reload, as in proxy mode.
 */
export async function createDirectClient(persist: { storage: Storage; key: string }): Promise<DirectClawChat> {
  const { gatewayUrl, token } = await fetchDirectConfig()
  return new DirectClawChat({ url: gatewayUrl, token, persist })
}
