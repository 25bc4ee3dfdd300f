/**
 * Issue 15.5 end to end: a proxy whose gateway refuses its token. The SDK must not let a message
 * wait forever: it says `misconfigured`, and `send()` rejects at once with a non-retryable error.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startStack, until, type Stack } from './harness.js'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

describe('a gateway that refuses the proxy', () => {
  it('puts the SDK in state misconfigured, and a send fails at once instead of waiting', async () => {
    stack = await startStack({ gateway: { token: 'not-the-token-the-proxy-has' } })
    const chat = stack.client(await stack.login('ada'))
    await chat.ready
    await until(() => chat.state === 'misconfigured', 'state misconfigured')
    const started = Date.now()
    await expect(chat.send('hello?')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: false,
      details: { reason: 'misconfigured' },
    })
    expect(Date.now() - started).toBeLessThan(2000)
    chat.close()
  })
})
