import express, { type Request, type Response, type Router } from 'express'
import { verifyLogin, type DemoUser } from '../users.js'
import { SESSION_COOKIE } from '../session-store.js'

export interface AuthRoutesOptions {
  users: readonly DemoUser[]
  mode: 'proxy' | 'direct'
  /** Called after a session was destroyed by logout, with its id (the proxy closes its sockets). */
  onLogout(sessionId: string): void
  log(line: string): void
}

/**
 * `GET /api/me`, `POST /api/login` and `POST /api/logout`. JSON only: a cross-site form cannot send
 * `application/json`, so these cannot be triggered from another site.
 */
export function authRoutes(opts: AuthRoutesOptions): Router {
  const router = express.Router()
  router.use('/api', express.json({ limit: '4kb' }))

  router.get('/api/me', (req, res) => {
    res.set('Cache-Control', 'no-store')
    const user = req.session.user
    res.json({ mode: opts.mode, user: user ?? null })
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
        res.json({ mode: opts.mode, user: req.session.user })
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

function requireJson(req: Request, res: Response): boolean {
  if (req.is('application/json')) return true
  res.status(415).json({ error: 'Send JSON (Content-Type: application/json).' })
  return false
}
