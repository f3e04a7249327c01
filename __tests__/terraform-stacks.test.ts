/**
 * Terraform itself checks what we synthesize: `terraform validate` and `plan`/`apply` run on every
 * stack of the reference homelab against stand-in providers that serve the real provider schemas
 * (see support/terraform). SSH steps are switched off by their variable: nothing is dialled.
 */
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { ComposeStack } from "../constructs/compose-stack";
import { buildReferenceHomelab } from "../main";
import { COMPOSE_FIXTURE_DIR, COMPOSE_FIXTURES, FIXTURE_VARIABLES } from "./support/compose-fixtures";
import { REFERENCE_APPS_VARS, REFERENCE_INFRA_VARS, synthAll, tempDir, testApp } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformVars, TerraformWorkspace } from "./support/terraform/harness";

const INFRA_VARS: TerraformVars = REFERENCE_INFRA_VARS;
const APPS_VARS: TerraformVars = REFERENCE_APPS_VARS;

/** Synthesizes an app (after `customize`) and prepares a terraform workspace with its stacks. */
function workspaceFor(customize: (homelab: ReturnType<typeof buildReferenceHomelab>) => void = () => undefined): TerraformWorkspace {
  const homelab = buildReferenceHomelab(testApp());
  customize(homelab);
  synthAll(homelab.app as App);
  return prepareWorkspace(path.join(homelab.app.outdir, "stacks"));
}

function resources(plan: any, type: string): any[] {
  return (plan.planned_values?.root_module?.resources ?? []).filter((r: any) => r.type === type);
}

describeWithTerraform("terraform validate and plan on the reference homelab", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    ws = workspaceFor();
  });
  afterAll(() => {
    if (process.env.DOCKHOST_TF_TIMINGS) console.log(ws.timingReport());
    ws.cleanup();
  });

  test.each(["dockhost-infra", "dockhost-apps"])("%s validates with zero diagnostics", async (stack) => {
    const result = await ws.validate(stack);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test("the infra stack plans the VM, its user-data snippet, its backup job and its firewall (SSH steps off)", async () => {
    const result = await ws.plan("dockhost-infra", { vars: INFRA_VARS });
    if (!result.ok) throw new Error(result.error);
    expect(result.counts).toMatchObject({ create: 5, update: 0, delete: 0 });
    const [options] = resources(result.plan, "proxmox_virtual_environment_firewall_options");
    expect(options.values).toMatchObject({ vm_id: 9010, enabled: true, input_policy: "DROP" });
    const [rules] = resources(result.plan, "proxmox_virtual_environment_firewall_rules");
    expect(rules.values.rule.map((r: any) => `${r.dport}/${r.proto} ${r.source ?? "anywhere"}`)).toEqual(["22/tcp 192.168.1.0/24", "80/tcp anywhere", "443/tcp anywhere", "null/icmp 192.168.1.0/24"]);
    const [job] = resources(result.plan, "proxmox_backup_job");
    expect(job.values).toMatchObject({ id: "dockhost-vms", vmid: ["9010"], schedule: "sun 01:00", mode: "snapshot", prune_backups: { "keep-weekly": "4" } });
    const [vm] = resources(result.plan, "proxmox_virtual_environment_vm");
    expect(vm.values).toMatchObject({ vm_id: 9010, name: "dockhost", protection: true, node_name: "pve" });
    expect(vm.values.initialization[0].ip_config[0].ipv4[0]).toEqual({ address: "192.168.1.10/24", gateway: "192.168.1.1" });
  });

  test("with SSH steps on, the readiness gate and day-2 apply are planned per VM", async () => {
    const result = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, ssh_provisioners_enabled: true } });
    if (!result.ok) throw new Error(result.error);
    expect(result.counts.create).toBe(7);
    expect(resources(result.plan, "null_resource").map((r) => r.address).sort()).toEqual(["null_resource.docker_host_apply[0]", "null_resource.docker_ready[0]"]);
  });

  test("-var vm_count=3 plans three VMs with ids 9010..9012 and addresses .10...12", async () => {
    const result = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, vm_count: 3 } });
    if (!result.ok) throw new Error(result.error);
    const vms = resources(result.plan, "proxmox_virtual_environment_vm");
    expect(vms.map((v) => v.values.vm_id)).toEqual([9010, 9011, 9012]);
    expect(vms.map((v) => v.values.name)).toEqual(["dockhost", "dockhost-2", "dockhost-3"]);
    expect(vms.map((v) => v.values.initialization[0].ip_config[0].ipv4[0].address)).toEqual(["192.168.1.10/24", "192.168.1.11/24", "192.168.1.12/24"]);
  });

  test.each<[string, TerraformVars, string]>([
    ["vm_count below 1", { vm_count: 0 }, "vm_count must be a whole number from 1 to 100."],
    ["a template id among the VM ids", { vm_template_id: 9010 }, "vm_template_id must not be one of the VMs' ids"],
    ["VM ids past Proxmox's range", { vm_baseid: 999999999, vm_count: 2 }, "The last VM id (vm_baseid + vm_count - 1) must be <= 999999999."],
    ["memory below the minimum", { vm_memory: 512 }, "vm_memory must be a whole number from 1024"],
    ["an IP past the subnet", { vm_ip_start: 254, vm_count: 2 }, "must stay within 192.168.1.0/24"],
    ["an IP range covering the gateway", { vm_ip_start: 1 }, "must not include the gateway 192.168.1.1"],
    ["zero cores", { vm_cpu_cores: 0 }, "vm_cpu_cores must be a whole number from 1 to 512."],
    ["a zero disk", { vm_disk0_size: 0 }, "vm_disk0_size must be a whole number from 16"],
    ["an empty SSH key list", { ssh_public_keys: "[]" }, "ssh_public_keys needs at least one key."],
    ["an SSH key that is not one", { ssh_public_keys: JSON.stringify(["not a key"]) }, "Each ssh_public_keys entry must be an OpenSSH public key line"],
    ["less memory than the containers need (the capacity planner's minimum)", { vm_memory: 2048 }, "MB: the containers' memory limits plus the host's reserve."],
  ])("the plan refuses %s with the variable's validation message", async (_, vars, message) => {
    const result = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, ...vars } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.replace(/\s+/g, " ")).toContain(message);
  });

  test("after apply, a second plan shows no changes; then the apps stack plans with the VM address from infra's state", async () => {
    await ws.apply("dockhost-infra", { vars: INFRA_VARS });
    const again = await ws.plan("dockhost-infra", { vars: INFRA_VARS });
    if (!again.ok) throw new Error(again.error);
    expect(again.counts).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });

    const apps = await ws.plan("dockhost-apps", { vars: APPS_VARS });
    if (!apps.ok) throw new Error(apps.error);
    expect(apps.counts.create).toBeGreaterThanOrEqual(10);
    const containers = resources(apps.plan, "docker_container").map((r) => r.values.name);
    expect(containers).toEqual(expect.arrayContaining(["monitoring-prometheus", "monitoring-grafana", "monitoring-node-exporter", "monitoring-cadvisor"]));
    const remote = (apps.plan.prior_state as any).values.root_module.resources.find((r: any) => r.type === "terraform_remote_state");
    const outputs = Object.values<any>(remote.values.outputs);
    expect(outputs).toContain("192.168.1.10/24");
  });
});

