import type {
  ErrorShape as OpenClawErrorShape,
  EventFrame as OpenClawEventFrame,
  RequestFrame as OpenClawRequestFrame,
  ResponseFrame as OpenClawResponseFrame,
} from '@openclaw/gateway-protocol'

/**
 * A request from the browser: OpenClaw's own `{type:"req", id, method, params}`.
 *
 * @example
 * const frame: RequestFrame = { type: 'req', id: '1', method: 'chat.send', params: { message: 'Hello' } }
 */
export type RequestFrame = OpenClawRequestFrame

/**
 * A request as the proxy also accepts it (docs/ARCHITECTURE.md "The wire", "No `connect`"): `type` may be left
 * out (it means a request) and so may `id` (the proxy assigns one and echoes it in the response).
 *
 * @example
 * ws.send(JSON.stringify({ method: 'chat.send', params: { message: 'Hello' } } satisfies LooseRequestFrame))
 */
export interface LooseRequestFrame {
  type?: 'req'
  id?: string
  method: string
  params?: unknown
}

/**
 * OpenClaw protocol v4's cancel frame: the browser no longer wants the answer to request `id`.
 * (Chat runs are cancelled with `chat.abort`, not with this.)
 *
 * @example
 * ws.send(JSON.stringify({ type: 'cancel', id: '7' } satisfies CancelFrame))
 */
export interface CancelFrame {
  type: 'cancel'
  id: string
}

/**
 * The answer to a request, `ok` with a `payload` or not `ok` with an `error`.
 *
 * @example
 * if (frame.type === 'res' && !frame.ok) console.warn(frame.error?.code, frame.error?.message)
 */
export type ResponseFrame = OpenClawResponseFrame

/**
 * A pushed event. `seq` counts per browser connection (the proxy renumbers it after filtering).
 *
 * @example
 * if (frame.type === 'event' && frame.event === 'chat') render(frame.payload)
 */
export type EventFrame = OpenClawEventFrame

/**
 * OpenClaw's error object: `{code, message, details?, retryable?, retryAfterMs?}`.
 *
 * @example
 * const err: ErrorShape = {
 *   code: 'RATE_LIMITED',
 *   message: 'Too many messages; retry in 250 ms.',
 *   retryable: true,
 *   retryAfterMs: 250,
 * }
 */
export type ErrorShape = OpenClawErrorShape

/** Any frame a browser may send to the proxy. */
export type ClientFrame = RequestFrame | CancelFrame

/** Any frame the proxy sends to a browser. */
export type ServerFrame = ResponseFrame | EventFrame
