import { TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";
import { invalid } from "./errors";
import { looksSecret } from "./secret-names";

export interface VariableSpec {
  readonly type: string;
  readonly description: string;
  /** `null` gives an optional variable whose value may stay null (declare it `nullable`). */
  readonly default?: unknown;
  readonly sensitive?: boolean;
  readonly nullable?: boolean;
  /** Conditions are plain Terraform expressions (no `${}`), e.g. `var.x >= 1`. */
  readonly validation?: TerraformVariableValidationConfig[];
}

/**
 * Declares a Terraform variable whose name is exactly `name`, wherever in the tree it is created:
 * variable names are public contract (tfvars files, `-var`, TF_VAR_*), so they must not carry the
 * hash suffix cdktf gives nested logical ids.
 */
export function declareVariable(scope: Construct, name: string, spec: VariableSpec): TerraformVariable {
  // A default is written into the synthesized JSON: never one that looks secret (a URL with credentials, say).
  const defaults = typeof spec.default === "string" ? [spec.default] : Array.isArray(spec.default) ? spec.default.filter((v): v is string => typeof v === "string") : [];
  if (!spec.sensitive && defaults.some((value) => looksSecret(name, value))) {
    invalid({ path: scope.node.path, key: name, value: spec.default, secret: true, allowed: `a value without credentials: ${name}'s default is written into the synthesized JSON; pass credentials through a sensitive variable or the provider's environment` });
  }
  const variable = new TerraformVariable(scope, name, { ...spec, default: spec.default ?? undefined, validation: spec.validation?.map(asTemplate) });
  variable.overrideLogicalId(name);
  // cdktf drops a plain null default, and its HCL renderer fails on Token.nullValue(): an override
  // writes `default = null` in both JSON and HCL.
  if (spec.default === null) variable.addOverride("default", null);
  return variable;
}

/** Adds a validation block to a declared variable (condition as a plain expression). */
export function addVariableValidation(variable: TerraformVariable, validation: TerraformVariableValidationConfig): void {
  variable.addValidation(asTemplate(validation));
}

/** In JSON syntax a validation condition is a string template: the expression needs `${...}`. */
function asTemplate(validation: TerraformVariableValidationConfig): TerraformVariableValidationConfig {
  return { ...validation, condition: `\${${validation.condition}}` };
}
