/**
 * A small round-robin load balancer, as nginx would be in front of two app instances: every HTTP
 * request and every WebSocket upgrade goes to the next backend in turn, with `X-Forwarded-For`,
 * `-Proto` and `-Host` added. HTTP is forwarded with node:http; an upgrade is piped as raw TCP
 * (request head re-sent, then both directions piped), so the backend's 101 — or its refusal —
 * reaches the client byte for byte. Listens on 127.0.0.1 and a free port; `close()` stops it.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** A backend: where an app instance listens. */
export interface Backend {
  name: string
  port: number
}

/** A running balancer. */
export interface RoundRobin {
  readonly port: number
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Which backend served each request and upgrade, in order. */
  readonly served: Array<{ kind: 'http' | 'upgrade'; backend: string }>
  close(): Promise<void>
}

function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const prior = req.headers['x-forwarded-for']
  const peer = req.socket.remoteAddress ?? ''
  return {
    'x-forwarded-for': prior ? `${String(prior)}, ${peer}` : peer,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': req.headers.host ?? '',
  }
}

/** The request head as raw HTTP/1.1 text, with the forwarded headers replaced. */
function rawHead(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`]
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    if (/^x-forwarded-(for|proto|host)$/i.test(name)) continue
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`)
  }
  for (const [name, value] of Object.entries(forwardedHeaders(req))) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/**
 * Starts the balancer in front of `backends`.
 *
 * @example
 * const lb = await startRoundRobin([{ name: 'A', port: a.port }, { name: 'B', port: b.port }])
 * await fetch(`${lb.url}/login`, …)                       // → A
 * new WebSocket(`${lb.url.replace('http', 'ws')}/clawchat`) // → B
 * await lb.close()
 */
export async function startRoundRobin(backends: readonly Backend[]): Promise<RoundRobin> {
  let turn = 0
  const served: RoundRobin['served'] = []
  const sockets = new Set<Socket | Duplex>()
  const next = (kind: 'http' | 'upgrade'): Backend => {
    const backend = backends[turn % backends.length] as Backend
    turn += 1
    served.push({ kind, backend: backend.name })
    return backend
  }

  const server: Server = createServer((req, res) => {
    const backend = next('http')
    const upstream = request(
      {
        host: '127.0.0.1',
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, ...forwardedHeaders(req) },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const backend = next('upgrade')
    const upstream = connect(backend.port, '127.0.0.1')
    sockets.add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
    }
    upstream.once('close', () => {
      sockets.delete(upstream)
      client.end()
    })
    client.once('close', () => upstream.end())
    upstream.on('error', drop)
    client.on('error', drop)
    upstream.once('connect', () => {
      upstream.write(rawHead(req))
      if (head.length > 0) upstream.write(head)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    served,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
