/**
 * A tiny OpenID Provider for the OIDC recipe's test — just enough of the authorization code flow
 * with PKCE for openid-client: discovery, an authorize endpoint that "logs in" a preset user at once
 * and redirects back with a code, a token endpoint (client_secret_post or _basic) that answers an
 * ES256 ID token signed with jose, and the JWKS. Plain HTTP on 127.0.0.1 port 0; not a real provider.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose'

/** Who the provider logs in next, and the claims it puts in the ID token. */
export interface ProviderUser {
  sub: string
  name?: string
  groups?: string[]
}

interface Grant {
  clientId: string
  redirectUri: string
  challenge: string
  nonce: string | undefined
  user: ProviderUser
}

export interface MiniProvider {
  issuer: string
  clientId: string
  clientSecret: string
  /** The user the next authorization logs in. */
  user: ProviderUser
  /**
   * Spoil the ID tokens from now on: signed with a key not in the JWKS, expired, or for another
   * client. Default: none.
   */
  tamper: 'forged' | 'expired' | 'audience' | undefined
  close(): Promise<void>
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) body += chunk
  return new URLSearchParams(body)
}

/** The client's id and secret, from HTTP Basic or the form. */
function clientOf(req: IncomingMessage, body: URLSearchParams): [string | null, string | null] {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
  if (!basic) return [body.get('client_id'), body.get('client_secret')]
  const [id, secret] = Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent)
  return [id ?? null, secret ?? null]
}

/** What openid-client's `discovery` reads. */
function discoveryDocument(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }
}

export async function startMiniProvider(): Promise<MiniProvider> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const grants = new Map<string, Grant>()
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider: MiniProvider = {
    issuer,
    clientId: 'clawchat-example',
    clientSecret: `secret-${randomUUID()}`,
    user: { sub: 'nobody' },
    tamper: undefined,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  }

  const idToken = async (grant: Grant): Promise<string> => {
    const key: CryptoKey = provider.tamper === 'forged' ? (await generateKeyPair('ES256')).privateKey : privateKey
    const now = Math.floor(Date.now() / 1000) - (provider.tamper === 'expired' ? 3600 : 0)
    const { sub, ...claims } = grant.user
    return new SignJWT({ ...claims, ...(grant.nonce ? { nonce: grant.nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(provider.tamper === 'audience' ? 'another-client' : grant.clientId)
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(key)
  }

  const authorize = (url: URL, res: ServerResponse) => {
    const q = url.searchParams
    const redirectUri = q.get('redirect_uri')
    const challenge = q.get('code_challenge')
    if (q.get('client_id') !== provider.clientId || !redirectUri || !challenge || q.get('response_type') !== 'code')
      return json(res, 400, { error: 'invalid_request' })
    const code = randomUUID()
    const nonce = q.get('nonce') ?? undefined
    grants.set(code, { clientId: provider.clientId, redirectUri, challenge, nonce, user: provider.user })
    const back = new URL(redirectUri)
    back.searchParams.set('code', code)
    if (q.get('state')) back.searchParams.set('state', q.get('state')!)
    res.writeHead(302, { location: back.href }).end()
  }

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await form(req)
    const [clientId, secret] = clientOf(req, body)
    if (clientId !== provider.clientId || secret !== provider.clientSecret)
      return json(res, 401, { error: 'invalid_client' })
    const grant = grants.get(body.get('code') ?? '')
    grants.delete(body.get('code') ?? '')
    const verifier = body.get('code_verifier') ?? ''
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    if (!grant || grant.redirectUri !== body.get('redirect_uri') || grant.challenge !== challenge)
      return json(res, 400, { error: 'invalid_grant' })
    const id_token = await idToken(grant)
    json(res, 200, { access_token: randomUUID(), token_type: 'Bearer', expires_in: 300, id_token })
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    if (url.pathname === '/.well-known/openid-configuration') return json(res, 200, discoveryDocument(issuer))
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] })
    if (url.pathname === '/authorize') return authorize(url, res)
    if (url.pathname === '/token' && req.method === 'POST')
      return void token(req, res).catch(() => json(res, 500, { error: 'server_error' }))
    json(res, 404, { error: 'not_found' })
  })
  return provider
}
