import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import * as protocol from '@openclaw/gateway-protocol'

/**
 * Compiles an official TypeBox schema of `@openclaw/gateway-protocol` (e.g. `HelloOkSchema`, which
 * has no exported validator) with the same `typebox/compile` the package uses, loaded from the
 * package's own dependencies (not a dependency of ours).
 */
const requireHere = createRequire(import.meta.url)
const protocolMain = realpathSync(requireHere.resolve('@openclaw/gateway-protocol'))
const compileUrl = pathToFileURL(createRequire(protocolMain).resolve('typebox/compile')).href
const { Compile } = (await import(compileUrl)) as {
  Compile: (schema: unknown) => {
    Check(v: unknown): boolean
    Errors(v: unknown): Iterable<{ instancePath: string; message: string; params?: unknown }>
  }
}

export type SchemaName =
  | 'HelloOkSchema'
  | 'ChatEventSchema'
  | 'AgentEventSchema'
  | 'EventFrameSchema'
  | 'ResponseFrameSchema'
  | 'TickEventSchema'
  | 'ShutdownEventSchema'

const cache = new Map<SchemaName, ReturnType<typeof Compile>>()

/** The official schema's validation errors for `value`, as `"<path> <message> <params>"` strings (empty = valid). */
export function officialErrors(name: SchemaName, value: unknown): string[] {
  let compiled = cache.get(name)
  if (!compiled) {
    compiled = Compile((protocol as unknown as Record<string, unknown>)[name])
    cache.set(name, compiled)
  }
  if (compiled.Check(value)) return []
  return [...compiled.Errors(value)]
    .map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params ?? {})}`)
    .sort()
}
