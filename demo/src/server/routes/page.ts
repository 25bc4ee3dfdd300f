import express, { type Router } from 'express'
import { join } from 'node:path'

export interface PageRoutesOptions {
  /** demo/public: index.html and the CSS. */
  publicDir: string
  /** The bundled page script (demo/dist/page). */
  bundleDir: string
  /** Extra `connect-src` for the Content-Security-Policy (direct mode: the gateway's origin). */
  connectSrc: string[]
}

/** The page itself, its bundle and styles, with a strict Content-Security-Policy. */
export function pageRoutes(opts: PageRoutesOptions): Router {
  const router = express.Router()
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${opts.connectSrc.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')
  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    })
    next()
  })
  router.use('/assets', express.static(opts.bundleDir, { fallthrough: false, maxAge: 0 }))
  router.use(express.static(opts.publicDir, { index: 'index.html', maxAge: 0 }))
  router.get('/', (_req, res) => res.sendFile(join(opts.publicDir, 'index.html')))
  return router
}
