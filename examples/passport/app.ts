/**
 * Recipe: Passport (here its `local` username/password strategy) on express-session.
 *
 * Passport keeps what `serializeUser` returns in `req.session.passport.user` — here the user's id
 * only, as Passport's guide does. The proxy runs the same express-session on the upgrade request, and
 * its `authenticate` maps that id to the user with your user store, like `deserializeUser` does for
 * pages. Logging out (`req.logout`) regenerates the session, which closes the user's sockets at once.
 * Any other strategy (GitHub, SAML, …) works the same way: only the strategy changes.
 */
import express, { type Express } from 'express'
import session from 'express-session'
import { Passport } from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import {
  clawchatProxy,
  type AuthenticateRequest,
  type ClawChatUserInput,
  type GatewayOptions,
  type LoggerLike,
  type ClawChatProxy,
} from '@clawchat/server'

/** What the app needs: the gateway, a session secret, and your user store. */
export interface PassportAppConfig {
  gateway: GatewayOptions
  /** express-session's cookie-signing secret, from a secret store. */
  sessionSecret: string
  /** Checks a password: the user, or null. */
  verifyPassword(username: string, password: string): Promise<ClawChatUserInput | null>
  /** Loads a user by id (the user may have been deleted or changed since login): the user, or null. */
  findUser(id: string): Promise<ClawChatUserInput | null>
  /** The proxy's log. Default: pino to stderr. */
  logger?: LoggerLike
}

/**
 * The app: POST /login (a form: username, password), POST /logout, and ClawChat at /clawchat.
 *
 * @example
 * const { app, proxy } = createPassportApp({ gateway: { token }, sessionSecret, verifyPassword, findUser })
 * proxy.attach(app.listen(3000))
 */
export function createPassportApp(config: PassportAppConfig): { app: Express; proxy: ClawChatProxy } {
  // An instance of its own rather than the `passport` singleton, so two apps in one process don't mix.
  const passport = new Passport()
  passport.use(
    new LocalStrategy((username, password, done) => {
      config.verifyPassword(username, password).then((user) => done(null, user ?? false), done)
    }),
  )
  // What goes into req.session.passport.user: the id, nothing more.
  passport.serializeUser((user, done) => done(null, (user as ClawChatUserInput).id))
  passport.deserializeUser((id: string, done) => {
    config.findUser(id).then((user) => done(null, user ?? false), done)
  })

  // A production app passes a shared `store` (Redis, Postgres); the MemoryStore is for one process.
  const sessionMiddleware = session({
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' }, // add `secure: true` behind HTTPS
  })

  // The upgrade request has been through `sessionMiddleware`: Passport's part of the session is there.
  const authenticate = async (req: AuthenticateRequest) => {
    const id: unknown = req.session?.passport?.user
    return typeof id === 'string' ? await config.findUser(id) : null
  }
  const proxy = clawchatProxy({
    gateway: config.gateway,
    session: sessionMiddleware,
    authenticate,
    logger: config.logger,
  })

  const app = express()
  app.use(proxy)
  app.use(sessionMiddleware, passport.session())
  // Passport 0.7 regenerates the session on login (no session fixation) and on logout.
  app.post('/login', express.urlencoded({ extended: false }), passport.authenticate('local'), (req, res) => {
    res.json({ user: req.user })
  })
  app.post('/logout', (req, res, next) => {
    req.logout((error) => (error ? next(error) : res.json({ ok: true })))
  })
  return { app, proxy }
}
