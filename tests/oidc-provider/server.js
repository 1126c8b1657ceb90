// A real OpenID Connect provider (panva's oidc-provider) for Haven's sign-in tests, standing in
// for Entra ID and Google Workspace.
//
//   OIDC_CLIENTS='[{"client_id":"haven","client_secret":"s3cret","redirect_uris":["http://127.0.0.1:1234/auth/callback"]}]' \
//   OIDC_ACCOUNTS='{"dev@brook.example":{"email":"dev@brook.example","email_verified":true,"hd":"brook.example"}}' \
//   node tests/oidc-provider/server.js 0
//
// Listens on 127.0.0.1 (port 0 picks a free one) and prints `issuer http://127.0.0.1:<port>` once
// it accepts requests. Sign-in uses the built-in development pages: POST `prompt=login` with
// `login=<account key>` (any password) to /interaction/<uid>, then `prompt=consent`; GET
// /interaction/<uid>/abort cancels, as a person pressing "Cancel" would.
//
// POST /test/rotate-keys rotates the signing key the way Entra and Google do: a new key with a
// new `kid`, and the old one no longer published.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

// A fresh key each run: nothing signed by one test's provider verifies against another's.
function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

// The provider keeps its grants and sessions in a store shared by every instance in this
// process, so a provider rebuilt with a new key carries on where the old one was.
function provider(issuer, key) {
  return new Provider(issuer, {
    clients,
    jwks: { keys: [key] },
    cookies: { keys: ['haven-test-oidc-provider'] },
    async findAccount(_ctx, sub) {
      const claims = accounts[sub];
      return claims && { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
    // Entra puts `tid` and Google puts `hd` in every ID token, whatever the scopes.
    claims: {
      openid: ['sub', 'tid', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Entra and Google put the email claims in the ID token too; Haven reads only the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // The expiry test completes a sign-in "two hours later": the ID token must be long dead by then.
    ttl: { AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: true } },
  });
}

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  let rotations = 0;
  let handler = provider(issuer, signingKey('test-0')).callback();
  server.on('request', (req, res) => {
    if (req.method === 'POST' && req.url === '/test/rotate-keys') {
      rotations += 1;
      handler = provider(issuer, signingKey(`test-${rotations}`)).callback();
      res.writeHead(204).end();
      return;
    }
    handler(req, res);
  });
  process.stdout.write(`issuer ${issuer}\n`);
});
