/**
 * Issue 22, item 2: the metrics endpoint the middleware serves — the Prometheus text format to the
 * peers of `metrics.allowFrom` (default loopback), judged on the socket's peer and never on
 * `X-Forwarded-For`; 403 with a sentence to others; 405 to other methods; nothing when off.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './helpers/harness.js'
import { sample } from './helpers/metrics-scrape.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('the metrics endpoint', () => {
  it('answers the text format to a loopback peer, HEAD too, with no-store', async () => {
    h = await startHarness({ proxy: { metrics: true } })
    await h.waitForLinkUp()
    const res = await fetch(`${h.baseUrl}/clawchat/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    expect(text).toContain('# TYPE clawchat_connections gauge')
    expect(text).toContain('# TYPE clawchat_request_duration_seconds histogram')
    expect(sample(text, 'clawchat_gateway_link_state', { state: 'up' })).toBe(1)
    expect(sample(text, 'clawchat_gateway_link_state', { state: 'down' })).toBe(0)
    expect(sample(text, 'clawchat_connections', { surface: 'relay' })).toBe(0)
    const head = await fetch(`${h.baseUrl}/clawchat/metrics`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('refuses a peer outside allowFrom with 403 and a sentence, whatever X-Forwarded-For says', async () => {
    // The test's peer is 127.0.0.1: outside 10.0.0.0/8, as another host would be.
    h = await startHarness({ proxy: { metrics: { allowFrom: '10.0.0.0/8' }, trustProxy: true } })
    const res = await fetch(`${h.baseUrl}/clawchat/metrics`, { headers: { 'X-Forwarded-For': '10.1.2.3' } })
    expect(res.status).toBe(403)
    expect(await res.text()).toBe('Metrics are served only to the addresses of option metrics.allowFrom.\n')
  })

  it('answers other methods 405 with Allow', async () => {
    h = await startHarness({ proxy: { metrics: true } })
    const res = await fetch(`${h.baseUrl}/clawchat/metrics`, { method: 'POST', body: 'x' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(await res.text()).toContain('answers GET only')
  })

  it('serves at metrics.path with metrics.prefix, and passes the default path on when off', async () => {
    h = await startHarness({ proxy: { metrics: { path: '/ops/metrics', prefix: 'chat_' } } })
    const res = await fetch(`${h.baseUrl}/ops/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toContain('chat_upgrades_refused_total')
    expect(text).not.toContain('clawchat_')
    // Not the proxy's path any more: Express answers it (404).
    expect((await fetch(`${h.baseUrl}/clawchat/metrics`)).status).toBe(404)
    await h.close()
    h = await startHarness()
    expect((await fetch(`${h.baseUrl}/clawchat/metrics`)).status).toBe(404)
    expect(h.proxy.metrics).toBeUndefined()
  })
})
