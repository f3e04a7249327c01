import { TerraformBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { formatHcl, makeHclRenderable } from "../lib/hcl-output";
import { recordVmRetirement, recordVolumeRetirement } from "../lib/ledger";
import { addStateBackend, StateBackend } from "../lib/state-backend";

/** Variable validations that refer to other variables need Terraform 1.9 or later. */
const REQUIRED_TERRAFORM = ">= 1.9";

/** Options of a {@link DockhostStack}. */
export interface DockhostStackProps {
  /**
   * Where Terraform keeps this stack's state: `{ type: "local" }`, an S3-compatible bucket
   * (`{ type: "s3", endpoint, bucket }`, MinIO and the like) or PostgreSQL (`{ type: "pg" }`).
   * Credentials are never part of it: Terraform reads them from its environment. Give every stack
   * of an app the same backend; cross-stack references read the other stack's state through it.
   * @default { type: "local" }: `terraform.<id>.tfstate` in the project folder
   */
  readonly backend?: StateBackend;
}

/**
 * A Terraform stack of the homelab, with its state where {@link DockhostStackProps.backend} says,
 * never under an absolute path (which would differ from machine to machine in the output, the
 * snapshots and every cross-stack reference).
 */
export class DockhostStack extends TerraformStack {
  public readonly backend: TerraformBackend;

  constructor(scope: Construct, id: string, props: DockhostStackProps = {}) {
    super(scope, id);
    this.backend = addStateBackend(this, props.backend ?? { type: "local" }, this.node.path);
  }

  /**
   * Lets a named volume of this stack go, on purpose: the ledger stops requiring it, so a stack
   * that no longer mounts it synthesizes. Terraform never owned it: its data stays on the VM until
   * `docker volume rm <name>`. Keep the call while the ledger change is reviewed; it is harmless later.
   */
  public retireVolume(name: string, reason: string): void {
    recordVolumeRetirement(this, name, reason);
  }

  /**
   * Lets a VM of this stack go, on purpose (a lower `count`, another `baseId`): the ledger stops
   * requiring its id and the VM resource drops `prevent_destroy`, so Terraform may destroy it. Lift
   * its Proxmox protection first (`qm set <id> --protection 0`), or the destroy fails.
   */
  public retireVm(vmId: number, reason: string): void {
    recordVmRetirement(this, vmId, reason);
  }

  /**
   * `cdktf synth --hcl`: the same stack, with what cdktf's HCL renderer cannot write made writable,
   * formatted by `terraform fmt` where terraform is installed.
   */
  public toHclTerraform(): ReturnType<TerraformStack["toHclTerraform"]> {
    makeHclRenderable(this);
    const output = super.toHclTerraform();
    // cdktf's HCL renderer cannot write a terraform-block override: the setting goes in as text.
    const hcl = output.hcl.replace("terraform {", `terraform {\nrequired_version = "${REQUIRED_TERRAFORM}"\n`);
    return { ...output, hcl: formatHcl(hcl) };
  }

  public toTerraform(): ReturnType<TerraformStack["toTerraform"]> {
    const output = super.toTerraform();
    output.terraform = { ...output.terraform, required_version: REQUIRED_TERRAFORM };
    return output;
  }
}
