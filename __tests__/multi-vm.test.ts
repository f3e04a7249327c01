/**
 * Apps on more than one VM: each VM gets its own proxy, volume backup and monitoring under names
 * that never collide, while the first VM keeps the single-VM release's names (an upgrade must plan
 * no volume change: acme.json lives in proxy_letsencrypt).
 */
import * as path from "path";
import { App } from "cdktf";
import { ComposeStack } from "../constructs/compose-stack";
import { DockerHost } from "../constructs/docker-host";
import { DockhostApp } from "../constructs/dockhost-app";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { MonitoringStack } from "../constructs/monitoring-stack";
import { evaluateHomelab } from "../constructs/policy-model";
import { ReverseProxy } from "../constructs/reverse-proxy";
import { Secret } from "../constructs/secret";
import { VolumeBackup } from "../constructs/volume-backup";
import { DEFAULT_HOMELAB_SETTINGS, HomelabSettings } from "../lib/homelab-settings";
import { buildReferenceHomelab, SETTINGS } from "../main";
import { GOOD } from "./policy/lab";
import { StackJson, synthAll, testApp } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";
import RELEASE from "./fixtures/release-addresses.json";

const TWO_VMS: HomelabSettings = { ...SETTINGS, vm: { ...SETTINGS.vm, count: 2 } };

/** Resource addresses, and those a `removed` block forgets without destroying (the old docker_volumes). */
function addresses(stack: StackJson): string[] {
  const forgotten = (stack.removed ?? []).filter((r: any) => r.lifecycle?.destroy === false).map((r: any) => r.from);
  return [...Object.entries<Record<string, unknown>>(stack.resource ?? {}).flatMap(([type, resources]) => Object.keys(resources).map((name) => `${type}.${name}`)), ...forgotten];
}

/** Volumes the catalog's Nextcloud added after that release. */
const NEXTCLOUD_VOLUMES = ["nextcloud_cache-data", "nextcloud_db-data", "nextcloud_html"];

/** Named volumes the containers mount (Docker creates them; Terraform never owns them). */
function dockerVolumes(stack: StackJson): string[] {
  const mounted = Object.values<{ volumes?: Array<{ volume_name?: string }> }>(stack.resource?.docker_container ?? {}).flatMap((c) => (c.volumes ?? []).flatMap((v) => (v.volume_name ? [v.volume_name] : [])));
  return [...new Set(mounted)].sort();
}

function containers(stack: StackJson): string[] {
  return Object.values<{ name: string }>(stack.resource?.docker_container ?? {}).map((c) => c.name);
}

test("main.ts ships the seed's settings, the same a scaffolded homelab starts from", () => {
  expect(SETTINGS).toEqual(DEFAULT_HOMELAB_SETTINGS);
});

describe("upgrading from the single-VM release", () => {
  // release-addresses.json: every resource address and docker volume name the reference homelab
  // synthesized at commit 70435c1 (main before this change), captured with `node scripts/synth-app.js`.
  const stacks = synthAll(buildReferenceHomelab(testApp()).app as App);

  test.each(Object.keys(RELEASE) as Array<keyof typeof RELEASE>)("%s keeps every resource address: nothing is destroyed or replaced by a rename", (name) => {
    expect(addresses(stacks[name])).toEqual(expect.arrayContaining(RELEASE[name].resources));
  });

  test("the docker volumes keep their names exactly (proxy_letsencrypt holds acme.json)", () => {
    expect(dockerVolumes(stacks["dockhost-apps"])).toEqual([...RELEASE["dockhost-apps"].dockerVolumes, ...NEXTCLOUD_VOLUMES].sort());
    expect(RELEASE["dockhost-apps"].dockerVolumes).toContain("proxy_letsencrypt");
  });
});

