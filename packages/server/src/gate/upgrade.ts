/**
 * The authentication gate, run before any WebSocket exists: Origin check, then the app's own
 * `session` middleware on the upgrade request, then `authenticate`. A refused upgrade gets a plain
 * HTTP answer (401, 403, 429, 500, 503) and its socket destroyed; the browser only sees close 1006 and
 * asks `GET <path>/session` why.
 */
import { ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ClawChatUser } from '@clawchat/protocol'
import { messageOf } from '../common/errors.js'
import type { AuthenticateRequest, ResolvedOptions } from './options.js'
import { normalizeOrigin } from './options.js'
import type { SessionStoreLike } from './session-check.js'
import { userIdProblem } from '../isolation/session-keys.js'

/** What the gate decided. */
export type GateResult =
  | {
      ok: true
      user: ClawChatUser
      sessionId: string | undefined
      /** The store the session came from (`req.sessionStore`, set by express-session), for the logout check. */
      sessionStore: SessionStoreLike | undefined
      origin: string | undefined
    }
  | { ok: false; status: 401 | 403 | 500 | 503; message: string; userId?: string }

/** The first value of a header. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The app's own origin as the browser sees it: its Host (or, behind a trusted proxy,
 * `X-Forwarded-Host`) and scheme (TLS on the socket, or `X-Forwarded-Proto`).
 */
export function ownOrigin(req: IncomingMessage, trustProxy: boolean): string | null {
  const forwardedHost = trustProxy ? header(req, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined
  const host = forwardedHost || header(req, 'host')
  if (!host) return null
  const forwardedProto = trustProxy ? header(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http'
  return normalizeOrigin(`${proto}://${host}`)
}

/**
 * Is this Origin allowed? A request without one is not a browser: only the session check applies.
 *
 * @example
 * originAllowed(req, ['https://app.example'], false) // true for Origin: https://app.example
 */
export function originAllowed(
  req: IncomingMessage,
  allowed: readonly string[] | undefined,
  trustProxy: boolean,
): { ok: boolean; origin?: string } {
  const raw = header(req, 'origin')
  if (raw === undefined) return { ok: true }
  const origin = normalizeOrigin(raw)
  if (origin === null) return { ok: false, origin: raw.slice(0, 200) }
  if (allowed) return { ok: allowed.includes(origin), origin }
  return { ok: origin === ownOrigin(req, trustProxy), origin }
}

/** How long the session middleware may take on one request before the store counts as failed. */
export const SESSION_TIMEOUT_MS = 10_000

/** Runs a Connect-style middleware on a bare request (no Express response exists for upgrades). */
function runMiddleware(middleware: NonNullable<ResolvedOptions['session']>, req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    const res = new ServerResponse(req)
    const timer = setTimeout(
      () => reject(new Error(`the session middleware did not call next() within ${SESSION_TIMEOUT_MS} ms`)),
      SESSION_TIMEOUT_MS,
    )
    timer.unref?.()
    const done = (error?: unknown) => {
      clearTimeout(timer)
      if (error) reject(error)
      else resolve()
    }
    try {
      const result = middleware(req, res, done) as { then?: unknown } | undefined
      if (result && typeof result.then === 'function') (result as Promise<unknown>).catch(done)
    } catch (error) {
      done(error)
    }
  })
}

/** Checks the user `authenticate` returned; the problem, or `null`. */
export function userProblem(user: unknown, namespace: string): string | null {
  if (typeof user !== 'object' || user === null) return 'authenticate must return { id, name?, role? } or null'
  const u = user as Record<string, unknown>
  const idProblem = userIdProblem(u.id, namespace)
  if (idProblem) return idProblem
  if (u.role !== undefined && u.role !== 'user' && u.role !== 'admin')
    return `the user's "role" must be "user" or "admin", got ${JSON.stringify(u.role)}`
  if (u.name !== undefined && typeof u.name !== 'string') return `the user's "name" must be a string`
  return null
}

/**
 * Runs `session` (when the request has none yet) and `authenticate` on a request: the user, or why
 * not. Shared by the upgrade gate and `GET <path>/session`.
 */
export async function authenticateRequest(
  req: IncomingMessage,
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace'>,
): Promise<GateResult> {
  const r = req as AuthenticateRequest
  if (options.session && r.session === undefined) {
    try {
      await runMiddleware(options.session, req)
    } catch (error) {
      return { ok: false, status: 503, message: `the session store failed: ${messageOf(error)}` }
    }
  }
  let user: unknown
  try {
    user = await options.authenticate(r)
  } catch (error) {
    return { ok: false, status: 500, message: `authenticate threw: ${messageOf(error)}` }
  }
  if (user === null || user === undefined) return { ok: false, status: 401, message: 'no user is logged in' }
  const problem = userProblem(user, options.namespace)
  if (problem) return { ok: false, status: 500, message: `authenticate returned an unusable user: ${problem}` }
  const u = user as { id: string; name?: string; role?: 'user' | 'admin' }
  const shown: ClawChatUser = { id: u.id, role: u.role ?? 'user' }
  if (u.name !== undefined) shown.name = u.name
  const store = (r as { sessionStore?: unknown }).sessionStore
  const sessionStore =
    typeof (store as SessionStoreLike | undefined)?.get === 'function' ? (store as SessionStoreLike) : undefined
  return {
    ok: true,
    user: shown,
    sessionId: typeof r.sessionID === 'string' ? r.sessionID : undefined,
    sessionStore,
    origin: undefined,
  }
}

/** The whole gate: Origin, then session and user. */
export async function gateUpgrade(
  req: IncomingMessage,
  options: Pick<ResolvedOptions, 'session' | 'authenticate' | 'namespace' | 'allowedOrigins'>,
  trustProxy: boolean,
): Promise<GateResult> {
  const origin = originAllowed(req, options.allowedOrigins, trustProxy)
  if (!origin.ok) return { ok: false, status: 403, message: `origin ${JSON.stringify(origin.origin)} is not allowed` }
  const result = await authenticateRequest(req, options)
  return result.ok ? { ...result, origin: origin.origin } : result
}

/** What a refused client is told (details stay in the server's log). */
export const REFUSAL_TEXT: Record<number, string> = {
  401: 'Not logged in: log in to the app, then reconnect.',
  403: 'This origin may not connect to ClawChat.',
  404: 'Nothing on this server accepts a WebSocket at this path.',
  429: 'Too many connections for this user.',
  500: 'ClawChat could not check who you are; the server log says why.',
  503: 'The session store is unavailable; try again shortly.',
}

/** Answers a refused upgrade with a plain HTTP response and destroys the socket. */
export function refuseUpgrade(socket: Duplex, status: number): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy()
    return
  }
  const text = `${REFUSAL_TEXT[status] ?? 'Refused.'}\n`
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  )
  setTimeout(() => socket.destroy(), 1000).unref?.()
}
