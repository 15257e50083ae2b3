// A real OpenID Connect provider (the `oidc-provider` package) on loopback, for jaxtutor's SSO tests.
//
// Configured by environment variables:
//   PORT         where to listen (127.0.0.1)
//   ISSUER       the issuer it announces (default http://127.0.0.1:PORT); a different one plays a
//                provider whose discovery names the wrong issuer
//   CLIENTS      JSON list of {client_id, client_secret, redirect_uris}
//   CLOCK_SKEW_S shift this provider's clock (negative: every token it issues is already expired,
//                while its own cookies, code and session lifetimes stay consistent)
// PKCE (S256) is required of every client. The built-in development interaction logs anyone in: the
// login typed there is the account id; its claims are derived from it (see findAccount). Prints
// "ready <issuer>" once listening.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));
const skewMs = Number(process.env.CLOCK_SKEW_S || 0) * 1000;
if (skewMs) {
  const realNow = Date.now;
  Date.now = () => realNow() + skewMs;
}
const day = 24 * 3600;

// Account ids: 'ines' -> ines@example.org; 'eve@evil.test' -> that address. Ids starting with 'staff'
// are in the group 'staff' (jaxtutor's tests map it to the instructor role); everyone is in 'learners'.
async function findAccount(ctx, id) {
  const email = id.includes('@') ? id : `${id}@example.org`;
  const groups = id.startsWith('staff') ? ['staff', 'learners'] : ['learners'];
  return {
    accountId: id,
    async claims() {
      return {
        sub: id, email, email_verified: true, name: id, preferred_username: id.split('@')[0], groups,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients,
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['jaxtutor-test-oidc-cookie-key'] },
  // With a skewed clock the interaction, session and grant must outlive the skew in the browser.
  ttl: {
    AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3 * day, Session: 3 * day, Grant: 3 * day,
  },
});
provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
