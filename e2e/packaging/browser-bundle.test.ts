/**
 * (c) A browser app that does not use direct mode: its fresh npm project installs only the client
 * tarball (and the protocol it depends on) and esbuild — neither `@openclaw/gateway-client` (an
 * optional peer of the client, for `/direct` only) nor `ws` comes along — and esbuild bundles a page
 * importing `@clawchat/client` for browsers: the bundle holds no code of either (metafile inputs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, inject, it } from 'vitest'
import { run, tail } from './packages.js'

const PAGE = `import { ClawChat } from '@clawchat/client'
const chat = new ClawChat()
chat.ready.then(() => chat.send('Hello from the page'))
`

it('installing the client alone pulls neither @openclaw/gateway-client nor ws', () => {
  const { browserDir } = inject('packaging')
  for (const name of ['@openclaw/gateway-client', 'ws']) {
    expect(
      existsSync(join(browserDir, 'node_modules', ...name.split('/'))),
      `@clawchat/client brought ${name} into a project that does not use direct mode`,
    ).toBe(false)
  }
  const pkg = JSON.parse(readFileSync(join(browserDir, 'node_modules/@clawchat/client/package.json'), 'utf8'))
  expect(pkg.dependencies ?? {}, '@clawchat/client must not depend on @openclaw/gateway-client').not.toHaveProperty(
    '@openclaw/gateway-client',
  )
  expect(pkg.peerDependenciesMeta?.['@openclaw/gateway-client']?.optional, 'gateway-client is an optional peer').toBe(
    true,
  )
})

it('an esbuild browser bundle of a page importing @clawchat/client contains no gateway-client and no ws code', async () => {
  const { browserDir } = inject('packaging')
  writeFileSync(join(browserDir, 'page.js'), PAGE)
  const r = await run(
    join(browserDir, 'node_modules/.bin/esbuild'),
    [
      'page.js',
      '--bundle',
      '--platform=browser',
      '--format=esm',
      '--minify',
      '--metafile=meta.json',
      '--outfile=out.js',
    ],
    { cwd: browserDir },
  )
  expect(r.code, `esbuild could not bundle a page importing the installed @clawchat/client:\n${tail(r)}`).toBe(0)
  const inputs = Object.keys(JSON.parse(readFileSync(join(browserDir, 'meta.json'), 'utf8')).inputs as object)
  expect(inputs, 'the bundle must come from the installed client').toContain(
    'node_modules/@clawchat/client/dist/index.js',
  )
  const unwanted = inputs.filter((f) => /gateway-client|node_modules\/ws\/|direct/.test(f))
  expect(unwanted, `the browser bundle pulled in direct-mode code: ${unwanted.join(', ')}`).toEqual([])
  const out = readFileSync(join(browserDir, 'out.js'), 'utf8')
  expect(out, 'the bundle mentions @openclaw/gateway-client').not.toMatch(/@openclaw\/gateway-client/)
})
