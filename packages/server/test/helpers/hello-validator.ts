/**
 * OpenClaw's official `HelloOk` validator: the package's own `HelloOkSchema`, compiled by the very
 * `typebox` build `@openclaw/gateway-protocol` compiles its validators with (it exports no
 * `validateHelloOk`, so this is the same thing, assembled).
 */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { HelloOkSchema, formatValidationErrors } from '@openclaw/gateway-protocol'

const protocolDir = realpathSync(
  fileURLToPath(new URL('../../node_modules/@openclaw/gateway-protocol', import.meta.url)),
)
const compileEntry = join(protocolDir, '..', '..', 'typebox', 'build', 'compile', 'index.mjs')
const { Compile } = (await import(pathToFileURL(compileEntry).href)) as {
  Compile: (schema: unknown) => { Check(value: unknown): boolean; Errors(value: unknown): Iterable<unknown> }
}
const compiled = Compile(HelloOkSchema)

/** `null` when `value` is a valid `HelloOk`, else the validator's complaint. */
export function helloOkProblem(value: unknown): string | null {
  if (compiled.Check(value)) return null
  return formatValidationErrors([...compiled.Errors(value)] as Parameters<typeof formatValidationErrors>[0])
}
