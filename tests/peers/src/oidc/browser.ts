import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the browser sees of Keycloak's login: its cookies, the pages of the login theme (the
 * `keycloak.v2` markup a test or a person finds: `#kc-form-login`, `#username`, `#password`,
 * `#kc-login`, `#input-error`, `#kc-error-message`) and the security headers of its pages.
 */

/** An authorization request waiting for the user to sign in (Keycloak's authentication session, one per tab). */
export interface PendingLogin {
  tabId: string;
  clientId: string;
  redirectUri: string;
  redirectUriParam: string | undefined;
  responseMode: 'query' | 'fragment';
  scope: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  loginHint: string | undefined;
  expiresSec: number;
}

/** Keycloak's "Login timeout" (accessCodeLifespanLogin): 30 minutes to sign in. */
export const LOGIN_TIMEOUT_SEC = 1800;

export const COOKIES = {
  authSession: 'AUTH_SESSION_ID',
  identity: 'KEYCLOAK_IDENTITY',
  session: 'KEYCLOAK_SESSION',
} as const;

export function readCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

/**
 * A cookie of the realm's path. Over plain HTTP Keycloak cannot use `SameSite=None` (which needs
 * `Secure`) and leaves the attribute out; browsers then treat it as Lax, written out here.
 */
export function cookie(name: string, value: string, path: string, options: { httpOnly?: boolean; maxAgeSec?: number } = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${path}`, 'SameSite=Lax'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${options.maxAgeSec}`);
  if (options.maxAgeSec === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:10 GMT');
  return parts.join('; ');
}

/** Keycloak's default browser security headers on its pages. */
const PAGE_HEADERS = {
  'content-type': 'text/html;charset=utf-8',
  'cache-control': 'no-store, must-revalidate, max-age=0',
  'content-security-policy': "frame-src 'self'; frame-ancestors 'self'; object-src 'none';",
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'none',
};

export function sendPage(res: ServerResponse, status: number, html: string, cookies: string[] = []): void {
  const body = Buffer.from(html);
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': body.length, ...(cookies.length ? { 'set-cookie': cookies } : {}) });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(302, {
    location,
    'cache-control': 'no-store, must-revalidate, max-age=0',
    ...(cookies.length ? { 'set-cookie': cookies } : {}),
  });
  res.end();
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(realm: string, header: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>Sign in to ${escape(realm)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f0f0f0;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:6px;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:1rem 0 .3rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem;background:#0066cc;color:#fff;border:0;border-radius:3px}
#input-error,#kc-error-message{color:#a30000}
</style>
</head>
<body>
<header id="kc-header"><div id="kc-header-wrapper">${escape(realm)}</div></header>
<main>
<h1 id="kc-page-title">${header}</h1>
${content}
</main>
</body>
</html>
`;
}

export function loginPage(realm: string, action: string, options: { username?: string; error?: string } = {}): string {
  const error = options.error ? `<span id="input-error" class="kc-feedback-text" aria-live="polite">${escape(options.error)}</span>` : '';
  return layout(
    realm,
    'Sign in to your account',
    `<div id="kc-form"><div id="kc-form-wrapper">
<form id="kc-form-login" action="${escape(action)}" method="post" novalidate="novalidate">
<label for="username">Username or email</label>
<input tabindex="1" id="username" name="username" value="${escape(options.username ?? '')}" type="text" autofocus autocomplete="username"${
      options.error ? ' aria-invalid="true"' : ''
    }>
${error}
<label for="password">Password</label>
<input tabindex="2" id="password" name="password" type="password" autocomplete="current-password"${options.error ? ' aria-invalid="true"' : ''}>
<input type="hidden" id="id-hidden-input" name="credentialId">
<button tabindex="4" name="login" id="kc-login" type="submit">Sign In</button>
</form>
</div></div>`,
  );
}

export function errorPage(realm: string, message: string, backTo?: string): string {
  const back = backTo ? `<p id="instruction1"><a id="backToApplication" href="${escape(backTo)}">« Back to Application</a></p>` : '';
  return layout(realm, 'We are sorry...', `<div id="kc-error-message"><p class="instruction">${escape(message)}</p>${back}</div>`);
}

export function infoPage(realm: string, message: string): string {
  return layout(realm, escape(message), `<div id="kc-info-message"><p class="instruction">${escape(message)}</p></div>`);
}

export function logoutConfirmPage(realm: string, action: string, sessionCode: string): string {
  return layout(
    realm,
    'Logging out',
    `<div id="kc-logout-confirm"><p class="instruction">Do you want to log out?</p>
<form action="${escape(action)}" method="POST">
<input type="hidden" name="session_code" value="${escape(sessionCode)}">
<button name="confirmLogout" id="kc-logout" type="submit">Logout</button>
</form></div>`,
  );
}
