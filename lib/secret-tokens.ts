/**
 * Which Terraform references carry a Secret: a Secret's own value, and values derived from it
 * (a URL-encoded password inside a connection URL). Kept per token, so a secret is found wherever
 * it is embedded: refused where it would land in plain sight, and replaced by `${NAME}` in an
 * exported compose file.
 */

/** How cdktf writes a string token in text. */
const TOKEN = /\$\{TfToken\[TOKEN\.\d+\]\}/g;

/** Secret name by value token. */
const secretByToken = new Map<string, string>();

/** Records that `token` (a Secret's value) carries the Secret `name`. */
export function registerSecretToken(token: string, name: string): void {
  secretByToken.set(token, name);
}

/**
 * Records that `derived` (e.g. `Fn.urlencode(secret.value)`) carries whatever secret `from` carries,
 * and returns it.
 */
export function deriveSecretToken(derived: string, from: string): string {
  const name = secretByToken.get(from);
  if (name !== undefined) secretByToken.set(derived, name);
  return derived;
}

/** Whether `text` contains a Secret's value or a value derived from one. */
export function containsSecret(text: string): boolean {
  return [...text.matchAll(TOKEN)].some(([token]) => secretByToken.has(token));
}

/** `text` with every secret-carrying token replaced by `replace(<secret name>)`. */
export function replaceSecretTokens(text: string, replace: (name: string) => string): string {
  return text.replace(TOKEN, (token) => {
    const name = secretByToken.get(token);
    return name === undefined ? token : replace(name);
  });
}
