// A real OpenID provider for the sign-in tests (tests/suite/oauth.rs): oauth2-mock-server (not
// written by this project) on 127.0.0.1, with PKCE and refresh tokens, signing RS256 tokens
// that the test SMTP server checks against its /jwks. This file only sets it up as a tenant
// would be: the one registered app (--client-id), access tokens of --ttl seconds, refresh
// tokens that stay valid until revoked, and, with --consent-required, an organisation that
// has not consented to the app. It prints `PORT <n>` once listening. A line `revoke` on its
// standard input revokes every refresh token issued so far (as an administrator revoking the
// user's sessions would); it answers `revoked`. With --pem-dir DIR it writes its public key in
// PEM where Dovecot's local validation of tokens looks for it (DIR/default/RS256/KID), and with
// --subject NAME its tokens name that user (`sub`) instead of the mock's own.
import { OAuth2Server, Events } from 'oauth2-mock-server';
import readline from 'node:readline';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const clientId = option('--client-id', 'bulletin-test-app');
const ttl = Number(option('--ttl', '3600'));
const consentRequired = args.includes('--consent-required');
const pemDir = option('--pem-dir', null);
const subject = option('--subject', null);

const server = new OAuth2Server();
const key = await server.issuer.keys.generate('RS256');
if (pemDir) {
  const dir = join(pemDir, 'default', 'RS256');
  mkdirSync(dir, { recursive: true });
  const jwk = server.issuer.keys.toJSON().find((k) => k.kid === key.kid);
  writeFileSync(join(dir, key.kid), createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }));
}

// Refresh tokens issued and not revoked; how many access tokens were issued by refresh.
const valid = new Set();
let refreshed = 0;

const refuse = (response, status, error, description) => {
  response.statusCode = status;
  response.body = { error, error_description: description };
};

server.service.on(Events.BeforeAuthorizeRedirect, (redirect, req) => {
  const query = new URL(req.url, 'http://127.0.0.1').searchParams;
  const url = redirect.url;
  const refusal = (error, description) => {
    url.searchParams.delete('code');
    url.searchParams.set('error', error);
    url.searchParams.set('error_description', description);
  };
  if (query.get('client_id') !== clientId) {
    refusal('unauthorized_client', `AADSTS700016: Application with identifier '${query.get('client_id')}' was not found in the directory.`);
  } else if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
    refusal('invalid_request', 'AADSTS9002325: Proof Key for Code Exchange is required.');
  } else if (consentRequired) {
    refusal('consent_required', 'AADSTS65001: The user or administrator has not consented to use the application.');
  }
});

server.service.on(Events.BeforeTokenSigning, (token) => {
  token.payload.exp = Math.floor(Date.now() / 1000) + ttl;
  if (subject) token.payload.sub = subject;
});

server.service.on(Events.BeforeResponse, (response, req) => {
  const body = req.body ?? {};
  if (body.client_id !== clientId) {
    return refuse(response, 401, 'invalid_client', `AADSTS700016: Application with identifier '${body.client_id}' was not found in the directory.`);
  }
  if (body.grant_type === 'refresh_token') {
    if (!valid.has(body.refresh_token)) {
      return refuse(response, 400, 'invalid_grant', 'AADSTS50173: The provided grant has expired due to it being revoked.');
    }
    refreshed += 1;
  }
  if (response.statusCode === 200) {
    response.body.expires_in = ttl;
    if (response.body.refresh_token) valid.add(response.body.refresh_token);
  }
});

await server.start(0, '127.0.0.1');
const port = server.address().port;
// The issuer as the recipients file names it (the server would say `localhost`).
server.issuer.url = `http://127.0.0.1:${port}`;
process.stdout.write(`PORT ${port}\n`);

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'revoke') {
    valid.clear();
    process.stdout.write('revoked\n');
  } else if (line.trim() === 'count') {
    process.stdout.write(`refreshed ${refreshed}\n`);
  }
});
process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
