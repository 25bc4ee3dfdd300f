import { describe, expect, it } from 'vitest'
import { GATEWAY_CLIENT_SPEC, loadGatewayClient } from '../src/gateway-client-loader.js'

/** What Node throws for `import('@openclaw/gateway-client/browser')` when the package is not installed. */
function notFound(): Error {
  const err = new Error("Cannot find package '@openclaw/gateway-client' imported from /app/node_modules/x.js")
  return Object.assign(err, { code: 'ERR_MODULE_NOT_FOUND' })
}

describe('direct mode without @openclaw/gateway-client (an optional peer)', () => {
  it('says what to install when the package is missing', async () => {
    const load = loadGatewayClient(() => Promise.reject(notFound()))
    await expect(load).rejects.toThrow(`npm install ${GATEWAY_CLIENT_SPEC}`)
    await expect(load).rejects.toThrow(/@clawchat\/client\/direct needs @openclaw\/gateway-client/)
  })

  it('passes any other failure through unchanged, and tries again on the next call', async () => {
    const broken = new Error('a syntax error inside the package')
    await expect(loadGatewayClient(() => Promise.reject(broken))).rejects.toBe(broken)
    const real = await loadGatewayClient()
    expect(typeof real.GatewayBrowserDeviceAuthLifecycle).toBe('function')
  })
})
