// Test OpenID provider for the control suite: panva/oidc-provider (OpenID certified) on 127.0.0.1 only,
// with its development login/consent pages (any login name is accepted and becomes the subject).
// Configuration from the environment: PORT (0 = pick one), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.
// Prints "listening <issuer>" once ready.
import http from 'node:http';
import Provider from 'oidc-provider';

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
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
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
