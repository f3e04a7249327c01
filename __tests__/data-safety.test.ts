/**
 * Nothing lost: with real terraform, stand-in providers and state, code changes that would have
 * deleted data (a renamed or removed stack, fewer VMs, an upgrade from the previous release) plan
 * no volume and no VM destroyed, or synth refuses with how to retire explicitly; after an explicit
 * retirement the plan does what was asked. Each change is synthesized from a fresh folder, with
 * only the committed ledger to remember the past (as in CI).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ComposeStack } from "../constructs/compose-stack";
import { DockhostApp } from "../constructs/dockhost-app";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { buildReferenceHomelab, ReferenceHomelab } from "../main";
import { readLedger } from "../lib/ledger";
import { REFERENCE_APPS_VARS, tempDir, TEST_SSH_KEY } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformVars, TerraformWorkspace } from "./support/terraform/harness";

const INFRA_VARS: TerraformVars = { ssh_public_keys: JSON.stringify([TEST_SSH_KEY]), proxmox_endpoint: "https://192.0.2.2:8006/" };
const APPS_VARS: TerraformVars = REFERENCE_APPS_VARS;
const NOTES = { image: "nginx:1.27.3-alpine", restart: "unless-stopped", securityOpt: ["no-new-privileges:true"], memoryLimitMb: 64, volumes: [{ volume: "pages", target: "/usr/share/nginx/html" }] } as const;

/** The reference homelab plus a small `notes` stack (its volume backed up), after `change`. */
function homelab(ledgerFile: string, change: (h: ReferenceHomelab) => void = (h) => addNotes(h, "notes")): DockhostApp {
  const app = new DockhostApp({ outdir: tempDir("out"), stackTraces: false, ledgerFile });
  change(buildReferenceHomelab(app));
  return app;
}

function addNotes(h: ReferenceHomelab, id: string, props: { volumePrefix?: string } = {}): ComposeStack {
  return new ComposeStack(h.apps, id, { engine: h.engine, volumes: { pages: {} }, services: { web: NOTES }, ...props });
}

/** Copies a fresh synth's stacks over the workspace's (whose state stays) and plans `stack`. */
async function planChange(ws: TerraformWorkspace, app: DockhostApp, stack: string, vars: TerraformVars) {
  app.synth();
  for (const name of ws.stacks) fs.copyFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), path.join(ws.stackDir(name), "cdk.tf.json"));
  const result = await ws.plan(stack, { vars });
  if (!result.ok) throw new Error(result.error);
  return result;
}

/** Every change of the plan as `action address`, for resources of the given types. */
function changesOf(plan: any, ...types: string[]): string[] {
  return (plan.resource_changes ?? []).filter((rc: any) => types.includes(rc.type) && !rc.change.actions.includes("no-op")).map((rc: any) => `${rc.change.actions.join("+")} ${rc.address}`);
}

/** A copy of the committed ledger, so that each change starts from the same past. */
function ledgerCopy(ledger: string): string {
  const copy = path.join(tempDir("ledger"), "dockhost.ledger.json");
  fs.copyFileSync(ledger, copy);
  return copy;
}

