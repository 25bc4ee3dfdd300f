/**
 * Recipe: OpenID Connect (Keycloak, Auth0, Entra ID, Google, Okta, …) with openid-client on top of
 * express-session.
 *
 * GET /login redirects to the provider (authorization code flow with PKCE and state); GET /callback
 * exchanges the code at the provider's token endpoint, checks the ID token (issuer, audience, expiry;
 * and here its signature against the provider's JWKS) and stores the user in `req.session.user` —
 * where the proxy's default `authenticate` looks.
 * From then on it is the plain express-session setup: the session cookie goes with the upgrade, and
 * destroying the session (logout) closes the user's sockets.
 */
import express, { type Express } from 'express'
import session from 'express-session'
import * as oidc from 'openid-client'
import {
  clawchatProxy,
  type ClawChatUserInput,
  type GatewayOptions,
  type LoggerLike,
  type ClawChatProxy,
} from '@clawchat/server'

declare module 'express-session' {
  interface SessionData {
    /** The logged-in user: the proxy's default `authenticate` returns `req.session.user`. */
    user?: ClawChatUserInput
    /** The PKCE verifier and state of a login under way. */
    oidc?: { codeVerifier: string; state: string }
  }
}

export interface OidcAppConfig {
  gateway: GatewayOptions
  /** The provider's issuer URL (discovery is at <issuer>/.well-known/openid-configuration). */
  issuer: string
  clientId: string
  clientSecret: string
  /** This app's public URL; the provider must know `<publicUrl>/callback` as a redirect URI. */
  publicUrl: string
  sessionSecret: string
  /** Groups (the ID token's `groups` claim) whose members get the admin role. */
  adminGroups?: string[]
  /** Only for a test provider on plain http://: openid-client refuses http by default, and rightly. */
  allowInsecureRequests?: boolean
  /** The proxy's log. Default: pino to stderr. */
  logger?: LoggerLike
}

/**
 * The app: GET /login, GET /callback, POST /logout, and ClawChat at /clawchat.
 *
 * @example
 * const { app, proxy } = await createOidcApp({
 *   gateway: { token }, issuer, clientId, clientSecret, publicUrl: 'https://app.example', sessionSecret,
 * })
 * proxy.attach(app.listen(3000))
 */
export async function createOidcApp(config: OidcAppConfig): Promise<{ app: Express; proxy: ClawChatProxy }> {
  const provider = await oidc.discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, {
    execute: [
      // The ID token comes straight from the token endpoint over TLS, which vouches for it: openid-client
      // checks its claims but not its signature, unless told to. Checking it costs one JWKS fetch.
      oidc.enableNonRepudiationChecks,
      ...(config.allowInsecureRequests ? [oidc.allowInsecureRequests] : []),
    ],
  })
  const redirectUri = new URL('/callback', config.publicUrl).href

  // A production app passes a shared `store` (Redis, Postgres); the MemoryStore is for one process.
  const sessionMiddleware = session({
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' }, // Lax: the provider's redirect back still carries it
  })
  // No `authenticate`: the default one returns `req.session.user ?? null`.
  const proxy = clawchatProxy({ gateway: config.gateway, session: sessionMiddleware, logger: config.logger })

  const app = express()
  app.use(proxy)
  app.use(sessionMiddleware)
  app.get('/login', async (req, res) => {
    const codeVerifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    req.session.oidc = { codeVerifier, state }
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    })
    req.session.save(() => res.redirect(url.href))
  })
  app.get('/callback', async (req, res) => {
    const pending = req.session.oidc
    if (!pending) return void res.status(400).send('No login under way: start at /login.')
    let claims: oidc.IDToken | undefined
    try {
      const tokens = await oidc.authorizationCodeGrant(provider, new URL(req.originalUrl, config.publicUrl), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
      })
      claims = tokens.claims()
    } catch {
      // A wrong state, a forged or expired ID token, a refused code: no login. (Log the error in a real app.)
      return void res.status(401).send('The login did not succeed.')
    }
    if (!claims) return void res.status(401).send('The provider sent no ID token.')
    const groups = Array.isArray(claims.groups) ? claims.groups.filter((g) => typeof g === 'string') : []
    const user: ClawChatUserInput = {
      id: claims.sub, // stable per provider; with several providers, prefix it: `${issuer}|${sub}`
      name: typeof claims.name === 'string' ? claims.name : undefined,
      role: groups.some((g) => config.adminGroups?.includes(g)) ? 'admin' : 'user',
    }
    // A new session id at login, so a session id planted before it is worth nothing (session fixation).
    req.session.regenerate(() => {
      req.session.user = user
      req.session.save(() => res.redirect('/'))
    })
  })
  app.post('/logout', (req, res) => {
    // Destroying the session closes its sockets too. (The provider's own session ends at its
    // end_session_endpoint: oidc.buildEndSessionUrl.)
    req.session.destroy(() => res.json({ ok: true }))
  })
  return { app, proxy }
}
