import { Token } from "cdktf";
import { looksSecret, secretInText } from "../../secret-names";
import { Finding, PolicyRule, resultOf } from "../types";

/** Values that are clearly not secrets (empty, a reference to a Secret) are fine. */
function isLiteral(value: string): boolean {
  return value !== "" && !Token.isUnresolved(value);
}

/** A finding for `key`; the message names where the secret is, never the value. */
function found(key: string, what: string): Finding {
  return { key, message: `${what} is a literal secret; pass it in the service's secrets from a Secret (as a *_FILE or environment variable; ComposeStack.fromFile: the secrets option replaces the file's value)` };
}

/**
 * Whether an environment variable holds a literal secret: what the rule flags and what the compose
 * import turns into a Secret. The classifier in lib/secret-names.ts decides.
 */
export function isSecretLiteral(name: string, value: string): boolean {
  return isLiteral(value) && looksSecret(name, value);
}

export const secretLiteral: PolicyRule<"service"> = {
  id: "DH-SECRET-LITERAL",
  level: "error",
  description:
    "Secret-looking values (by name or content, lib/secret-names.ts) in environment, command, entrypoint, healthcheck, files and labels come from a Secret, never a literal.",
  appliesTo: "service",
  check: ({ service }) => {
    const spec = service.spec;
    const inText = (key: string, text: string): Finding[] => {
      if (!isLiteral(text)) return [];
      const where = secretInText(text);
      return where === undefined ? [] : [found(key, where)];
    };
    const inList = (key: string, list: readonly string[] | undefined) => (list ? inText(key, list.join(" ")) : []);
    return resultOf([
      ...Object.entries(spec.environment ?? {})
        .filter(([name, value]) => isSecretLiteral(name, value))
        .map(([name]) => found(`environment.${name}`, name)),
      ...inList("command", spec.command),
      ...inList("entrypoint", spec.entrypoint),
      ...inList("healthcheck.test", spec.healthcheck?.test),
      ...Object.entries(service.files ?? {}).flatMap(([file, content]) => inText(`files.${file}`, content)),
      ...Object.entries(spec.labels ?? {})
        .filter(([label, value]) => isSecretLiteral(label, value))
        .map(([label]) => found(`labels.${label}`, label)),
    ]);
  },
};