describeWithTerraform("code changes against an applied homelab: nothing lost", () => {
  let ws: TerraformWorkspace;
  let ledger: string;
  beforeAll(async () => {
    ledger = path.join(tempDir("ledger"), "dockhost.ledger.json");
    const app = homelab(ledger);
    app.synth();
    ws = prepareWorkspace(path.join(app.outdir, "stacks"));
    await ws.apply("dockhost-infra", { vars: INFRA_VARS });
    await ws.apply("dockhost-apps", { vars: APPS_VARS });
  }, 240_000);
  afterAll(() => ws?.cleanup());

  test("the first synth wrote the ledger: every volume and VM id", () => {
    const data = readLedger(ledger);
    expect(data.volumes["dockhost-apps"]).toEqual(expect.arrayContaining(["app_db-data", "proxy_letsencrypt", "notes_pages", "monitoring_grafana-data"]));
    expect(data.vms).toEqual({ "dockhost-infra/dockhost": [9010] });
  });

  test("renaming a stack is refused with how to keep its data; with volumePrefix the renamed stack reads the same volume", async () => {
    const renamed = homelab(ledgerCopy(ledger), (h) => addNotes(h, "journal"));
    expect(() => renamed.synth()).toThrow(/\[DH-VOLUME-RENAME\] dockhost-apps: volume notes_pages: volume notes_pages is in the ledger, but no ComposeStack of dockhost-apps mounts it now; .*volumePrefix: "<its old name>"/);
    const kept = homelab(ledgerCopy(ledger), (h) => addNotes(h, "journal", { volumePrefix: "notes" }));
    const { plan } = await planChange(ws, kept, "dockhost-apps", APPS_VARS);
    expect(changesOf(plan, "docker_volume")).toEqual([]);
    expect(changesOf(plan, "docker_container", "docker_network").sort()).toEqual([
      "create docker_container.journal_web", "create docker_network.journal_network",
      "delete docker_container.notes_web", "delete docker_network.notes_network",
    ]);
    const journal: any = plan.resource_changes!.find((rc) => rc.address === "docker_container.journal_web");
    expect(journal.change.after.volumes).toEqual([expect.objectContaining({ volume_name: "notes_pages", container_path: "/usr/share/nginx/html" })]);
  });

  test("removing a stack is refused until its volume is retired; then the plan removes its container and network, never the data", async () => {
    const removed = homelab(ledgerCopy(ledger), () => undefined);
    expect(() => removed.synth()).toThrow(/DH-VOLUME-RENAME.*notes_pages.*retireVolume\("notes_pages", "<why>"\) on stack dockhost-apps/);
    const file = ledgerCopy(ledger);
    const retired = homelab(file, (h) => h.apps.retireVolume("notes_pages", "notes moved to the wiki, archive kept"));
    const { plan } = await planChange(ws, retired, "dockhost-apps", APPS_VARS);
    // The volume backup stops archiving the retired volume: its mounts force a new container
    // (kreuzwerker 3.6.2 marks docker_container's volumes ForceNew; the stand-in's table says so).
    expect(changesOf(plan, "docker_volume", "docker_container", "docker_network").sort()).toEqual([
      "delete docker_container.notes_web", "delete docker_network.notes_network", "delete+create docker_container.backup_backup",
    ]);
    expect(readLedger(file).volumes["dockhost-apps"]).not.toContain("notes_pages");
  });

  test("-var vm_count may add a VM at plan time, never go below the code's count", async () => {
    const app = homelab(ledgerCopy(ledger));
    app.synth();
    for (const name of ws.stacks) fs.copyFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), path.join(ws.stackDir(name), "cdk.tf.json"));
    const more = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, vm_count: 2 } });
    if (!more.ok) throw new Error(more.error);
    expect(changesOf(more.plan, "proxmox_virtual_environment_vm")).toEqual(["create proxmox_virtual_environment_vm.dockhost[1]"]);
    const fewer = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, vm_count: 0 } });
    expect(fewer.ok).toBe(false);
  });
});

describeWithTerraform("fewer VMs in code: refused until retired; then exactly the retired VM goes", () => {
  let ws: TerraformWorkspace;
  let ledger: string;
  const infraApp = (file: string, count: number, retire: number[] = []) => {
    const app = new DockhostApp({ outdir: tempDir("out"), stackTraces: false, ledgerFile: file });
    const infra = new DockhostStack(app, "dockhost-infra");
    new ProxmoxConnection(infra, "proxmox");
    new DockhostVm(infra, "dockhost", { count, memoryMb: 2048 });
    retire.forEach((id) => infra.retireVm(id, "the second VM is no longer needed"));
    return app;
  };
  beforeAll(async () => {
    ledger = path.join(tempDir("ledger"), "dockhost.ledger.json");
    const app = infraApp(ledger, 2);
    app.synth();
    ws = prepareWorkspace(path.join(app.outdir, "stacks"));
    await ws.apply("dockhost-infra", { vars: INFRA_VARS });
  }, 120_000);
  afterAll(() => ws?.cleanup());

  test("count 2 -> 1 is refused at synth, naming the VM and how to retire it", () => {
    expect(() => infraApp(ledgerCopy(ledger), 1).synth()).toThrow(/\[DH-VM-RETIRE\] dockhost-infra\/dockhost: vm 9011: VM 9011 is in the ledger, but dockhost-infra\/dockhost now declares ids 9010: Terraform would destroy it\. .*retireVm\(9011, "<why>"\)/);
  });

  test("-var vm_count=1 against code that declares 2 is refused by terraform", async () => {
    const result = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, vm_count: 1 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.replace(/\s+/g, " ")).toContain("vm_count may add VMs at plan time, not remove the 2 the code declares");
  });

  test("with retireVm(9011) the plan destroys VM 9011 and nothing else", async () => {
    const { plan } = await planChange(ws, infraApp(ledgerCopy(ledger), 1, [9011]), "dockhost-infra", INFRA_VARS);
    expect(changesOf(plan, "proxmox_virtual_environment_vm")).toEqual(["delete proxmox_virtual_environment_vm.dockhost[1]"]);
    expect(plan.resource_changes!.filter((rc: any) => rc.change.actions.includes("delete")).every((rc: any) => rc.address.endsWith("[1]"))).toBe(true);
  });
});

