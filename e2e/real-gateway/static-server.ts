// A tiny HTTP server on 127.0.0.1 that serves a fixed set of files (a test page and its bundle).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One file: its content type and body. */
export interface StaticFile {
  type: string
  body: string
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  close(): Promise<void>
}

/**
 * Serves `files` (by exact path) on 127.0.0.1 with a free port; anything else is 404.
 *
 * @example
 * const site = await startStaticServer({ '/': { type: 'text/html', body: html }, '/sdk.js': { type: 'text/javascript', body: js } })
 * await page.goto(site.origin)
 * await site.close()
 */
export async function startStaticServer(files: Record<string, StaticFile>): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0] ?? '/']
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let closing: Promise<void> | undefined
  return {
    origin,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
