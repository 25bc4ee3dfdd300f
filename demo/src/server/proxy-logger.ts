/**
 * Turns the proxy's pino-style log calls into the demo's one-line log. The proxy redacts the token
 * before anything reaches a logger; this adds nothing that could hold it.
 */
export function proxyLogger(log: (line: string) => void) {
  const write = (prefix: string) => (fields: object, message?: string) => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''
    log(`${prefix}${message ?? ''}${extra}`)
  }
  return {
    debug: () => {},
    info: write('proxy: '),
    warn: write('proxy warning: '),
    error: write('proxy error: '),
  }
}
