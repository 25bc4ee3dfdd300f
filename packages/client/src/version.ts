/**
 * This SDK's version, sent as `client.version` in `connect`.
 *
 * @example
 * console.log(`ClawChat SDK ${SDK_VERSION}`)
 */
export const SDK_VERSION = '0.1.0'
