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
}

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
