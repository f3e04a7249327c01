/**
 * "Apply, then plan" against stand-ins that read back what kreuzwerker 3.6.2 and bpg 0.111.1 read
 * from a real engine and Proxmox (support/terraform/standin-readback.js): the reference homelab and
 * every imported compose fixture must plan no changes after apply, a refresh during the nightly
 * backup must not remove the containers it stopped, and no plan may reach the protected VM's delete.
 */
import * as path from "path";
import { App } from "cdktf";
import { ComposeStack } from "../constructs/compose-stack";
import { buildReferenceHomelab } from "../main";
import { COMPOSE_FIXTURE_DIR, COMPOSE_FIXTURES, FIXTURE_VARIABLES } from "./support/compose-fixtures";
import { REFERENCE_APPS_VARS, REFERENCE_INFRA_VARS, tempDir } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformVars, TerraformWorkspace } from "./support/terraform/harness";

const INFRA_VARS: TerraformVars = REFERENCE_INFRA_VARS;
const APPS_VARS: TerraformVars = REFERENCE_APPS_VARS;

type Customize = (homelab: ReturnType<typeof buildReferenceHomelab>) => void;

/** The reference homelab plus every compose fixture, as one app (a plain App: fixtures carry literal passwords). */
function workspace(customize: Customize = () => undefined): { ws: TerraformWorkspace; homelab: ReturnType<typeof buildReferenceHomelab> } {
  const app = new App({ outdir: tempDir("drift"), stackTraces: false });
  const homelab = buildReferenceHomelab(app);
  COMPOSE_FIXTURES.forEach((file) =>
    ComposeStack.fromFile(homelab.apps, `imported-${file}`, path.join(COMPOSE_FIXTURE_DIR, file), { engine: homelab.engine, variables: FIXTURE_VARIABLES, stackName: `imp-${path.basename(file, ".yml")}` }),
  );
  customize(homelab);
  app.synth();
  return { ws: prepareWorkspace(path.join(app.outdir, "stacks")), homelab };
}

/** Synthesizes (after `customize`), then applies both stacks. */
async function applied(customize: Customize = () => undefined): Promise<ReturnType<typeof workspace>> {
  const built = workspace(customize);
  await built.ws.apply("dockhost-infra", { vars: INFRA_VARS });
  await built.ws.apply("dockhost-apps", { vars: APPS_VARS });
  return built;
}

/** What a plan of `stack` would change, as "address action" lines. */
async function changes(ws: TerraformWorkspace, stack: "dockhost-infra" | "dockhost-apps", vars: TerraformVars = {}): Promise<string[]> {
  const result = await ws.plan(stack, { vars: { ...(stack === "dockhost-infra" ? INFRA_VARS : APPS_VARS), ...vars } });
  if (!result.ok) throw new Error(result.error);
  return (result.plan.resource_changes ?? []).filter((r) => !r.change.actions.every((a) => a === "no-op" || a === "read")).map((r) => `${r.address} ${r.change.actions.join("+")}`);
}

describeWithTerraform("apply, then plan, with the providers' read-back", () => {
  let ws: TerraformWorkspace;
  let backedUp: string[];
  beforeAll(async () => {
    const built = await applied();
    ws = built.ws;
    backedUp = built.homelab.appStack.serviceList.filter((s) => s.container.mustRunInput === false).map((s) => s.containerName);
  }, 300_000);
  afterAll(() => ws.cleanup());

  test("the reference homelab and every imported compose fixture plan no changes after apply", async () => {
    expect(await changes(ws, "dockhost-infra")).toEqual([]);
    expect(await changes(ws, "dockhost-apps")).toEqual([]);
  });

  test("a refresh while the nightly backup has stopped its containers removes none of them", async () => {
    expect(backedUp.length).toBeGreaterThan(0);
    ws.stopContainers(backedUp);
    try {
      expect(await changes(ws, "dockhost-apps")).toEqual([]);
    } finally {
      ws.stopContainers([]);
    }
  });

  test("a change to a force-new argument of the VM is planned as a replacement, and prevent_destroy refuses it", async () => {
    const result = await ws.plan("dockhost-infra", { vars: { ...INFRA_VARS, vm_baseid: 9020 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.replace(/\s+/g, " ")).toMatch(/Instance cannot be destroyed.*proxmox_virtual_environment_vm/);
  });
});

describeWithTerraform("the read-back model catches the old forms", () => {
  let ws: TerraformWorkspace;
  let backedUp: string;
  beforeAll(async () => {
    const built = await applied((h) => {
      const cadvisor = h.monitoring.stack.service("cadvisor").container;
      cadvisor.addOverride("capabilities", { add: ["SYSLOG"] }); // the engine reads back CAP_SYSLOG
      cadvisor.addOverride("devices", [{ host_path: "/dev/kmsg", permissions: "r" }]); // reads back rwm
      h.appStack.service("web").container.addOverride("memory_swap", null); // reads back 2 x memory
      h.appStack.service("db").container.addOverride("must_run", true); // the provider's default
      h.vm.vm.addOverride("lifecycle.prevent_destroy", false); // before this change
    });
    ws = built.ws;
    backedUp = built.homelab.appStack.service("db").containerName;
  }, 300_000);
  afterAll(() => ws.cleanup());

  test("unprefixed capabilities and devices without container_path force a replacement; an unset memory_swap is an update", async () => {
    expect(await changes(ws, "dockhost-apps")).toEqual(["docker_container.app_web update", "docker_container.monitoring_cadvisor delete+create"]);
  });

  test("without prevent_destroy, a new vm_id is planned as a replacement: bpg would shut the VM down, then fail on protection", async () => {
    expect(await changes(ws, "dockhost-infra", { vm_baseid: 9020 })).toContain("proxmox_virtual_environment_vm.dockhost[0] delete+create");
  });

  test("under must_run = true, a refresh while the backup has stopped the container removes it (the plan creates it again)", async () => {
    ws.stopContainers([backedUp]);
    try {
      expect(await changes(ws, "dockhost-apps")).toContain("docker_container.app_db create");
    } finally {
      ws.stopContainers([]);
    }
  });
});
