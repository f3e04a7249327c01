/**
 * `cdktf synth --hcl` (SYNTH_HCL_OUTPUT=true) writes HCL for review: every stack of the reference
 * homelab, with a remote backend and the adoption blocks, renders, parses and is `terraform fmt`
 * clean where terraform is installed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildReferenceHomelab } from "../main";
import { testApp } from "./support/synth";
import { describeWithTerraform, terraformPath } from "./support/terraform/harness";

const STACKS = ["dockhost-infra", "dockhost-apps"];

/** Synthesizes the reference homelab as `cdktf synth --hcl` does; returns each stack's cdk.tf path. */
function synthHcl(): Record<string, string> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    SYNTH_HCL_OUTPUT: "true",
    DOCKHOST_BACKEND: "s3",
    DOCKHOST_S3_ENDPOINT: "https://minio.lan:9000",
    DOCKHOST_S3_BUCKET: "homelab-tfstate",
    DOCKHOST_VM_MOVED_FROM: "proxmox_virtual_environment_vm.vm",
  });
  try {
    const { app } = buildReferenceHomelab(testApp());
    app.synth();
    return Object.fromEntries(STACKS.map((stack) => [stack, path.join(app.outdir, "stacks", stack, "cdk.tf")]));
  } finally {
    process.env = saved;
  }
}

describe("cdktf synth --hcl", () => {
  test("writes every stack as HCL, also where terraform is not installed to format it", () => {
    const saved = process.env.PATH;
    process.env.PATH = "";
    try {
      const files = synthHcl();
      const infra = fs.readFileSync(files["dockhost-infra"], "utf8");
      for (const block of [/backend "s3" \{/, /\nimport \{/, /\nmoved \{/, /provisioner "local-exec" \{/]) expect(infra).toMatch(block);
      expect(fs.readFileSync(files["dockhost-apps"], "utf8")).toMatch(/data "terraform_remote_state" "cross-stack-reference-input-dockhost-infra" \{/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describeWithTerraform("the synthesized HCL, formatted by terraform", () => {
  let files: Record<string, string>;
  beforeAll(() => {
    files = synthHcl();
  });

  test.each(STACKS)("%s passes terraform fmt -check", (stack) => {
    const fmt = spawnSync(terraformPath()!, ["fmt", "-check", "-diff", "-no-color", files[stack]], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    expect(fmt.stdout).toBe("");
    expect(fmt.status).toBe(0);
  });

  test("reads as Terraform: the backend, the adoption blocks, scripts as heredocs", () => {
    const infra = fs.readFileSync(files["dockhost-infra"], "utf8");
    expect(infra).toMatch(/backend "s3" \{\s+bucket = "homelab-tfstate"/);
    expect(infra).toContain(
      ["import {", "  for_each = var.vm_import_existing ? range(var.vm_count) : []", "  to       = proxmox_virtual_environment_vm.dockhost[each.value]", '  id       = "pve/${var.vm_baseid + each.value}"', "}"].join("\n"),
    );
    expect(infra).toContain(["moved {", "  from = proxmox_virtual_environment_vm.vm", "  to   = proxmox_virtual_environment_vm.dockhost", "}"].join("\n"));
    expect(infra).toMatch(/provisioner "local-exec" \{[^}]*command\s+= <<EOF\n#!\/bin\/sh\n/);
    // bpg's network_device keeps every object key; unused ones are null.
    expect(infra).toMatch(/vlan_id\s+= "\$\{null\}"/);
    expect(fs.readFileSync(files["dockhost-apps"], "utf8")).toMatch(/data "terraform_remote_state" "cross-stack-reference-input-dockhost-infra" \{\s+backend\s+= "s3"/);
  });
});
