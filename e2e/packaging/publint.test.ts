/** (d) publint on each packed tarball (what npm would publish): no errors, no warnings, no suggestions. */
import { readFileSync } from 'node:fs'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, inject, it } from 'vitest'
import { PACKAGES } from './packages.js'

describe('publint', () => {
  for (const { name } of PACKAGES) {
    it(`${name}: publint finds nothing in its tarball`, async () => {
      const tarball = readFileSync(inject('packaging').tarballs[name])
      const buffer = tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength)
      const { messages, pkg } = await publint({ pack: { tarball: buffer as ArrayBuffer }, level: 'suggestion' })
      const found = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)
      expect(found, `publint on the ${name} tarball`).toEqual([])
    })
  }
})
