// A real OpenID Connect provider (node-oidc-provider) for the sign-in tests and for trying
// the sample site's "sign in with Voorbeeld-ID" on one's own machine.
//
// Configured entirely by environment variables:
//   OIDC_PROVIDER_PORT       port to listen on, on 127.0.0.1 (required)
//   OIDC_PROVIDER_CLIENT     the relying party: a JSON object (or a list of them) with
//                            client_id, client_secret, redirect_uris,
//                            post_logout_redirect_uris and optionally
//                            token_endpoint_auth_method (default client_secret_basic)
//   OIDC_PROVIDER_ACCOUNTS   JSON {"alice": {"assurance": "substantial", ...}, "bob": {}}:
//                            account name -> extra claims put into its ID token
//   OIDC_PROVIDER_JWKS       JSON {"keys": [private RSA JWK, ...]} to sign with; without
//                            it a key is generated at start (fine for a local demo)
//   OIDC_PROVIDER_TITLE      the name on the sign-in page (default "Voorbeeld-ID")
//   OIDC_PROVIDER_WATCH_STDIN=1  stop when stdin closes: the parent passes a pipe and the
//                            provider stops with it, even when the parent is killed
//
// Sign-in is a plain HTML form asking for the account name (no password: test accounts
// only), followed by a consent form that lists the claims to be shared. Both work without
// JavaScript and load nothing from elsewhere.

import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

function readJson(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) {
      throw new Error(`${name} is required`);
    }
    return fallback;
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${error.message}`);
  }
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

const port = Number.parseInt(process.env.OIDC_PROVIDER_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0) {
  throw new Error('OIDC_PROVIDER_PORT must be a port number');
}
const issuer = `http://127.0.0.1:${port}`;
const title = process.env.OIDC_PROVIDER_TITLE || 'Voorbeeld-ID';
const accounts = readJson('OIDC_PROVIDER_ACCOUNTS', {});
const clientConfig = readJson('OIDC_PROVIDER_CLIENT');
const clients = (Array.isArray(clientConfig) ? clientConfig : [clientConfig]).map((client) => ({
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  ...client,
}));

let jwks = readJson('OIDC_PROVIDER_JWKS', null);
if (jwks === null) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwks = { keys: [{ ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' }] };
}

// Every claim any account has is released with the openid scope: the forum asks for
// "openid" only and reads the identity level and memberships from the ID token.
const customClaims = [...new Set(Object.values(accounts).flatMap((claims) => Object.keys(claims)))];

const page = (heading, body) => `<!DOCTYPE html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)} – ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label,input,button{display:block;font-size:1rem}input{margin:.25rem 0 1rem;padding:.4rem;width:100%}
button{padding:.5rem 1rem;margin:.25rem 0}code{background:#eee;padding:0 .2rem}</style>
</head>
<body><main><p><strong>${escapeHtml(title)}</strong> (test provider)</p><h1>${escapeHtml(heading)}</h1>
${body}</main></body></html>`;

const configuration = {
  clients,
  jwks,
  claims: { openid: ['sub', ...customClaims] },
  // Put the scope's claims into the ID token itself, not only into the userinfo answer:
  // the forum reads them from the signed ID token.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { ...accounts[id], sub: id };
      },
    };
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // The form holds the anti-forgery field; the buttons go inside it so that a plain
        // HTML form submission carries logout=yes.
        const buttons = '<button type="submit" name="logout" value="yes">Ja, uitloggen</button>'
          + '<button type="submit">Nee, ingelogd blijven</button></form>';
        ctx.type = 'html';
        ctx.body = page('Uitloggen?', form.replace('</form>', buttons));
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Uitgelogd', '<p>U bent uitgelogd.</p>');
      },
    },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    const lines = Object.entries(out)
      .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
      .join('');
    ctx.body = page('Er ging iets mis', lines);
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
};

const provider = new Provider(issuer, configuration);

async function formBody(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) {
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid, error) {
  const list = Object.entries(accounts)
    .map(([name, claims]) => {
      const shown = Object.entries(claims).map(([k, v]) => `${k}=${v}`).join(', ');
      return `<li><code>${escapeHtml(name)}</code>${shown ? ` (${escapeHtml(shown)})` : ''}</li>`;
    })
    .join('');
  return page('Inloggen', `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<input type="hidden" name="prompt" value="login">
<label for="login">Account</label><input id="login" name="login" autocomplete="username" required>
<button type="submit">Inloggen</button>
</form>
<p>Testaccounts:</p><ul>${list}</ul>`);
}

function consentPage(uid, clientId, accountId) {
  // What the ID token will say about the person, beside their account name (sub).
  const shared = Object.entries(accounts[accountId] ?? {})
    .map(([claim, value]) => `<li><code>${escapeHtml(claim)}</code>: ${escapeHtml(value)}</li>`)
    .join('');
  return page('Gegevens delen?', `<p><code>${escapeHtml(clientId)}</code> krijgt uw account
<code>${escapeHtml(accountId)}</code> te zien${shared ? ' en:' : ', verder niets.'}</p>
${shared ? `<ul>${shared}</ul>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<input type="hidden" name="prompt" value="consent">
<button type="submit">Toestaan</button>
</form>`);
}

// One line a request, for the log the tests print when something fails.
provider.use(async (ctx, next) => {
  await next();
  console.log(`${new Date().toISOString()} ${ctx.method} ${ctx.originalUrl} -> ${ctx.status}`);
});

// The sign-in and consent steps ("interactions"), served before the provider's own routes.
provider.use(async (ctx, next) => {
  if (!/^\/interaction\/[\w-]+$/.test(ctx.path)) {
    await next();
    return;
  }
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { uid, prompt, params } = details;
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = prompt.name === 'login'
      ? loginPage(uid)
      : consentPage(uid, params.client_id, details.session.accountId);
    return;
  }
  if (ctx.method !== 'POST') {
    ctx.throw(405);
  }
  const form = await formBody(ctx);
  let result;
  if (form.get('prompt') === 'login' && prompt.name === 'login') {
    const login = (form.get('login') ?? '').trim();
    if (!Object.hasOwn(accounts, login)) {
      ctx.status = 422;
      ctx.type = 'html';
      ctx.body = loginPage(uid, `Er is geen account "${login}".`);
      return;
    }
    result = { login: { accountId: login } };
  } else if (form.get('prompt') === 'consent' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) {
      grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    }
    if (prompt.details.missingOIDCClaims) {
      grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    ctx.throw(400, `this interaction expects the ${prompt.name} form`);
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: true,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));
for (const event of ['authorization.error', 'grant.error', 'end_session.error']) {
  provider.on(event, (ctx, error) => console.log(event, error.name, error.message, error.error_description ?? ''));
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`${title} listening: issuer ${issuer}`);
});

function stop(reason) {
  console.log(`stopping: ${reason}`);
  server.close();
  process.exit(0);
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

if (process.env.OIDC_PROVIDER_WATCH_STDIN === '1') {
  // The parent holds the other end of this pipe; it closes when the parent exits in any
  // way, including being killed.
  process.stdin.on('end', () => stop('parent closed stdin'));
  process.stdin.on('error', () => stop('stdin failed'));
  process.stdin.resume();
}
// Also notice being orphaned (the parent died and the process was adopted).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    stop('parent process ended');
  }
}, 1000).unref();
