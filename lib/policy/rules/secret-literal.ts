import { Token } from "cdktf";
import { PolicyRule, resultOf } from "../types";

/** Variable names that announce a secret. `*_FILE` names hold a path, not the secret. */
const SECRET_NAME = /(PASSWORD|PASSWD|_PASS|SECRET|TOKEN|CREDENTIALS?|(SECRET|API|PRIVATE|ACCESS|APP|ENCRYPTION|SIGNING|MASTER|SESSION|JWT)_?KEY)$/i;
/** Switches such as MARIADB_RANDOM_ROOT_PASSWORD=1 or ALLOW_EMPTY_PASSWORD=yes are not secrets. */
const SWITCH = /^(0|1|true|false|yes|no|on|off)$/i;
/** `scheme://user:password@host`: a credential inside a URL, whatever the variable is called. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@/\s]+@/i;

/** Values that are clearly not secrets (empty, a reference to a Secret) are fine. */
function isLiteral(value: string): boolean {
  return value !== "" && !Token.isUnresolved(value);
}

/**
 * Whether an environment variable holds a literal secret: what the rule flags and what the compose
 * import turns into a Secret. Issue 16's classifier replaces the body; callers stay.
 */
export function isSecretLiteral(name: string, value: string): boolean {
  return isLiteral(value) && ((SECRET_NAME.test(name) && !SWITCH.test(value)) || URL_CREDENTIALS.test(value));
}

export const secretLiteral: PolicyRule<"service"> = {
  id: "DH-SECRET-LITERAL",
  level: "error",
  description:
    "Secret-looking environment variables, and credentials inside URLs, take their value from a Secret (a sensitive variable), never a literal.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      Object.entries(service.spec.environment ?? {})
        .filter(([name, value]) => isSecretLiteral(name, value))
        // The message names the variable only: the value is the secret.
        .map(([name]) => ({ key: `environment.${name}`, message: `${name} has a literal secret value; pass it in the service's secrets from a Secret (ComposeStack.fromFile: the secrets option replaces the file's value)` })),
    ),
};
