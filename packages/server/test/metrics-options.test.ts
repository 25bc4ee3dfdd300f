/**
 * Issue 22, item 2: option `metrics` — its defaults, and every bad value a construction error naming
 * `metrics.<field>` (never the token); `proxy.metrics` is the Registry, or undefined when off; the
 * global prom-client registry is never touched unless the app passes it.
 */
import promClient, { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { clawchatProxy, type ClawChatProxy } from '../src/index.js'
import { resolveOptions } from '../src/gate/options.js'

const session = (_req: unknown, _res: unknown, next: () => void) => next()
const TOKEN = 'tok-4b1d7a-SECRET'
// A closed port: the link retries in the background; nothing here needs it.
const base = { gateway: { url: 'ws://127.0.0.1:9', token: TOKEN, identityPath: '/tmp/clawchat-m-id.json' }, session }
const silent = { debug() {}, info() {}, warn() {}, error() {} }

function error(metrics: unknown): string {
  try {
    resolveOptions({ ...base, metrics })
  } catch (e) {
    const message = (e as Error).message
    expect(message).not.toContain(TOKEN)
    return message
  }
  throw new Error('expected resolveOptions to throw')
}

const proxies: ClawChatProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})

describe('option metrics', () => {
  it('is off by default, and true fills every default', () => {
    expect(resolveOptions(base).metrics).toBeUndefined()
    expect(resolveOptions({ ...base, metrics: false }).metrics).toBeUndefined()
    const on = resolveOptions({ ...base, metrics: true }).metrics!
    expect(on).toMatchObject({ path: '/clawchat/metrics', prefix: 'clawchat_', register: undefined })
    expect(on.allowFrom('127.0.0.1', 0)).toBe(true)
    expect(on.allowFrom('::1', 0)).toBe(true)
    expect(on.allowFrom('10.1.2.3', 0)).toBe(false)
  })

  it('follows option path, and takes allowFrom as trustProxy does', () => {
    const o = resolveOptions({ ...base, path: '/chat', metrics: { allowFrom: ['10.0.0.0/8', 'loopback'] } }).metrics!
    expect(o.path).toBe('/chat/metrics')
    expect(o.allowFrom('10.9.8.7', 0)).toBe(true)
    expect(o.allowFrom('192.168.1.1', 0)).toBe(false)
    const fn = resolveOptions({ ...base, metrics: { allowFrom: (a: string) => a === '192.0.2.1' } }).metrics!
    expect(fn.allowFrom('192.0.2.1', 0)).toBe(true)
  })

  it.each([
    ['yes', 'option "metrics" must be true, false or { path?, allowFrom?, prefix?, register? }, got "yes"'],
    [[], 'option "metrics" must be true, false or { path?, allowFrom?, prefix?, register? }, got []'],
    [{ paht: '/m' }, 'unknown option "metrics.paht"; known: path, allowFrom, prefix, register'],
    [{ path: 'metrics' }, 'option "metrics.path" must be a URL path like "/clawchat/metrics"'],
    [{ path: '/m?x=1' }, 'option "metrics.path" must be a URL path'],
    [{ path: '/m/' }, 'option "metrics.path" must be a URL path'],
    [{ path: '/clawchat' }, 'option "metrics.path" must differ from option "path"'],
    [{ prefix: '1x_' }, 'option "metrics.prefix" must be a Prometheus name start like "clawchat_"'],
    [{ prefix: 'a-b' }, 'option "metrics.prefix" must be a Prometheus name start'],
    [{ prefix: 7 }, 'option "metrics.prefix" must be a Prometheus name start'],
    [{ allowFrom: 'not an address' }, 'option "metrics.allowFrom": invalid IP address'],
    [{ allowFrom: 2 }, 'option "metrics.allowFrom" must be addresses or subnets'],
    [{ allowFrom: {} }, 'option "metrics.allowFrom" must be true, false'],
    [{ register: {} }, 'option "metrics.register" must be a prom-client Registry'],
  ])('refuses %j', (metrics, message) => {
    expect(error(metrics)).toContain(message)
  })

  it('gives proxy.metrics: its own Registry, undefined when off, never the global one', async () => {
    const off = clawchatProxy({ ...base, logger: silent })
    const on = clawchatProxy({ ...base, logger: silent, metrics: true })
    proxies.push(off, on)
    expect(off.metrics).toBeUndefined()
    expect(on.metrics).toBeInstanceOf(Registry)
    expect(on.metrics).not.toBe(promClient.register)
    expect(await on.metrics!.metrics()).toContain('# TYPE clawchat_connections gauge')
    expect(promClient.register.getSingleMetric('clawchat_connections')).toBeUndefined()
  })

  it("registers in the app's registry when given, and refuses a second proxy with the same names", async () => {
    const register = new Registry()
    const first = clawchatProxy({ ...base, logger: silent, metrics: { register, prefix: 'chat_' } })
    proxies.push(first)
    expect(first.metrics).toBe(register)
    expect(register.getSingleMetric('chat_upgrades_refused_total')).toBeDefined()
    expect(() => clawchatProxy({ ...base, logger: silent, metrics: { register, prefix: 'chat_' } })).toThrow(
      'option "metrics.register" already holds metrics named "chat_…" (another proxy?)',
    )
    const second = clawchatProxy({ ...base, logger: silent, metrics: { register, prefix: 'chat2_' } })
    proxies.push(second)
    expect(await register.metrics()).toContain('chat2_connections')
  })

  it("takes its instruments out of the app's registry on close(), so that a new proxy may register", async () => {
    const register = new Registry()
    register.registerMetric(new promClient.Counter({ name: 'app_logins_total', help: 'the app', registers: [] }))
    const old = clawchatProxy({ ...base, logger: silent, metrics: { register } })
    await old.close()
    expect(register.getSingleMetric('clawchat_connections')).toBeUndefined()
    expect(register.getSingleMetric('app_logins_total')).toBeDefined()
    const fresh = clawchatProxy({ ...base, logger: silent, metrics: { register } })
    proxies.push(fresh)
    expect(await register.metrics()).toContain('# TYPE clawchat_connections gauge')
  })
})