/** The release this one upgrades from: the commit before the data-safety work. */
const PREVIOUS_RELEASE = "7f2547e";
const REPO = path.resolve(__dirname, "..");

describeWithTerraform(`upgrade from ${PREVIOUS_RELEASE}: applied state, then this release planned against it`, () => {
  let ws: TerraformWorkspace;
  let previous: string;
  beforeAll(async () => {
    // The previous release's sources, with this checkout's node_modules and generated bindings.
    previous = tempDir("previous");
    execFileSync("sh", ["-c", `git -C "${REPO}" archive ${PREVIOUS_RELEASE} | tar -x -C "${previous}"`]);
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(previous, "node_modules"));
    fs.symlinkSync(path.join(REPO, ".gen"), path.join(previous, ".gen"));
    const outdir = path.join(previous, "cdktf.out");
    const bundle = path.join(previous, "previous-main.js");
    execFileSync(path.join(REPO, "node_modules", ".bin", "esbuild"), [path.join(previous, "main.ts"), "--bundle", "--platform=node", `--outfile=${bundle}`, "--external:cdktf", "--external:constructs", "--external:@cdktf/*", "--log-level=error"], { cwd: previous });
    execFileSync(process.execPath, [bundle], { cwd: previous, env: { ...process.env, CDKTF_OUTDIR: outdir } });
    ws = prepareWorkspace(path.join(outdir, "stacks"));
    await ws.apply("dockhost-infra", { vars: INFRA_VARS });
    // That release had no Nextcloud: its secrets are not variables there.
    const { nextcloud_admin_password: _admin, nextcloud_db_password: _db, ...previousAppsVars } = APPS_VARS;
    await ws.apply("dockhost-apps", { vars: previousAppsVars });
  }, 300_000);
  afterAll(() => ws?.cleanup());

  test("the previous release managed its volumes as docker_volume (what the upgrade must not delete)", () => {
    const state = JSON.parse(fs.readFileSync(path.join(ws.dir, "project", "terraform.dockhost-apps.tfstate"), "utf8"));
    const volumes = state.resources.filter((r: any) => r.type === "docker_volume").map((r: any) => r.instances[0].attributes.name);
    expect(volumes).toEqual(expect.arrayContaining(["app_db-data", "proxy_letsencrypt"]));
  });

  test("this release plans no volume destroyed (they are forgotten; Docker keeps them), no VM replaced, the same volume names mounted", async () => {
    const app = homelab(path.join(tempDir("ledger"), "dockhost.ledger.json"), () => undefined);
    const infra = await planChange(ws, app, "dockhost-infra", INFRA_VARS);
    expect(changesOf(infra.plan, "proxmox_virtual_environment_vm").filter((c) => !c.startsWith("update "))).toEqual([]);
    const apps = await ws.plan("dockhost-apps", { vars: APPS_VARS });
    if (!apps.ok) throw new Error(apps.error);
    const volumeChanges = changesOf(apps.plan, "docker_volume");
    expect(volumeChanges).toEqual(expect.arrayContaining(["forget docker_volume.app_volume_db-data", "forget docker_volume.proxy_volume_letsencrypt"]));
    expect(volumeChanges.every((c) => c.startsWith("forget "))).toBe(true);
    const traefik: any = apps.plan.resource_changes!.find((rc) => rc.address === "docker_container.proxy_traefik");
    const mounts = (traefik.change.after ?? traefik.change.before).volumes;
    expect(mounts).toEqual([expect.objectContaining({ volume_name: "proxy_letsencrypt", container_path: "/letsencrypt" })]);
  });
});
