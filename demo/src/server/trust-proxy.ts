import type express from 'express'

/**
 * Express's `trust proxy`, with an error that names the option (Express's own says only
 * "invalid IP address").
 * @throws Error when Express does not take the value.
 * @example
 * setTrustProxy(app, 'loopback') // nginx on the same host may set X-Forwarded-*; nobody else
 */
export function setTrustProxy(app: express.Express, value: boolean | number | string): void {
  try {
    app.set('trust proxy', value)
  } catch (err) {
    throw new Error(
      `trustProxy "${String(value)}" is not a value Express takes (${(err as Error).message}): use true, false, ` +
        'a hop count, loopback, linklocal, uniquelocal, or IP addresses and subnets separated by commas',
      { cause: err },
    )
  }
}
