import type { IncomingMessage } from 'node:http'
import { validateRequestFrame } from '@openclaw/gateway-protocol'
import type { RawData, WebSocket } from 'ws'
import { GatewayConnection } from './connection.js'
import { CHALLENGE_CAPABILITIES } from '../fixtures/gateway-identity.js'
import type { GatewayCore } from '../gateway/gateway-core.js'
import { evaluateConnect } from './handshake.js'
import { dispatchRequest } from '../methods/dispatch.js'

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function handleConnectFrame(core: GatewayCore, conn: GatewayConnection, frame: unknown, stopTimer: () => void): void {
  conn.phase = 'authenticating'
  if (validateRequestFrame(frame)) core.recordRequest(conn, frame)
  const result = evaluateConnect(
    frame,
    { challengeNonce: conn.challenge.nonce, remoteAddress: conn.remoteAddress, origin: conn.origin },
    {
      token: core.options.token,
      allowedOrigins: core.options.allowedOrigins,
      throttle: core.throttle,
      now: Date.now(),
      starting: Date.now() < core.readyAt,
    },
  )
  if (!result.ok) {
    stopTimer()
    const refuse = () => {
      conn.respondError(result.requestId, result.error)
      conn.close(result.closeCode, result.closeReason)
      core.log(`connection ${conn.id} refused: ${result.error.message}`)
    }
    if (result.delayMs > 0) setTimeout(refuse, result.delayMs)
    else refuse()
    return
  }
  stopTimer()
  conn.identity = result.identity
  conn.phase = 'connected'
  const deviceToken = result.issueDeviceToken ? core.issueDeviceToken() : undefined
  conn.respond(result.requestId, core.helloOk(conn, deviceToken))
  core.sendHealthEvent(conn)
  if (result.identity.deviceId) core.broadcastPresence()
  const { clientId, clientMode, scopes } = result.identity
  core.log(`connection ${conn.id} connected as ${clientId}/${clientMode} scopes=[${scopes.join(',')}]`)
}

/**
 * Runs one client socket: sends `connect.challenge` (`{nonce, ts, capabilities}`, no `seq`), closes
 * it 1000 with an empty reason if no frame arrives within `handshakeTimeoutMs` or a frame is not
 * JSON (no response: transcripts/step6-no-frame, step6-invalid-json), runs the handshake on the
 * first frame and dispatches requests afterwards.
 */
export function acceptSocket(core: GatewayCore, ws: WebSocket, req: IncomingMessage): GatewayConnection {
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined
  const conn = new GatewayConnection(ws, req.socket.remoteAddress ?? '', origin, () => core.settings.writeDelayMs)
  core.connections.add(conn)
  if (core.stalled) ws.pause()
  conn.send({
    type: 'event',
    event: 'connect.challenge',
    payload: { nonce: conn.challenge.nonce, ts: conn.challenge.ts, capabilities: [...CHALLENGE_CAPABILITIES] },
  })
  const timer = setTimeout(() => {
    if (conn.phase === 'handshake') {
      core.log(`connection ${conn.id}: no connect within ${core.options.handshakeTimeoutMs} ms`)
      conn.close(1000, '')
    }
  }, core.options.handshakeTimeoutMs)
  const stopTimer = () => clearTimeout(timer)

  ws.on('message', (data) => {
    let frame: unknown
    try {
      frame = JSON.parse(rawText(data))
    } catch {
      stopTimer()
      conn.close(1000, '')
      return
    }
    if (conn.phase === 'handshake') handleConnectFrame(core, conn, frame, stopTimer)
    else if (conn.phase === 'connected') dispatchRequest(core, conn, frame)
    // 'authenticating' (a refusal pending) and 'closed': further frames are ignored.
  })
  ws.on('close', () => {
    stopTimer()
    const wasDevice = conn.identity?.deviceId !== undefined
    conn.phase = 'closed'
    core.connections.delete(conn)
    if (wasDevice) core.broadcastPresence()
  })
  ws.on('error', (err) => core.log(`connection ${conn.id} socket error: ${err.message}`))
  return conn
}
