/**
 * (e) Are the Types Wrong (`attw`, strict profile: node10, node16 CJS and ESM, bundler) on each packed
 * tarball: every entry point's types resolve and match its JavaScript. No rule is ignored.
 */
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { PACKAGES, ROOT, run, tail } from './packages.js'

describe('attw', () => {
  for (const { name } of PACKAGES) {
    it(`${name}: attw finds no problem in its tarball`, async () => {
      const tarball = inject('packaging').tarballs[name]
      const r = await run(join(ROOT, 'node_modules/.bin/attw'), [tarball, '--format', 'json'], { cwd: ROOT })
      let report: { problems?: Record<string, unknown[]> }
      try {
        report = JSON.parse(r.stdout)
      } catch {
        throw new Error(`attw on the ${name} tarball printed no JSON report:\n${tail(r)}`)
      }
      const problems = Object.entries(report.problems ?? {}).flatMap(([entry, list]) =>
        list.map((p) => `${entry}: ${JSON.stringify(p)}`),
      )
      expect(problems, `attw on the ${name} tarball`).toEqual([])
      expect(r.code, `attw on the ${name} tarball exited non-zero:\n${tail(r)}`).toBe(0)
    })
  }
})
