/**
 * Real express-session sessions, made cheaply: `POST /login?user=<id>` on the proxy child's app,
 * over keep-alive HTTP, a bounded number at a time. Answers the `Cookie` header of each user.
 */
import { Agent, request } from 'node:http'
import { mapLimit } from './pool.js'

function loginOne(agent: Agent, baseUrl: string, userId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/login?user=${encodeURIComponent(userId)}`,
      { method: 'POST', agent, timeout: 10_000 },
      (res) => {
        res.resume()
        const setCookie = res.headers['set-cookie']?.[0]
        if (res.statusCode !== 200 || !setCookie) {
          reject(new Error(`login of ${userId} answered ${res.statusCode} ${setCookie ? '' : '(no cookie)'}`))
          return
        }
        resolve(setCookie.split(';')[0] ?? '')
      },
    )
    req.on('timeout', () => req.destroy(new Error(`login of ${userId} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/**
 * Logs every user in; resolves with their cookies, in order.
 *
 * @example
 * const [cookie] = await loginUsers('http://127.0.0.1:4000', ['alice'])
 */
export async function loginUsers(baseUrl: string, userIds: readonly string[], concurrency = 32): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  try {
    return await mapLimit(userIds, concurrency, (id) => loginOne(agent, baseUrl, id))
  } finally {
    agent.destroy()
  }
}
