import express, { type Router } from 'express'

/**
 * Direct mode only: `GET /api/direct-config` gives a logged-in page the gateway's URL and token, so
 * the browser can talk to the gateway itself. The user chose this mode; the page warns about it.
 */
export function directConfigRoute(gateway: { browserUrl: string; token: string }): Router {
  const router = express.Router()
  router.get('/api/direct-config', (req, res) => {
    res.set('Cache-Control', 'no-store')
    if (!req.session.user) return void res.status(401).json({ error: 'Log in first.' })
    res.json({ gatewayUrl: gateway.browserUrl, token: gateway.token })
  })
  return router
}
