import express, { type Request, type Response, type Router } from 'express'
import { verifyLogin, type DemoUser } from '../users.js'
import { SESSION_COOKIE } from '../session-store.js'
import { controlUiLinkFor } from '../control-ui.js'

export interface AuthRoutesOptions {
  users: readonly DemoUser[]
  mode: 'proxy' | 'direct'
  /** Called after a session was destroyed by logout, with its id (the proxy closes its sockets). */
  onLogout(sessionId: string): void
  log(line: string): void
  /** `--control-ui`: answers tell an administrator where the Control UI is (`controlUi`). Default off. */
  controlUi?: boolean
}

/**
 * `GET /api/me`, `POST /api/login` and `POST /api/logout`. JSON only: a cross-site form cannot send
 * `application/json`, so these cannot be triggered from another site. `/api/me` and a login answer
 * `{ mode, user, controlUi }`: `controlUi` is the Control UI's link for a user who may open it, else null.
 *
 * @example
 * app.use(authRoutes({ users, mode: 'proxy', log: console.log, onLogout: (sid) => proxy.disconnectSession(sid) }))
 */
export function authRoutes(opts: AuthRoutesOptions): Router {
  const router = express.Router()
  router.use('/api', express.json({ limit: '4kb' }))
  const answer = (user: DemoUserInSession | undefined) => ({
    mode: opts.mode,
    user: user ?? null,
    controlUi: controlUiLinkFor(opts.controlUi ?? false, user),
  })

  router.get('/api/me', (req, res) => {
    res.set('Cache-Control', 'no-store')
    res.json(answer(req.session.user))
  })

  router.post('/api/login', (req, res) => {
    if (!requireJson(req, res)) return
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown }
    const user = verifyLogin(opts.users, body.username, body.password)
    if (!user) {
      opts.log(`login refused for "${String(body.username ?? '').slice(0, 40)}"`)
      return void res.status(401).json({ error: 'Wrong name or password.' })
    }
    // A new session id at login: a session id planted before login is worth nothing.
    req.session.regenerate((err) => {
      if (err) return void res.status(503).json({ error: 'The session store failed; try again.' })
      req.session.user = { id: user.id, name: user.name, role: user.role }
      req.session.save((saveErr) => {
        if (saveErr) return void res.status(503).json({ error: 'The session store failed; try again.' })
        opts.log(`${user.id} logged in`)
        res.json(answer(req.session.user))
      })
    })
  })

  router.post('/api/logout', (req, res) => {
    if (!requireJson(req, res)) return
    const sessionId = req.sessionID
    const who = req.session.user?.id
    req.session.destroy((err) => {
      if (err) return void res.status(503).json({ error: 'The session store failed; try again.' })
      opts.onLogout(sessionId)
      if (who) opts.log(`${who} logged out`)
      res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' })
      res.json({ ok: true })
    })
  })

  return router
}

/** The user a login keeps in the session. */
type DemoUserInSession = { id: string; name?: string; role?: 'user' | 'admin' }

function requireJson(req: Request, res: Response): boolean {
  if (req.is('application/json')) return true
  res.status(415).json({ error: 'Send JSON (Content-Type: application/json).' })
  return false
}
