import { TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";

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
