// The gateway's config file (JSON5 at OPENCLAW_CONFIG_PATH). Only the keys GATEWAY.md shows: the
// gateway refuses to start on any key it does not know.

export interface GatewayConfigInput {
  port: number
  token: string
  /** The fake model's OpenAI base URL, e.g. `http://127.0.0.1:40123/v1`. */
  modelBaseUrl: string
  /** File the gateway writes its own log to. */
  logFile: string
  /** Model id under provider `fake` (default `fake-1`). */
  modelId?: string
  /**
   * Keys merged over the config (objects deeply, anything else replaced), e.g. the exec policy of
   * TOOLS-AND-APPROVALS.md: `{ tools: { exec: { mode: 'ask' } } }`. The gateway refuses to start on
   * a key it does not know, so only add keys the reference shows.
   */
  extraConfig?: Record<string, unknown>
}

/** Exec asks for approval for every command not allowlisted (`security=allowlist ask=on-miss askFallback=deny`). */
export const EXEC_ASK_CONFIG = { tools: { exec: { mode: 'ask' } } } as const

/**
 * The config object for an offline gateway whose default model is `fake/<modelId>` at
 * `modelBaseUrl`, token auth on loopback, no heartbeat.
 *
 * @example
 * const cfg = buildGatewayConfig({ port: 18789, token, modelBaseUrl: model.baseUrl, logFile: '/tmp/x/gateway.log' })
 * writeFileSync(configPath, JSON.stringify(cfg, null, 2))
 */
export function buildGatewayConfig(input: GatewayConfigInput): Record<string, unknown> {
  const modelId = input.modelId ?? 'fake-1'
  return mergeConfig(baseConfig(input, modelId), input.extraConfig ?? {})
}

function baseConfig(input: GatewayConfigInput, modelId: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local', port: input.port, bind: 'loopback', auth: { mode: 'token', token: input.token } },
    logging: { file: input.logFile },
    models: {
      mode: 'merge',
      providers: {
        fake: {
          baseUrl: input.modelBaseUrl,
          apiKey: 'x',
          api: 'openai-completions',
          models: [
            {
              id: modelId,
              name: 'Fake One',
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128000,
              maxTokens: 4096,
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: `fake/${modelId}` }, heartbeat: { every: '0m' } } },
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `base` with `extra` merged over it: objects deeply, anything else replaced. */
function mergeConfig(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(extra))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k], v) : v
  return out
}