describe("two VMs, each with a proxy, a volume backup and monitoring", () => {
  const homelab = buildReferenceHomelab(testApp(), TWO_VMS);
  const stacks = synthAll(homelab.app as App);
  const apps = stacks["dockhost-apps"];

  test("the first VM keeps the single-VM names; the second's carry its name", () => {
    expect(homelab.perVm.map((vm) => [vm.engine.vmName, vm.proxy.stack.stackName, vm.volumeBackup.stack.stackName, vm.monitoring.stack.stackName])).toEqual([
      ["dockhost", "proxy", "backup", "monitoring"],
      ["dockhost-2", "proxy-dockhost-2", "backup-dockhost-2", "monitoring-dockhost-2"],
    ]);
    expect(dockerVolumes(apps)).toEqual([...RELEASE["dockhost-apps"].dockerVolumes, "monitoring-dockhost-2_grafana-data", "monitoring-dockhost-2_prometheus-data", "proxy-dockhost-2_letsencrypt", ...NEXTCLOUD_VOLUMES].sort());
    expect(addresses(apps)).toEqual(expect.arrayContaining(RELEASE["dockhost-apps"].resources));
  });

  test("each VM's containers go through its own Docker provider, and no name repeats", () => {
    const byProvider = new Map<string, string[]>();
    for (const c of Object.values<{ name: string; provider: string }>(apps.resource.docker_container)) {
      byProvider.set(c.provider, [...(byProvider.get(c.provider) ?? []), c.name]);
    }
    expect([...byProvider.keys()].sort()).toEqual(["docker.docker-dockhost", "docker.docker-dockhost-2"]);
    expect(byProvider.get("docker.docker-dockhost-2")).toEqual(expect.arrayContaining(["proxy-dockhost-2-traefik", "proxy-dockhost-2-socket-socket-proxy", "backup-dockhost-2-backup", "monitoring-dockhost-2-prometheus"]));
    expect(new Set(containers(apps)).size).toBe(containers(apps).length);
  });

  test("the policy pack passes with no per-VM coverage warning", () => {
    const report = (homelab.app as DockhostApp).policyReport!;
    expect(report.errors).toEqual([]);
    const coverage = report.rows.filter((r) => r.ruleId === "DH-VM-MONITORING" || r.ruleId === "DH-VM-VOLUME-BACKUP");
    expect(coverage.map((r) => `${r.ruleId} ${r.path} ${r.status}`).sort()).toEqual([
      "DH-VM-MONITORING dockhost-apps/docker-dockhost compliant",
      "DH-VM-MONITORING dockhost-apps/docker-dockhost-2 compliant",
      "DH-VM-VOLUME-BACKUP dockhost-apps/docker-dockhost compliant",
      "DH-VM-VOLUME-BACKUP dockhost-apps/docker-dockhost-2 compliant",
    ]);
  });
});

describe("per-VM names that would collide", () => {
  test("a homelab whose only proxy, backup and monitoring run on its second VM keeps the plain names", () => {
    const app = testApp();
    const infra = new DockhostStack(app, "dockhost-infra");
    const dockerHost = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost", { count: 2 }) });
    const apps = new DockhostStack(app, "dockhost-apps");
    const engine = dockerHost.connect(apps, { vmIndex: 1 });
    const proxy = new ReverseProxy(apps, "proxy", { engine, tls: { mode: "internal" } });
    const backup = new VolumeBackup(apps, "backup", { engine });
    const monitoring = new MonitoringStack(apps, "monitoring", { engine, grafanaAdminPassword: new Secret(apps, "grafana_admin_password", { minLength: 12 }) });
    expect([proxy.stack.stackName, backup.stack.stackName, monitoring.stack.stackName]).toEqual(["proxy", "backup", "monitoring"]);
  });

  test("a name the user gives that is taken fails on the owner's stackName, naming that value", () => {
    const homelab = buildReferenceHomelab(testApp(), TWO_VMS);
    const second = homelab.perVm[1].engine;
    expect(() => new ReverseProxy(homelab.apps, "edge", { engine: second, stackName: "app", tls: { mode: "internal" } })).toThrow(
      /dockhost-apps\/edge: invalid stackName = "app"; a stack name not already used in Terraform stack dockhost-apps \(app is\): set stackName/,
    );
  });

  test("the companion socket stack is checked too, and the error names the default, not a derived name", () => {
    const homelab = buildReferenceHomelab(testApp());
    new ComposeStack(homelab.apps, "squatter", { engine: homelab.engine, stackName: "proxy-dockhost-socket", services: { web: GOOD } });
    // "proxy" is taken on the first VM, so the default falls back to proxy-dockhost, whose socket stack is taken.
    expect(() => new ReverseProxy(homelab.apps, "proxy-again", { engine: homelab.engine, tls: { mode: "internal" } })).toThrow(
      /dockhost-apps\/proxy-again: invalid stackName = "proxy-dockhost \(the default on VM dockhost\)"; .*\(proxy-dockhost-socket is\)/,
    );
  });

  test("a second monitoring on the first VM falls back to the VM-named default instead of failing on a name nobody wrote", () => {
    const homelab = buildReferenceHomelab(testApp());
    const password = new Secret(homelab.apps, "other_password", { minLength: 12 });
    const again = new MonitoringStack(homelab.apps, "monitoring-again", { engine: homelab.engine, grafanaAdminPassword: password });
    expect(again.stack.stackName).toBe("monitoring-dockhost");
  });
});

