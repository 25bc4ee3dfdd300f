/**
 * (a) A plain Express app (ESM .mjs) in a fresh npm project, on the installed tarballs: `clawchatProxy`
 * from @clawchat/server in front of @clawchat/mock-gateway's `startMockGateway`, and @clawchat/client
 * in Node logging in with the session cookie and chatting. Runs as a child process in that project.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, inject, it } from 'vitest'
import { run, tail } from './packages.js'

it('an Express app on the installed server and mock gateway: a Node client logs in, chats, and gets the reply', async () => {
  const { appDir } = inject('packaging')
  copyFileSync(fileURLToPath(new URL('./app/chat-app.mjs', import.meta.url)), join(appDir, 'chat-app.mjs'))
  const r = await run(process.execPath, ['chat-app.mjs'], { cwd: appDir, timeoutMs: 45_000 })
  expect(r.code, `the Express app in the fresh project failed:\n${tail(r)}`).toBe(0)
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    user?: { id: string }
    reply?: string
    resolved?: Record<string, string>
  }
  expect(out.user?.id, `the client did not see its logged-in user: ${r.stdout}`).toBe('alice')
  expect(out.reply, "the echo agent's reply did not arrive through the installed packages").toBe(
    'ECHO<<Hello from a packed app>>',
  )
  for (const [name, path] of Object.entries(out.resolved ?? {})) {
    expect(
      path.startsWith(join(appDir, 'node_modules')),
      `${name} was loaded from ${path}, not the fresh project`,
    ).toBe(true)
  }
})
