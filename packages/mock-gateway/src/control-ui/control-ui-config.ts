import { GATEWAY_BUILD_ID, GATEWAY_VERSION } from '../fixtures/gateway-identity.js'

/**
 * The body of `GET <basePath>/control-ui-config.json` (bearer-authorised). Shape recorded by the
 * lead on openclaw 2026.9.6 on 2026-12-04 (`gateway.controlUi.basePath: "/clawchat/control"`, default
 * config, see ISSUE21.md "Measured by the lead"): `basePath`, `assistantName: "Assistant"`,
 * `serverVersion`, `serverBuildId`, no token. The fields in between are the ones the gateway's handler
 * (dist/control-ui-*.mjs, `handleControlUiHttpRequest`) writes for a default config; `undefined`
 * ones (`devGitBranch`, `seamColor`, `environment`) are absent from the JSON, as there.
 */
export function controlUiConfig(basePath: string): Record<string, unknown> {
  return {
    basePath,
    assistantName: 'Assistant',
    assistantAvatar: 'A',
    assistantAvatarSource: null,
    assistantAvatarStatus: null,
    assistantAvatarReason: null,
    serverVersion: GATEWAY_VERSION,
    serverBuildId: GATEWAY_BUILD_ID,
    embedSandbox: 'scripts',
    allowExternalEmbedUrls: false,
    automaticallyFetchFavicons: true,
    communityInvite: true,
    terminalEnabled: false,
    cliAgentsEnabled: true,
    pluginAssetsRequireAuth: true,
    pluginFrameGrants: [],
  }
}