describe("a VM that runs containers without monitoring or volume backup", () => {
  /** Two VMs with a stack each; backup and monitoring only on the first. */
  function halfCovered(): DockhostApp {
    const app = testApp();
    const infra = new DockhostStack(app, "dockhost-infra");
    const vm = new DockhostVm(infra, "dockhost", { count: 2 });
    const dockerHost = new DockerHost(infra, "docker", { vm });
    const apps = new DockhostStack(app, "dockhost-apps");
    const [first, second] = [0, 1].map((vmIndex) => dockerHost.connect(apps, { vmIndex }));
    new ComposeStack(apps, "one", { engine: first, services: { web: GOOD } });
    new ComposeStack(apps, "two", { engine: second, services: { web: GOOD } });
    new VolumeBackup(apps, "backup", { engine: first });
    new MonitoringStack(apps, "monitoring", { engine: first, grafanaAdminPassword: new Secret(apps, "grafana_admin_password", { minLength: 12 }) });
    return app;
  }

  test("is warned about, once per missing piece, on its engine, naming the VM and what to add", () => {
    const rows = evaluateHomelab(halfCovered()).rows.filter((r) => r.ruleId.startsWith("DH-VM-"));
    expect(rows.filter((r) => r.status === "compliant").map((r) => `${r.ruleId} ${r.path}`).sort()).toEqual([
      "DH-VM-MONITORING dockhost-apps/docker-dockhost",
      "DH-VM-VOLUME-BACKUP dockhost-apps/docker-dockhost",
    ]);
    expect(rows.filter((r) => r.status === "non-compliant").map((r) => `${r.ruleId} ${r.level} ${r.path} ${r.key}: ${r.message}`).sort()).toEqual([
      "DH-VM-MONITORING warning dockhost-apps/docker-dockhost-2 monitoring: VM dockhost-2 runs containers but has no MonitoringStack; add one on its engine",
      "DH-VM-VOLUME-BACKUP warning dockhost-apps/docker-dockhost-2 volumeBackup: VM dockhost-2 runs containers but has no VolumeBackup; add one on its engine",
    ]);
  });

  test("a VM with no containers is not judged", () => {
    const app = testApp();
    const infra = new DockhostStack(app, "dockhost-infra");
    const dockerHost = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost") });
    dockerHost.connect(new DockhostStack(app, "dockhost-apps"));
    const rows = evaluateHomelab(app).rows.filter((r) => r.ruleId.startsWith("DH-VM-"));
    expect(rows.map((r) => r.status)).toEqual(["not-applicable", "not-applicable"]);
  });
});

describeWithTerraform("terraform validate on the two-VM homelab", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const homelab = buildReferenceHomelab(testApp(), TWO_VMS);
    synthAll(homelab.app as App);
    ws = prepareWorkspace(path.join(homelab.app.outdir, "stacks"));
  });
  afterAll(() => ws.cleanup());

  test.each(["dockhost-infra", "dockhost-apps"])("%s validates with zero diagnostics", async (stack) => {
    const result = await ws.validate(stack);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
