/**
 * Adopting a dockhost that already runs: import blocks (off until `vm_import_existing` is true) and
 * moved blocks from the original module's addresses, checked in the JSON and by terraform itself.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { VmAdoption } from "../constructs/vm-adoption";
import { buildReferenceHomelab } from "../main";
import { StackJson, synthAll, testApp, TEST_SSH_KEY } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformVars, TerraformWorkspace } from "./support/terraform/harness";

const VM = "proxmox_virtual_environment_vm";

function adoptionStack(props: { movedFrom?: string[]; importExisting?: boolean; vm?: ConstructorParameters<typeof DockhostVm>[2] } = {}): StackJson {
  const app = testApp();
  const infra = new DockhostStack(app, "infra");
  new ProxmoxConnection(infra, "proxmox");
  const vm = new DockhostVm(infra, "dockhost", props.vm);
  new VmAdoption(infra, "adopt", { vm, movedFrom: props.movedFrom, importExisting: props.importExisting });
  return synthAll(app).infra;
}

describe("VmAdoption", () => {
  test("an import block per VM, by node and VM id, switched off by default", () => {
    const infra = adoptionStack({ vm: { nodeName: "pve2" } });
    expect(infra.import).toEqual([
      {
        for_each: "${var.vm_import_existing ? range(var.vm_count) : []}",
        to: `${VM}.dockhost[each.value]`,
        id: "pve2/${var.vm_baseid + each.value}",
      },
    ]);
    expect(infra.variable.vm_import_existing).toMatchObject({ type: "bool", default: false });
    expect(infra.moved).toBeUndefined();
  });

  test("importExisting sets the variable's default", () => {
    expect(adoptionStack({ importExisting: true }).variable.vm_import_existing.default).toBe(true);
  });

  test("moved blocks: a whole resource keeps its keys, an instance keeps its index, modules allowed", () => {
    const infra = adoptionStack({ movedFrom: [`${VM}.vm`, `module.dockhost.${VM}.vm[1]`] });
    expect(infra.moved).toEqual([
      { from: `${VM}.vm`, to: `${VM}.dockhost` },
      { from: `module.dockhost.${VM}.vm[1]`, to: `${VM}.dockhost[1]` },
    ]);
  });

  test.each([
    ["proxmox_vm_qemu.dockhost", "movedFrom[0]"],
    [`${VM}.dockhost`, "movedFrom[0]"],
    [`${VM}.vm["a"]`, "movedFrom[0]"],
  ])("refuses to move from %s", (from, key) => {
    expect(() => adoptionStack({ movedFrom: [from] })).toThrow(`infra/adopt: invalid ${key} = ${JSON.stringify(from)}`);
  });

  test("refuses a VM of another stack", () => {
    const app = testApp();
    const vm = new DockhostVm(new DockhostStack(app, "infra"), "dockhost");
    expect(() => new VmAdoption(new DockhostStack(app, "other"), "adopt", { vm })).toThrow("other/adopt: invalid vm = \"infra/dockhost\"");
  });

  test("the reference homelab takes the original address from DOCKHOST_VM_MOVED_FROM", () => {
    const saved = process.env.DOCKHOST_VM_MOVED_FROM;
    process.env.DOCKHOST_VM_MOVED_FROM = ` ${VM}.vm , `;
    try {
      const stacks = synthAll(buildReferenceHomelab(testApp()).app as App);
      expect(stacks["dockhost-infra"].moved).toEqual([{ from: `${VM}.vm`, to: `${VM}.dockhost` }]);
    } finally {
      if (saved === undefined) delete process.env.DOCKHOST_VM_MOVED_FROM;
      else process.env.DOCKHOST_VM_MOVED_FROM = saved;
    }
  });
});

const INFRA_VARS: TerraformVars = { ssh_public_keys: JSON.stringify([TEST_SSH_KEY]), proxmox_endpoint: "https://192.0.2.2:8006/", ssh_provisioners_enabled: false };

/** The reference infra stack, optionally with the VM under another name, as the original module had it. */
function infraJson(movedFrom: string[] = []): StackJson {
  const saved = process.env.DOCKHOST_VM_MOVED_FROM;
  process.env.DOCKHOST_VM_MOVED_FROM = movedFrom.join(",");
  try {
    return synthAll(buildReferenceHomelab(testApp()).app as App)["dockhost-infra"];
  } finally {
    if (saved === undefined) delete process.env.DOCKHOST_VM_MOVED_FROM;
    else process.env.DOCKHOST_VM_MOVED_FROM = saved;
  }
}

/** The same configuration with the VM at `proxmox_virtual_environment_vm.vm`, no adoption blocks. */
function originalModuleJson(): StackJson {
  const { import: _import, moved: _moved, ...rest } = infraJson();
  const renamed = JSON.parse(JSON.stringify(rest).split(`${VM}.dockhost`).join(`${VM}.vm`));
  renamed.resource[VM] = { vm: renamed.resource[VM].dockhost };
  return renamed;
}

describeWithTerraform("terraform plans the adoption of a running dockhost", () => {
  let ws: TerraformWorkspace;
  const stack = "dockhost-infra";
  const writeStack = (json: StackJson) => fs.writeFileSync(path.join(ws.stackDir(stack), "cdk.tf.json"), JSON.stringify(json));

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "dockhost-adopt-"));
    fs.mkdirSync(path.join(dir, stack));
    fs.writeFileSync(path.join(dir, stack, "cdk.tf.json"), JSON.stringify(infraJson()));
    ws = prepareWorkspace(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => ws.cleanup());

  test("a fresh deploy creates the VM; vm_import_existing=true imports <node>/<id> instead", async () => {
    const fresh = await ws.plan(stack, { vars: INFRA_VARS });
    if (!fresh.ok) throw new Error(fresh.error);
    const freshVm = fresh.plan.resource_changes!.find((c) => c.address === `${VM}.dockhost[0]`)!;
    expect(freshVm.change.actions).toEqual(["create"]);
    expect(freshVm.change.importing).toBeUndefined();

    const adopt = await ws.plan(stack, { vars: { ...INFRA_VARS, vm_count: 2, vm_import_existing: true } });
    if (!adopt.ok) throw new Error(adopt.error);
    const imports = adopt.plan.resource_changes!.filter((c) => c.type === VM).map((c) => [c.address, (c.change.importing as { id: string } | undefined)?.id]);
    expect(imports).toEqual([
      [`${VM}.dockhost[0]`, "pve/9010"],
      [`${VM}.dockhost[1]`, "pve/9011"],
    ]);
  });

  test("state from the original module moves to Dockhost's address: nothing is destroyed", async () => {
    writeStack(originalModuleJson());
    await ws.apply(stack, { vars: INFRA_VARS });
    writeStack(infraJson([`${VM}.vm`]));
    const result = await ws.plan(stack, { vars: INFRA_VARS });
    if (!result.ok) throw new Error(result.error);
    const vm = result.plan.resource_changes!.find((c) => c.type === VM)!;
    expect(vm.address).toBe(`${VM}.dockhost[0]`);
    expect(vm.previous_address).toBe(`${VM}.vm[0]`);
    expect(vm.change.actions).not.toContain("delete");
    expect(vm.change.actions).not.toContain("create");
  });
});
