// A free TCP port on 127.0.0.1, found by binding port 0 and closing again.
import { createServer } from 'node:net'

/**
 * Asks the OS for a free port on 127.0.0.1 (bind port 0, read it, close). Another process could
 * take it before you bind it yourself; on a test machine that is rare enough.
 *
 * @example
 * const port = await findFreePort()
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('findFreePort: the OS gave no TCP port'))
        return
      }
      srv.close(() => resolve(addr.port))
    })
  })
}