describeWithTerraform("terraform catches injected defects", () => {
  const cases: Array<[string, (h: ReturnType<typeof buildReferenceHomelab>) => void, string, RegExp]> = [
    ["an unknown argument (escape hatch)", (h) => h.vm.vm.addOverride("cores", 4), "dockhost-infra", /Extraneous JSON object property|Unsupported argument/],
    ["a wrong type", (h) => h.vm.vm.addOverride("memory.dedicated", "lots"), "dockhost-infra", /Incorrect attribute value type|a number is required/],
    ["a missing required argument", (h) => h.vm.vm.addOverride("node_name", undefined), "dockhost-infra", /Missing required argument|"node_name" is required/],
    ["two blocks where one is allowed", (h) => h.vm.vm.addOverride("cpu", [{ cores: 1 }, { cores: 2 }]), "dockhost-infra", /Too many cpu blocks/],
    ["a reference to an undeclared variable", (h) => h.vm.vm.addOverride("description", "${var.nope}"), "dockhost-infra", /Reference to undeclared input variable/],
    ["a bad function call", (h) => h.vm.vm.addOverride("description", "${cidrhost(\"192.168.1.0/24\")}"), "dockhost-infra", /Not enough function arguments|Invalid function argument/],
    ["an unknown attribute on a docker container", (h) => h.appStack.service("web").container.addOverride("memory_limit", 5), "dockhost-apps", /Extraneous JSON object property|Unsupported argument/],
  ];
  // One workspace for every defect (one stand-in pool, one init per stack): each defective stack
  // is synthesized on its own and copied in as a stack folder of its own.
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const combined = tempDir("defects");
    cases.forEach(([, inject, stack], i) => {
      const homelab = buildReferenceHomelab(testApp());
      inject(homelab);
      synthAll(homelab.app as App);
      fs.cpSync(path.join(homelab.app.outdir, "stacks", stack), path.join(combined, `defect-${i}`), { recursive: true });
    });
    ws = prepareWorkspace(combined);
  });
  afterAll(() => ws.cleanup());

  test.each(cases.map((c, i) => [...c, i] as const))("%s", async (_, _inject, _stack, message, i) => {
    const result = await ws.validate(`defect-${i}`);
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => `${d.summary}: ${d.detail ?? ""}`).join("\n")).toMatch(message);
  });
});

describeWithTerraform("terraform validates every imported compose fixture", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    // A plain cdktf App: the fixtures carry literal passwords on purpose, which the policy pack
    // (DockhostApp) would refuse; here only Terraform's view of the resources matters.
    const app = new App({ outdir: tempDir("fixtures"), stackTraces: false });
    const { apps, engine } = buildReferenceHomelab(app);
    COMPOSE_FIXTURES.forEach((file) =>
      ComposeStack.fromFile(apps, `imported-${file}`, path.join(COMPOSE_FIXTURE_DIR, file), { engine, variables: FIXTURE_VARIABLES, stackName: `imp-${path.basename(file, ".yml")}` }),
    );
    app.synth();
    ws = prepareWorkspace(path.join(app.outdir, "stacks"));
  });
  afterAll(() => ws.cleanup());

  test("the apps stack with every corpus import (24 files) validates with zero diagnostics", async () => {
    const result = await ws.validate("dockhost-apps");
    expect(result.diagnostics).toEqual([]);
  });
});

