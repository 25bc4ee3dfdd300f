/**
 * Recipe: behind an authenticating reverse proxy — oauth2-proxy, Pomerium, an ingress with
 * forward-auth. The proxy logs the user in (OpenID Connect, SAML, …) and forwards each request with
 * identity headers; the app has no login of its own and no session.
 *
 * Such headers are only as good as the peer that wrote them: `trustedIdentityHeaders` believes them
 * only when the request's socket comes from one of the `from` addresses (the socket's own peer, never
 * X-Forwarded-For), and refuses them — 401 at the upgrade, a warn line without their values — from
 * anybody else. Still, let nothing but the authenticating proxy reach the app (network policy, firewall).
 *
 * oauth2-proxy: `--pass-user-headers` (default) sends X-Forwarded-User, -Email, -Preferred-Username
 * and -Groups; with `--reverse-proxy`, also X-Forwarded-Host/-Proto. Pomerium: `pass_identity_headers`
 * sends X-Pomerium-Claim-Email, -Name, -Groups (user: 'x-pomerium-claim-email' or -sub).
 */
import express, { type Express } from 'express'
import {
  clawchatProxy,
  trustedIdentityHeaders,
  type GatewayOptions,
  type LoggerLike,
  type ClawChatProxy,
} from '@clawchat/server'

export interface ProxyHeadersAppConfig {
  gateway: GatewayOptions
  /** The authenticating proxy's addresses: 'loopback' (same host), '10.0.0.0/8', ['10.1.2.3', …]. */
  from: string | string[]
  /** The proxy's log: refused identity headers are reported there. Default: pino to stderr. */
  logger?: LoggerLike
}

/**
 * The app: GET /me, and ClawChat at /clawchat — both for whoever the authenticating proxy says.
 *
 * @example
 * const { app, proxy } = createProxyHeadersApp({ gateway: { token }, from: '10.0.0.0/8' })
 * proxy.attach(app.listen(3000, '0.0.0.0'))
 */
export function createProxyHeadersApp(config: ProxyHeadersAppConfig): { app: Express; proxy: ClawChatProxy } {
  const authenticate = trustedIdentityHeaders({
    from: config.from,
    user: 'x-forwarded-user', // the default: oauth2-proxy's (the identity provider's `sub` or email)
    name: 'x-forwarded-preferred-username',
    groups: 'x-forwarded-groups', // comma-separated
    admins: ['chat-admins'], // members of this group get the admin role
    logger: config.logger,
  })
  const proxy = clawchatProxy({
    gateway: config.gateway,
    authenticate, // no `session`: the headers are the login
    // The browser's Origin is the public one; believe X-Forwarded-Host/-Proto from the same proxy only.
    trustProxy: config.from,
    logger: config.logger,
  })

  const app = express()
  app.use(proxy)
  // Pages read the same user: one function for the socket and the pages, one rule for both.
  app.get('/me', async (req, res) => {
    const user = await authenticate(req)
    if (!user) return void res.status(401).json({ error: 'not logged in' })
    res.json(user)
  })
  return { app, proxy }
}
