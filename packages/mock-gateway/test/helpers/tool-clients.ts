import { makeDevice, signedDevice, type TestDevice } from './device.js'
import { TOKEN, type Harness } from './harness.js'
import { connectParams, type RawClient } from './raw-client.js'
import type { MockGateway } from '../../src/index.js'

/** How a test client connects: scopes, caps, and optionally a signed device. */
export interface ToolClientSpec {
  scopes: string[]
  caps: string[]
  device?: TestDevice
}

export const RW = ['operator.read', 'operator.write']
export const RWA = [...RW, 'operator.approvals']
export const RWQ = [...RW, 'operator.questions']
export const ADMIN = ['operator.admin']

/** Connects a `gateway-client`/`backend` client as the recording's clients did (t1–t3). */
export async function connectTool(h: Harness, gw: MockGateway, spec: ToolClientSpec): Promise<RawClient> {
  const c = await h.client(gw)
  const challenge = await c.challenge()
  const params = connectParams({ token: TOKEN, scopes: spec.scopes, extra: { caps: spec.caps } })
  if (spec.device) {
    params.device = signedDevice(spec.device, {
      nonce: challenge.payload.nonce,
      signedAt: challenge.payload.ts,
      clientId: 'gateway-client',
      mode: 'backend',
      scopes: spec.scopes,
      token: TOKEN,
    })
  }
  const res = await c.request('connect', params, 'c-1')
  if (!res.ok) throw new Error(`connect failed: ${JSON.stringify(res.error)}`)
  return c
}

/** The seven clients of t2 (TOOLS-AND-APPROVALS "Who gets an exec approval"). */
export async function t2Clients(h: Harness, gw: MockGateway) {
  const dA = makeDevice()
  return {
    A: await connectTool(h, gw, { scopes: RWA, caps: ['tool-events', 'exec-approvals'], device: dA }),
    B: await connectTool(h, gw, { scopes: RWA, caps: ['approvals'], device: makeDevice() }),
    C: await connectTool(h, gw, { scopes: RW, caps: ['exec-approvals'] }),
    D: await connectTool(h, gw, { scopes: RWA, caps: [] }),
    E: await connectTool(h, gw, { scopes: ADMIN, caps: [] }),
    F: await connectTool(h, gw, { scopes: ADMIN, caps: ['exec-approvals'] }),
    G: await connectTool(h, gw, { scopes: RWA, caps: ['exec-approvals'] }),
  }
}

/** The `agent` payloads of one stream a client received for a run, in order. */
export function agentEvents(c: RawClient, runId: string, stream?: string): any[] {
  return c
    .events('agent')
    .map((f) => f.payload)
    .filter((p) => p.runId === runId && (stream === undefined || p.stream === stream))
}

/** `stream:phase` of a client's agent events of a run (tool-related streams only), in order. */
export function toolTrail(c: RawClient, runId: string): string[] {
  const streams = ['item', 'tool', 'command_output', 'approval']
  return agentEvents(c, runId)
    .filter((p) => streams.includes(p.stream) || ['waiting-approval', 'approval-resolved'].includes(p.data.phase))
    .map((p) => `${p.stream}:${p.data.phase}`)
}
