/**
 * Which requests belong to the Control UI's prefix, and whether their path is one the proxy may
 * forward with the gateway's credential: a raw path that is `path`, `path/` or under `path/`, and
 * that no server on the way could read as another one — no encoded or raw slash tricks, no `.`/`..`
 * segment (raw or percent-encoded), no bad percent-encoding.
 */

/** Where a request's raw URL falls. */
export type PrefixMatch =
  /** Not under the prefix: the proxy leaves it alone. */
  | { kind: 'outside' }
  /** Under the prefix but refused (400); `reason` says what was wrong. */
  | { kind: 'refused'; reason: string }
  /** Under the prefix: `url` is what goes to the gateway (the raw path and query, unchanged). */
  | { kind: 'inside'; url: string }

/** Why a raw path under the prefix cannot be forwarded, or `null`. */
export function pathProblem(rawPath: string): string | null {
  if (rawPath.includes('\\')) return 'the path contains a backslash'
  if (/%(2f|5c)/i.test(rawPath)) return 'the path contains an encoded "/" or "\\" (%2F, %5C)'
  if (rawPath.includes('//')) return 'the path contains an empty segment ("//")'
  if (/%(?![0-9a-f]{2})/i.test(rawPath)) return 'the path has a "%" that is not followed by two hex digits'
  for (const segment of rawPath.split('/')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return 'the path has percent-encoding that is not valid UTF-8'
    }
    if (decoded === '.' || decoded === '..') return `the path has a "${segment}" segment`
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(decoded)) return 'the path contains a control character'
  }
  return null
}

/**
 * Where `rawUrl` (a request's `url`, path and query as the browser sent them) falls against `prefix`.
 *
 * @example
 * matchPrefix('/clawchat/control/?x=1', '/clawchat/control')      // { kind: 'inside', url: '/clawchat/control/?x=1' }
 * matchPrefix('/clawchat/control/%2e%2e/x', '/clawchat/control')  // { kind: 'refused', reason: … '"%2e%2e" segment' }
 * matchPrefix('/clawchat/controller', '/clawchat/control')        // { kind: 'outside' }
 */
export function matchPrefix(rawUrl: string, prefix: string): PrefixMatch {
  const end = rawUrl.search(/[?#]/)
  const rawPath = end === -1 ? rawUrl : rawUrl.slice(0, end)
  if (rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return { kind: 'outside' }
  const problem = pathProblem(rawPath)
  if (problem) return { kind: 'refused', reason: problem }
  const query = end === -1 ? '' : rawUrl.slice(end).replace(/#.*$/s, '')
  return { kind: 'inside', url: `${rawPath}${query}` }
}
