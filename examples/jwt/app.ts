/**
 * Recipe: a JWT login (jose), no server-side session at all.
 *
 * POST /login checks the password and signs a short-lived JWT (HS256, with issuer, audience, expiry).
 * Browsers get it in an HttpOnly cookie: a browser cannot set headers on a WebSocket upgrade — the
 * `WebSocket` constructor has no headers option — but it sends the page's cookies with it. Other
 * clients (a CLI, a service, `@clawchat/client` in Node) take the token from the answer and send
 * `Authorization: Bearer <jwt>` on the upgrade instead. `authenticate` verifies either with `jwtVerify`.
 */
import express, { type Express } from 'express'
import { SignJWT, jwtVerify } from 'jose'
import {
  clawchatProxy,
  type AuthenticateRequest,
  type ClawChatUserInput,
  type GatewayOptions,
  type LoggerLike,
  type ClawChatProxy,
} from '@clawchat/server'

/** What the app needs: the gateway, the signing key, and your own password check. */
export interface JwtAppConfig {
  gateway: GatewayOptions
  /** The HS256 key: at least 32 random bytes, from a secret store — never in the code. */
  secret: Uint8Array
  /** Checks a password against your user store: the user, or null. */
  verifyPassword(username: string, password: string): Promise<ClawChatUserInput | null>
  /** How long a token lasts. Default '15m': the shorter, the sooner a stolen token is useless. */
  expiresIn?: string
  /** The proxy's log. Default: pino to stderr. */
  logger?: LoggerLike
  /**
   * How often the proxy re-runs `authenticate` on each open socket's upgrade request: a socket whose
   * token expired closes with 4401 within this time. Default 4000 ms (the proxy's own default).
   */
  sessionCheckIntervalMs?: number
}

export const COOKIE = 'app_jwt'
const ISSUER = 'https://app.example'
const AUDIENCE = 'clawchat'

/** The token of a request: `Authorization: Bearer …` (non-browser clients), else the cookie. */
function tokenOf(req: AuthenticateRequest): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')
  if (bearer) return bearer[1]
  // No cookie-parser needed for one cookie; the proxy sees the raw upgrade request.
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`))
  return cookie?.slice(COOKIE.length + 1)
}

/**
 * The app: POST /login, POST /logout, and ClawChat at /clawchat.
 *
 * @example
 * const { app, proxy } = createJwtApp({ gateway: { token }, secret, verifyPassword })
 * proxy.attach(app.listen(3000))
 */
export function createJwtApp(config: JwtAppConfig): { app: Express; proxy: ClawChatProxy } {
  // The proxy calls this on every upgrade (and GET /clawchat/session): no valid token, no socket (401).
  const authenticate = async (req: AuthenticateRequest): Promise<ClawChatUserInput | null> => {
    const token = tokenOf(req)
    if (!token) return null
    try {
      const { payload } = await jwtVerify(token, config.secret, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'], // never let the token pick its own algorithm
        requiredClaims: ['sub', 'exp'],
      })
      const name = typeof payload.name === 'string' ? payload.name : undefined
      return { id: payload.sub as string, name, role: payload.role === 'admin' ? 'admin' : 'user' }
    } catch {
      return null // expired, forged, wrong audience…: simply not logged in
    }
  }
  // No `session` option: every `sessionCheckIntervalMs` the proxy calls `authenticate` again on each
  // socket's upgrade request, so a socket closes (4401) once its token expired.
  const { gateway, logger, sessionCheckIntervalMs } = config
  const proxy = clawchatProxy({ gateway, authenticate, logger, sessionCheckIntervalMs })

  const app = express()
  app.use(proxy)
  app.post('/login', express.json(), async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown }
    const user =
      typeof username === 'string' && typeof password === 'string'
        ? await config.verifyPassword(username, password)
        : null
    if (!user) return void res.status(401).json({ error: 'wrong username or password' })
    const token = await new SignJWT({ name: user.name, role: user.role ?? 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(config.expiresIn ?? '15m')
      .sign(config.secret)
    // HttpOnly: page scripts cannot read it. SameSite=Lax plus the proxy's Origin check keep other sites out.
    // Add `secure: true` when served over HTTPS (always, outside a laptop).
    res.cookie(COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/' })
    res.json({ token }) // for non-browser clients: send it as `Authorization: Bearer <token>`
  })
  app.post('/logout', (req, res) => {
    // A JWT stays valid until it expires, and the proxy re-checks each socket with the token of its own
    // upgrade request — still valid: close the user's sockets (all of them: without a server-side
    // session, one device cannot be singled out).
    void authenticate(req).then((user) => {
      if (user) proxy.disconnectUser(user.id)
      res.clearCookie(COOKIE, { path: '/' }).json({ ok: true })
    })
  })
  return { app, proxy }
}
