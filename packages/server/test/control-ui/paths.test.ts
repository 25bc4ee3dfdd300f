/**
 * Which raw paths belong to the console's prefix, and which of them may be forwarded with the
 * gateway's credential: every form a server on the way could read as another path is refused
 * with a reason (the HTTP side answers it 400, see http.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { matchPrefix } from '../../src/control-ui/paths.js'

const prefix = '/clawchat/control'

describe('matchPrefix', () => {
  it.each([
    '/clawchat/control',
    '/clawchat/control/',
    '/clawchat/control?token=x',
    '/clawchat/control/?session=main',
    '/clawchat/control/assets/index-abc.js',
    '/clawchat/control/control-ui-config.json',
    '/clawchat/control/browser/screencast?token=x',
    '/clawchat/control/a%20b/c~d.e_f-g',
  ])('%s is under the prefix, forwarded as it is', (url) => {
    expect(matchPrefix(url, prefix)).toEqual({ kind: 'inside', url })
  })

  it('drops a fragment but keeps the query', () => {
    expect(matchPrefix('/clawchat/control/x?a=1#frag', prefix)).toEqual({
      kind: 'inside',
      url: '/clawchat/control/x?a=1',
    })
  })

  it.each([
    '/',
    '/clawchat',
    '/clawchat/',
    '/clawchat/controller',
    '/clawchat/control.js',
    '/x/clawchat/control/',
    '/CLAWCHAT/CONTROL/',
  ])('%s is outside', (url) => {
    expect(matchPrefix(url, prefix)).toEqual({ kind: 'outside' })
  })

  it.each([
    ['/clawchat/control/..', /"\.\." segment/],
    ['/clawchat/control/../session', /"\.\." segment/],
    ['/clawchat/control/./x', /"\." segment/],
    ['/clawchat/control/%2e%2e/x', /"%2e%2e" segment/],
    ['/clawchat/control/%2E./x', /"%2E\." segment/],
    ['/clawchat/control/.%2e', /".%2e" segment/],
    ['/clawchat/control/%2E', /"%2E" segment/],
    ['/clawchat/control/a%2fb', /encoded "\/" or "\\"/],
    ['/clawchat/control/a%2Fb', /encoded "\/"/],
    ['/clawchat/control/a%5cb', /encoded "\/" or "\\"/],
    ['/clawchat/control/a%5Cb', /encoded/],
    ['/clawchat/control/a\\b', /backslash/],
    ['/clawchat/control//etc', /empty segment/],
    ['/clawchat/control/a%zz', /"%" that is not followed by two hex digits/],
    ['/clawchat/control/a%', /"%" that is not followed by two hex digits/],
    ['/clawchat/control/%c3%28', /not valid UTF-8/],
    ['/clawchat/control/a%00b', /control character/],
  ])('%s is refused: %s', (url, reason) => {
    const match = matchPrefix(url, prefix)
    expect(match.kind).toBe('refused')
    expect(match.kind === 'refused' && match.reason).toMatch(reason)
  })
})
