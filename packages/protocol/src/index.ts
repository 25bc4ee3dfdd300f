/**
 * `@clawchat/protocol`: the contract between the ClawChat browser SDK and the ClawChat proxy.
 * Types, the wire codec (frame parser and guards), error codes, close codes, ClawChat's own events,
 * the session-key grammar and the typed method map. Browser-safe, with no runtime dependencies.
 *
 * @example
 * import { CloseCodes, closeAction, parseSessionKey, type MethodResult } from '@clawchat/protocol'
 * closeAction(CloseCodes.LOGGED_OUT) // 'stop'
 */
export * from './frames.js'
export * from './codec.js'
export * from './frame-guards.js'
export * from './hello.js'
export * from './error-codes.js'
export * from './close-codes.js'
export * from './session-key.js'
export * from './events.js'
export * from './methods.js'
export * from './sessions.js'
export * from './params.js'
export * from './fields.js'
export * from './connection.js'
export * from './caps.js'
export * from './approvals.js'
export * from './questions.js'
export * from './lean.js'
