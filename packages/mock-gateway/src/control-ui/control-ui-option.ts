/**
 * The mock's Control UI stand-in setting (see `MockGatewayOptions.controlUi`).
 *
 * @example
 * const gateway = await startMockGateway({ token: 't', controlUi: { basePath: '/clawchat/control' } })
 * // GET http://127.0.0.1:<port>/clawchat/control/ → the stand-in page
 */
export interface MockControlUiOptions {
  /**
   * Where the stand-in lives, like the real `gateway.controlUi.basePath`: starts with `/`, no trailing
   * `/`, segments of `[A-Za-z0-9._~-]` only, no `.`/`..` segments. Default `'/clawchat/control'`.
   */
  basePath?: string
}

/** {@link MockControlUiOptions} with its default filled in. */
export interface ResolvedControlUi {
  basePath: string
}

/** The base path when `controlUi` is given without one (the one ClawChat's demo uses). */
export const DEFAULT_CONTROL_UI_BASE_PATH = '/clawchat/control'

const SEGMENT = /^[A-Za-z0-9._~-]+$/

/** Why a base path is unusable, or `undefined` when it is fine. */
export function basePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"'
  if (path === '/' || path.endsWith('/')) return 'must not end with "/" (and must not be "/" itself)'
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'must not contain "//"'
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments'
    if (!SEGMENT.test(segment))
      return `has a segment ${JSON.stringify(segment)} with characters outside [A-Za-z0-9._~-]`
  }
  return undefined
}

/**
 * Checks the `controlUi` option: `undefined`/`false` = off; else an object with an optional
 * `basePath`. Throws a `TypeError` naming `controlUi` or `controlUi.basePath`.
 */
export function resolveControlUi(value: unknown): ResolvedControlUi | undefined {
  const fail = (message: string): never => {
    throw new TypeError(`startMockGateway: ${message}`)
  }
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('option "controlUi" must be an object { basePath?: string } or false')
  }
  const unknown = Object.keys(value).filter((k) => k !== 'basePath')
  if (unknown.length > 0) fail(`option "controlUi" has unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}`)
  const basePath = (value as { basePath?: unknown }).basePath ?? DEFAULT_CONTROL_UI_BASE_PATH
  if (typeof basePath !== 'string')
    return fail('option "controlUi.basePath" must be a string such as "/clawchat/control"')
  const problem = basePathProblem(basePath)
  if (problem) fail(`option "controlUi.basePath" ${problem}, got ${JSON.stringify(basePath)}`)
  return { basePath }
}
