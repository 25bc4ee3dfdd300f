/**
 * Direct mode's one use of `@openclaw/gateway-client`, loaded when a direct connection first signs in:
 * the package is an optional peer dependency of `@clawchat/client`, so a browser app that only talks
 * to the proxy never installs it (nor its `ws`). When it is missing, the error says what to install.
 */
export type GatewayClientBrowser = typeof import('@openclaw/gateway-client/browser')

/** The gateway-client release direct mode is built and tested against. */
export const GATEWAY_CLIENT_SPEC = '@openclaw/gateway-client@2026.9.1'

/** True for the "package not found" errors of Node (ESM and CJS) and of bundlers' runtime loaders. */
function isMissingModule(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true
  const message = err instanceof Error ? err.message : String(err)
  return /cannot find (package|module)|failed to resolve module/i.test(message) && message.includes('gateway-client')
}

/**
 * The error direct mode gives when `@openclaw/gateway-client` is not installed.
 *
 * @example
 * throw missingGatewayClientError(new Error("Cannot find package '@openclaw/gateway-client'"))
 */
export function missingGatewayClientError(cause: unknown): Error {
  return new Error(
    '@clawchat/client/direct needs @openclaw/gateway-client, an optional peer dependency that is not installed: ' +
      `run \`npm install ${GATEWAY_CLIENT_SPEC}\` (proxy mode, \`@clawchat/client\`, does not need it)`,
    { cause },
  )
}

let loading: Promise<GatewayClientBrowser> | undefined

/**
 * Loads `@openclaw/gateway-client/browser` once (a failed load is tried again on the next call).
 *
 * @param load how to import it (tests pass a failing one)
 * @example
 * const { GatewayBrowserDeviceAuthLifecycle } = await loadGatewayClient()
 */
export function loadGatewayClient(
  load: () => Promise<GatewayClientBrowser> = () => import('@openclaw/gateway-client/browser'),
): Promise<GatewayClientBrowser> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined
    throw isMissingModule(err) ? missingGatewayClientError(err) : err
  })
  return loading
}
