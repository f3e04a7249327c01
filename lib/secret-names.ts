/**
 * What looks secret: the one place that decides it. The policy pack (DH-SECRET-LITERAL), error
 * messages (which never echo such a value), variable defaults and the compose import all ask
 * {@link looksSecret}; {@link secretInText} applies it to free text (commands, files).
 */

/** Last words of a variable name that announce a secret value. */
const SECRET_WORDS = new Set(["PASSWORD", "PASSWD", "PASS", "PWD", "PW", "DBPASS", "DBPASSWORD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "PASSPHRASE", "APIKEY", "PRIVATEKEY", "HTPASSWD", "AUTHKEY", "COOKIE", "SALT", "PEPPER", "DSN", "REQUIREPASS", "MASTERAUTH"]);
/** Secret words that also end a longer single word (PGPASSWORD, MYSQLPASSWORD); not PASS: BYPASS, COMPASS. */
const SECRET_SUFFIXES = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN"];
/** `<word> KEY` pairs that name a key (API_KEY, SECRET_KEY, ...); a bare `KEY` alone is too vague. */
const KEY_QUALIFIERS = new Set(["SECRET", "API", "PRIVATE", "ACCESS", "APP", "ENCRYPTION", "SIGNING", "MASTER", "SESSION", "JWT", "AUTH", "LICENSE", "CLIENT", "HMAC", "CRYPT", "ENC", "ENCRYPT", "SSH", "TLS", "SSL"]);
/** Words after a secret word that keep the value a secret (SECRET_KEY_BASE, ADMIN_PASSWORD_HASH). */
const SECRET_TAILS = new Set(["BASE", "HASH", "HASHED", "VALUE", "RAW", "PLAIN"]);
/** Values that are switches, not secrets (MARIADB_RANDOM_ROOT_PASSWORD=1, ALLOW_EMPTY_PASSWORD=yes). */
const SWITCH = /^(0|1|true|false|yes|no|on|off|y|n)$/i;
/** `scheme://user:password@host`: a credential inside a URL (a `$` reference in its place is not one). */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/:\s"']+:[^/\s"'$][^/\s"']*@/i;
/** A private key pasted anywhere (PEM, OpenSSH, PuTTY). */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----|PuTTY-User-Key-File/;
/** An htpasswd line (`user:$2y$...`, `$apr1$`, `{SHA}`): crackable, so secret. */
const HTPASSWD = /^[^:\s]+:(\$2[aby]?\$|\$apr1\$|\$[156]\$|\{SHA\})/;
/** Label keys whose value is a basic-auth user list (Traefik's `basicauth.users`, Caddy's `basic_auth.<user>`). */
const HTPASSWD_LABEL = /basic_?auth\./i;

/** A variable name split into upper-case words: `dbPassword` and `DB_PASSWORD` both give DB, PASSWORD. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== "");
}

/** Whether a name (environment variable, label, flag, setting) announces a secret value. */
function isSecretName(name: string): boolean {
  const w = words(name);
  // `*_FILE` holds the path to a secret (the *_FILE convention), not the secret.
  if (w.length === 0 || w[w.length - 1] === "FILE") return false;
  if (HTPASSWD_LABEL.test(name)) return true;
  const last = w[w.length - 1];
  const before = w[w.length - 2];
  if (SECRET_WORDS.has(last) || SECRET_SUFFIXES.some((suffix) => last.endsWith(suffix))) return true;
  if (last === "KEY" && before !== undefined && KEY_QUALIFIERS.has(before)) return true;
  if (SECRET_TAILS.has(last) && before !== undefined && (SECRET_WORDS.has(before) || (before === "KEY" && KEY_QUALIFIERS.has(w[w.length - 3] ?? "")))) return true;
  return false;
}

/**
 * Whether `value`, found under `name`, may be a secret: a secret-looking name with a value that is
 * not a switch, or any value that carries credentials (a URL with a password, a private key, an
 * htpasswd line), whatever its name. Empty values are never secret. `name` may be omitted when
 * only the value is known.
 */
export function looksSecret(name: string | undefined, value: string): boolean {
  if (value === "") return false;
  if (URL_CREDENTIALS.test(value) || PRIVATE_KEY.test(value) || HTPASSWD.test(value)) return true;
  return name !== undefined && isSecretName(name) && !SWITCH.test(value.trim());
}

/** `NAME=value`, `name: value`, `"name": "value"` and `--name=value` / `--name value` in free text. */
const ASSIGNMENT = /(?<=^|[\s"'{,;&|(])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:|\s(?=\S))(?=\s*["']?([^\s"',;&|)]+))/g;

/**
 * Where free text (a command line, a healthcheck, a file's content) carries something
 * {@link looksSecret}: the name it was under (`PGPASSWORD`, `--password`), or `"a credential"`
 * for a URL or key; undefined when nothing does. Never returns the value.
 */
export function secretInText(text: string): string | undefined {
  if (URL_CREDENTIALS.test(text)) return "a URL with a password";
  if (PRIVATE_KEY.test(text)) return "a private key";
  for (const line of text.split("\n")) {
    if (HTPASSWD.test(line.trim())) return "an htpasswd line";
    for (const [, name, value] of line.matchAll(ASSIGNMENT)) {
      // A reference (`$DB_PASSWORD`, `${DB_PASSWORD}`, a *_FILE path) is how a secret should travel.
      if (value.startsWith("$") || value.startsWith("/run/secrets/")) continue;
      if (looksSecret(name, value)) return name;
    }
  }
  return undefined;
}
