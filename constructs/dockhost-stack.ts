import { LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";

/**
 * A Terraform stack of the homelab. The state lives in the project folder, as with cdktf's own
 * default, but under a relative path: cdktf's default is an absolute path, which would differ from
 * machine to machine in the output, the snapshots and every cross-stack reference.
 */
export class DockhostStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new LocalBackend(this, { path: localStatePath(id) });
  }
}

/**
 * Terraform runs each stack in `cdktf.out/stacks/<id>/`, so three levels up is the project folder.
 * Every stack sits at the same depth, so the same string also works for the remote-state data
 * source another stack uses to read this one.
 */
export function localStatePath(stackId: string): string {
  return `../../../terraform.${stackId}.tfstate`;
}
