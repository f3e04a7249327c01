import { TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";

export interface VariableSpec {
  readonly type: string;
  readonly description: string;
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
  // In JSON syntax a validation condition is a string template: the expression needs `${...}`.
  const validation = spec.validation?.map((v) => ({ ...v, condition: `\${${v.condition}}` }));
  const variable = new TerraformVariable(scope, name, { ...spec, validation });
  variable.overrideLogicalId(name);
  return variable;
}
