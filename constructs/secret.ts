import { TerraformResource } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { invalid } from "../lib/errors";
import { registerSecretToken } from "../lib/secret-tokens";
import { declareVariable } from "../lib/terraform-variable";

/** How Terraform describes and checks a secret it asks for. */
export interface SecretProps {
  /**
   * What the secret is for, shown by `terraform plan` when it asks for the value.
   * @default "Secret <id>"
   */
  readonly description?: string;
  /**
   * Shortest value accepted (Terraform checks it at plan time).
   * @default 1
   */
  readonly minLength?: number;
}

/** Secret ids taken in each app (the root construct): two Secrets with one id would be one variable. */
const idsByApp = new WeakMap<IConstruct, Map<string, string>>();
/** Secret names are Terraform variable names and `${NAME}` references in exported compose files. */
const SECRET_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A secret value (a database password, an API token) that never appears in the synthesized JSON:
 * it is a sensitive Terraform variable named after the construct id, with no default, set with
 * `TF_VAR_<id>` or a tfvars file kept out of git. Terraform state holds it, so keep state private.
 */
export class Secret extends Construct {
  /** The Terraform variable's name. */
  public readonly name: string;
  /** A reference to the value, for resource attributes. */
  public readonly value: string;

  constructor(scope: Construct, id: string, props: SecretProps = {}) {
    super(scope, id);
    if (!SECRET_NAME.test(id)) invalid({ path: this.node.path, key: "id", value: id, allowed: `expected a secret name matching ${SECRET_NAME.source} (it becomes a Terraform variable)` });
    const taken = idsByApp.get(this.node.root) ?? new Map<string, string>();
    idsByApp.set(this.node.root, taken);
    const other = taken.get(id);
    if (other !== undefined) invalid({ path: this.node.path, key: "id", value: id, allowed: `a secret id not already used in the app (${other} has it): both would be the one variable ${id}` });
    taken.set(id, this.node.path);
    this.name = id;
    const minLength = props.minLength ?? 1;
    this.value = declareVariable(this, id, {
      type: "string",
      description: props.description ?? `Secret ${id}`,
      sensitive: true,
    }).stringValue;
    // Not a variable validation: Terraform 1.11 prints a failing validation's variable values, a
    // sensitive `-var` included; a precondition's diagnostic shows it as sensitive.
    // Terraform's built-in terraform_data as a plain resource: cdktf's DataResource class would add a
    // validation that runs `terraform version`, and synth must work where terraform is not installed
    // (the stacks require Terraform >= 1.9, which has terraform_data).
    new TerraformResource(this, "checks", {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      lifecycle: { precondition: [{ condition: `\${length(var.${id}) >= ${minLength}}`, errorMessage: `${id} must be at least ${minLength} characters long.` }] },
    }).overrideLogicalId(`${id}_checks`);
    registerSecretToken(this.value, id);
  }
}
