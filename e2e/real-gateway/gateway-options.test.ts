// startRealGateway's option checks and config file, without starting a gateway.
import { describe, expect, it } from 'vitest'
import { buildGatewayConfig, EXEC_ASK_CONFIG } from './gateway-config.js'
import { startRealGateway, type StartRealGatewayOptions } from './gateway.js'

const model = 'http://127.0.0.1:40000/v1'

describe('startRealGateway options', () => {
  it.each<[string, unknown, RegExp]>([
    ['no modelServerUrl', {}, /"modelServerUrl" is required/],
    [
      'a remote model',
      { modelServerUrl: 'http://example.com/v1' },
      /"modelServerUrl" must be an http:\/\/ URL on loopback/,
    ],
    ['an unknown option', { modelServerUrl: model, prot: 1 }, /unknown option\(s\) "prot"/],
    ['a bad port', { modelServerUrl: model, port: 70000 }, /"port" must be an integer/],
    ['a short token', { modelServerUrl: model, token: 'abc' }, /"token" must be 8–512/],
    ['a bad timeout', { modelServerUrl: model, readyTimeoutMs: -1 }, /"readyTimeoutMs"/],
    ['a non-string env value', { modelServerUrl: model, env: { A: 1 } }, /"env.A" must be a string/],
    ['a non-object extraConfig', { modelServerUrl: model, extraConfig: [1] }, /"extraConfig" must be an object/],
  ])('rejects %s, naming the option', async (_name, opts, message) => {
    await expect(startRealGateway(opts as StartRealGatewayOptions)).rejects.toThrow(message)
  })

  it('never echoes a bad token back', async () => {
    const bad = 'has a space in it'
    await expect(startRealGateway({ modelServerUrl: model, token: bad })).rejects.toThrow(/token/)
    await startRealGateway({ modelServerUrl: model, token: bad }).catch((err: Error) =>
      expect(err.message).not.toContain(bad),
    )
  })
})

describe('gateway config', () => {
  it('has exactly the top-level keys GATEWAY.md shows (unknown keys stop the gateway)', () => {
    const cfg = buildGatewayConfig({ port: 1234, token: 't0k3n-t0k3n', modelBaseUrl: model, logFile: '/tmp/x.log' })
    expect(Object.keys(cfg).sort()).toEqual(['agents', 'gateway', 'logging', 'models'])
    expect(cfg).toMatchObject({
      gateway: { mode: 'local', port: 1234, bind: 'loopback', auth: { mode: 'token', token: 't0k3n-t0k3n' } },
      models: { mode: 'merge', providers: { fake: { baseUrl: model, api: 'openai-completions' } } },
      agents: { defaults: { model: { primary: 'fake/fake-1' }, heartbeat: { every: '0m' } } },
    })
  })

  it('merges extraConfig over the base (the exec policy of TOOLS-AND-APPROVALS.md), keeping the rest', () => {
    const cfg = buildGatewayConfig({
      port: 1234,
      token: 't0k3n-t0k3n',
      modelBaseUrl: model,
      logFile: '/tmp/x.log',
      extraConfig: { ...EXEC_ASK_CONFIG, agents: { defaults: { heartbeat: { every: '5m' } } } },
    })
    expect(cfg.tools).toEqual({ exec: { mode: 'ask' } })
    expect(cfg.agents).toEqual({ defaults: { model: { primary: 'fake/fake-1' }, heartbeat: { every: '5m' } } })
    expect(cfg.gateway).toMatchObject({ port: 1234, bind: 'loopback' })
  })
})
