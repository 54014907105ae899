// Test OpenID provider for the control suite: panva/oidc-provider (OpenID certified) on 127.0.0.1 only,
// with its development login/consent pages (any login name is accepted and becomes the subject).
// Configuration from the environment: PORT (0 = pick one), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI; optionally
// API_CLIENT_ID + API_REDIRECT_URI, a public client (PKCE) that gets JWT access tokens for the resource indicators
// below, so tests can call control's API with an access token of this issuer.
// Prints "listening <issuer>" once ready.
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const server = http.createServer();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }, ...(process.env.API_CLIENT_ID ? [{
      client_id: process.env.API_CLIENT_ID,
      redirect_uris: [process.env.API_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }] : [])],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      // RFC 8707 resource indicators pick the access token's audience and lifetime:
      //   urn:nexodus:api        aud nexodus-api, 5 min      urn:nexodus:api:short  aud nexodus-api, 1 s
      //   urn:other:api          aud other-api (a token for someone else's API)
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          const servers = {
            'urn:nexodus:api': { audience: 'nexodus-api', accessTokenTTL: 300 },
            'urn:nexodus:api:short': { audience: 'nexodus-api', accessTokenTTL: 1 },
            'urn:other:api': { audience: 'other-api', accessTokenTTL: 300 },
          };
          const server = servers[resource];
          if (!server) throw new errors.InvalidTarget();
          return { ...server, scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    cookies: { keys: ['nexodus-test-only'] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@idp.test`, name: `User ${id}` }),
    }),
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
