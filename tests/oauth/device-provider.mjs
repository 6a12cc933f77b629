// A real OpenID provider with RFC 8628's device flow, for `bulletin login --device` in
// tests/suite/oauth.rs: panva's oidc-provider (not written by this project) on 127.0.0.1, set up
// as a tenant would be: one public app (--client-id, no secret) allowed the device-code and
// refresh-token grants, its own sign-in and consent pages (devInteractions: any login name and
// password signs in), refresh tokens for `offline_access`, and access tokens that are RS256 JWTs
// for the relay (a resource server, as Microsoft's https://outlook.office.com/ is, with the scope
// https://outlook.office.com/SMTP.Send), which tests/smtp/server.py checks against /jwks.
// --ttl SECONDS is the access tokens' life, --code-ttl SECONDS the device codes'. It prints
// `PORT <n>` once listening and stops when its standard input closes.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

// oidc-provider's notices that this is a development setup (its in-memory store, its own
// sign-in pages and their defaults, Node 20 where it asks for 22) are expected here: kept off
// the test's output, and never before `PORT` on standard output. Its other warnings are shown.
const EXPECTED = ['Unsupported runtime', 'in-memory adapter', 'devInteractions is enabled'];
const warn = console.warn;
console.warn = (...a) => {
  if (!EXPECTED.some((e) => String(a[0]).includes(e))) warn(...a);
};
console.info = (...a) => {
  if (!String(a[0]).startsWith('oidc-provider NOTICE:')) warn(...a);
};
const { default: Provider, errors } = await import('oidc-provider');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const clientId = option('--client-id', 'bulletin-test-app');
const ttl = Number(option('--ttl', '3600'));
const codeTtl = Number(option('--code-ttl', '600'));

// The relay, as a resource server, and the scope a token for it carries.
const RELAY = 'https://outlook.office.com/';
const SEND = 'https://outlook.office.com/SMTP.Send';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { ...privateKey.export({ format: 'jwk' }), kid: 'device-test', alg: 'RS256', use: 'sig' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_name: 'bulletin',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: [key] },
  // Whoever signs in on the sign-in page is that account: `sub` is the login typed there.
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access'],
  ttl: { DeviceCode: codeTtl, AccessToken: ttl },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // bulletin names no resource (Microsoft's scopes name it): every token is for the relay.
      defaultResource: () => RELAY,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RELAY) throw new errors.InvalidTarget();
        return {
          scope: SEND,
          audience: RELAY,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

server.on('request', provider.callback());
process.stdout.write(`PORT ${port}\n`);
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
