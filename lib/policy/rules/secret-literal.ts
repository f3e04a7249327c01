import { Token } from "cdktf";
import { PolicyRule, resultOf } from "../types";

/** Variable names that announce a secret. `*_FILE` names hold a path, not the secret. */
const SECRET_NAME = /(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;

/** Values that are clearly not secrets (empty, a reference) are fine. */
function isLiteral(value: string): boolean {
  return value !== "" && !Token.isUnresolved(value);
}

export const secretLiteral: PolicyRule<"service"> = {
  id: "DH-SECRET-LITERAL",
  level: "error",
  description: "Secret-looking environment variables take their value from a Secret (a sensitive variable), never a literal.",
  appliesTo: "service",
  check: ({ service }) =>
    resultOf(
      Object.entries(service.spec.environment ?? {})
        .filter(([name, value]) => SECRET_NAME.test(name) && isLiteral(value))
        // The message names the variable only: the value is the secret.
        .map(([name]) => ({ key: `environment.${name}`, message: `${name} has a literal value; pass it in the service's secrets from a Secret` })),
    ),
};
