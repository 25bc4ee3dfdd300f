/** This package's version (sent to the gateway as the link's `client.version`). */
export const CLAWCHAT_VERSION = '0.1.0'
