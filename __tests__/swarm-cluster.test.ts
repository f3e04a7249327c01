/**
 * SwarmCluster: the infra stack's SSH steps that form a Docker Swarm of the dockhost VMs (one
 * init, ordered joins, a readiness gate), the firewall ports between the cluster's VMs, the
 * topology the apps stack gets, and bad input. Terraform validates and plans the 3-VM stack with
 * the stand-in providers; shellcheck reads every script the steps run.
 */
import * as path from "path";
import { AnnotationMetadataEntryType, App } from "cdktf";
import { SwarmCluster, SwarmClusterProps } from "../constructs/swarm-cluster";
import { DockhostInputError } from "../lib/errors";
import { buildReferenceHomelab, ReferenceHomelab, SETTINGS } from "../main";
import { REFERENCE_INFRA_VARS, StackJson, synthAll, testApp } from "./support/synth";
import { evaluateTemplate } from "./support/terraform-template";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";
import { shellcheck } from "./support/validators";
import { needs } from "./support/requirements";

const LABELS = { 0: { zone: "rack-a" }, 2: { storage: "ssd", "com.example.zone": "rack-b" } };

/** The reference homelab on `count` VMs, with a SwarmCluster of them in the infra stack. */
function clusterLab(count: number, props: Omit<SwarmClusterProps, "host"> = {}): { lab: ReferenceHomelab; cluster: SwarmCluster } {
  const lab = buildReferenceHomelab(testApp(), { ...SETTINGS, vm: { ...SETTINGS.vm, count } }, { liveRestore: false });
  const cluster = new SwarmCluster(lab.infra, "swarm", { host: lab.dockerHost, ...props });
  return { lab, cluster };
}

function swarmSteps(infra: StackJson): Record<string, any> {
  return Object.fromEntries(Object.entries<any>(infra.resource.null_resource).filter(([name]) => name.startsWith("swarm_")));
}

describe("a 3-VM Swarm in the infra stack", () => {
  const { lab, cluster } = clusterLab(3, { labels: LABELS });
  const engine = cluster.connect(lab.apps);
  const stacks = synthAll(lab.app as App);
  const infra = stacks["dockhost-infra"];
  const steps = swarmSteps(infra);
  const json = JSON.stringify(stacks);

  test("one init on VM 0, manager joins one after the other, workers after the managers, then the gate", () => {
    expect(Object.keys(steps).sort()).toEqual(["swarm_init", "swarm_manager_2", "swarm_manager_3", "swarm_ready", "swarm_worker"]);
    const env = (name: string) => steps[name].provisioner[0]["local-exec"].environment;
    expect(env("swarm_init").DOCKHOST_ROLE).toBe("init");
    expect(env("swarm_init").DOCKHOST_TARGET).toBe("dockhost@${element(split(\"/\", proxmox_virtual_environment_vm.dockhost[0].initialization[0].ip_config[0].ipv4[0].address), 0)}");
    expect(env("swarm_manager_2").DOCKHOST_ROLE).toBe("manager");
    expect(env("swarm_manager_2").DOCKHOST_TARGET).toContain("proxmox_virtual_environment_vm.dockhost[1]");
    expect(env("swarm_manager_3").DOCKHOST_TARGET).toContain("proxmox_virtual_environment_vm.dockhost[2]");
    // Every VM is a manager with 3 managers on 3 VMs: the worker step has no instance unless vm_count grows.
    expect(steps.swarm_worker.count).toBe("${var.ssh_provisioners_enabled ? var.vm_count - 3 : 0}");
    expect(env("swarm_worker").DOCKHOST_TARGET).toContain("proxmox_virtual_environment_vm.dockhost[count.index + 3]");
    // Ordering: after DockerHost's day 2; each manager after the previous one; the gate after all.
    expect(steps.swarm_init.depends_on).toEqual(["null_resource.docker_host_apply"]);
    expect(steps.swarm_manager_2.depends_on).toEqual(["null_resource.swarm_init"]);
    expect(steps.swarm_manager_3.depends_on).toEqual(["null_resource.swarm_manager_2"]);
    expect(steps.swarm_worker.depends_on).toEqual(["null_resource.swarm_manager_3"]);
    expect(steps.swarm_ready.depends_on).toEqual(["null_resource.swarm_init", "null_resource.swarm_manager_2", "null_resource.swarm_manager_3", "null_resource.swarm_worker"]);
    // Nothing runs with the SSH steps off.
    for (const name of ["swarm_init", "swarm_manager_2", "swarm_ready"]) expect(steps[name].count).toBe("${var.ssh_provisioners_enabled ? 1 : 0}");
  });

  test("joins read the token on the manager at apply time: no token, no join-token output in the JSON", () => {
    expect(json).not.toMatch(/SWMTKN/);
    const joinScript = evaluateTemplate(steps.swarm_manager_2.provisioner[0]["local-exec"].command, {});
    // The token goes from the manager's stdout straight into the node's stdin.
    expect(joinScript).toMatch(/docker swarm join-token -q \$DOCKHOST_ROLE" \|\n\s+on "\$DOCKHOST_TARGET" "read -r token && sudo docker swarm join --token \\"\\\$token\\"/);
    // swarm init prints the worker join command, token included: not into terraform's output.
    expect(evaluateTemplate(steps.swarm_init.provisioner[0]["local-exec"].command, {})).toContain('"sudo docker swarm init --advertise-addr $DOCKHOST_ADDRESS >/dev/null"');
    // No trigger or environment variable carries anything but addresses, roles and labels.
    for (const step of Object.values<any>(steps)) {
      expect(Object.keys(step.triggers).sort()).toEqual(step.triggers.nodes ? ["managers", "nodes"] : ["address", "labels", "manager", "role", "vm_id"]);
    }
  });

  test("labels by VM index reach the steps; VM 0 keeps none it was not given", () => {
    expect(steps.swarm_init.triggers.labels).toBe("zone=rack-a");
    expect(steps.swarm_manager_2.triggers.labels).toBe("");
    expect(steps.swarm_manager_3.triggers.labels).toBe("com.example.zone=rack-b storage=ssd");
  });

  test("a VM that goes away leaves the Swarm only when the code retires it", () => {
    const leave = steps.swarm_manager_2.provisioner[1]["local-exec"];
    expect(leave.when).toBe("destroy");
    expect(leave.environment).toEqual({
      DOCKHOST_TARGET: "dockhost@${self.triggers.address}",
      DOCKHOST_MANAGER: "dockhost@${self.triggers.manager}",
      DOCKHOST_RETIRED: "${contains([], tonumber(self.triggers.vm_id))}",
    });
    // The first manager never leaves: there is no Swarm without it.
    expect(steps.swarm_init.provisioner).toHaveLength(1);
  });

  test("the firewall opens 2377/tcp, 7946/tcp+udp and 4789/udp to the cluster's VMs only", () => {
    const rules = infra.resource.proxmox_virtual_environment_firewall_rules.firewall_rules.rule as any[];
    const swarm = rules.filter((r) => [2377, 7946, 4789].includes(Number(r.dport)));
    expect(swarm.map((r) => `${r.dport}/${r.proto}`)).toEqual(["2377/tcp", "7946/tcp", "7946/udp", "4789/udp"]);
    const peers = '${join(",", [for i in range(var.vm_count) : cidrhost("192.168.1.0/24", var.vm_ip_start + i)])}';
    // The VMs' own addresses, not the LAN (terraform evaluates it in the plan below).
    for (const rule of swarm) expect(rule.source).toBe(peers);
  });

  test("connect() gives a DockerEngine on the first manager with the topology", () => {
    expect(engine.vmIndex).toBe(0);
    expect(engine.swarm).toEqual({
      nodes: [
        { vmIndex: 0, hostname: "dockhost", role: "manager", labels: { zone: "rack-a" }, memoryMb: 10240, cpuCores: 3 },
        { vmIndex: 1, hostname: "dockhost-2", role: "manager", labels: {}, memoryMb: 10240, cpuCores: 3 },
        { vmIndex: 2, hostname: "dockhost-3", role: "manager", labels: LABELS[2], memoryMb: 10240, cpuCores: 3 },
      ],
    });
    expect(stacks["dockhost-apps"].provider.docker.find((p: any) => p.alias === "swarm-dockhost")).toBeDefined();
  });

  needs("shellcheck").test("every script of the Swarm steps passes shellcheck", () => {
    const scripts = Object.entries<any>(steps).flatMap(([name, step]) => step.provisioner.map((p: any, i: number) => [`${name}[${i}]`, evaluateTemplate(p["local-exec"].command, {})]));
    expect(scripts.length).toBe(8);
    expect(scripts.map(([name, script]) => [name, shellcheck(script)]).filter(([, out]) => out !== "")).toEqual([]);
  });
});

describe("roles by VM index", () => {
  test("5 VMs, 3 managers: two worker instances at plan time, labels looked up by VM index", () => {
    const { lab } = clusterLab(5, { managers: 3, labels: { 4: { gpu: "yes" } } });
    const steps = swarmSteps(synthAll(lab.app as App)["dockhost-infra"]);
    expect(steps.swarm_worker.triggers.labels).toBe('${lookup({"3":"","4":"gpu=yes"}, count.index + 3, "")}');
    expect(steps.swarm_worker.provisioner[0]["local-exec"].environment.DOCKHOST_ROLE).toBe("worker");
  });

  test("1 VM: a one-node Swarm (init and gate, no joins)", () => {
    const { lab, cluster } = clusterLab(1);
    expect(cluster.managers).toBe(1);
    const steps = swarmSteps(synthAll(lab.app as App)["dockhost-infra"]);
    expect(Object.keys(steps).sort()).toEqual(["swarm_init", "swarm_ready", "swarm_worker"]);
  });

  test("1 manager on 3 VMs is allowed, with a warning about quorum", () => {
    const { cluster } = clusterLab(3, { managers: 1 });
    const warnings = cluster.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
    expect(warnings.join("\n")).toMatch(/1 manager on 3 VMs: if VM 0 fails, the Swarm cannot be managed/);
  });
});

test("a retired VM id reaches the leave step: its node is drained and leaves when its join step goes", () => {
  const { lab } = clusterLab(3);
  lab.infra.retireVm(9013, "the fourth VM is no longer needed");
  const steps = swarmSteps(synthAll(lab.app as App)["dockhost-infra"]);
  expect(steps.swarm_worker.provisioner[1]["local-exec"].environment.DOCKHOST_RETIRED).toBe("${contains([9013], tonumber(self.triggers.vm_id))}");
});

describe("bad input", () => {
  const error = (count: number, props: Omit<SwarmClusterProps, "host">): DockhostInputError => {
    try {
      clusterLab(count, props);
    } catch (e) {
      return e as DockhostInputError;
    }
    throw new Error("no error");
  };

  test.each([
    [3, { managers: 2 }, "managers", "invalid managers = 2; 1, 3 or 5"],
    [5, { managers: 4 }, "managers", "invalid managers = 4; 1, 3 or 5"],
    [2, { managers: 3 }, "managers", "invalid managers = 3; at most the number of VMs (2)"],
    [3, { managers: 7 }, "managers", "invalid managers = 7; expected a whole number from 1 to 5"],
    [3, { labels: { 3: { a: "b" } } }, "labels[3]", "a VM index from 0 to 2"],
    [3, { labels: { 0: { "bad key": "b" } } }, "labels[0]", 'invalid labels[0] = "bad key"'],
    [3, { labels: { 1: { zone: "a; rm -rf /" } } }, "labels[1].zone", "no spaces, quotes or shell characters"],
    [3, { labels: { 1: { zone: "" } } }, "labels[1].zone", "a value matching"],
  ])("%d VMs, %j: %s refused", (count, props, key, message) => {
    const e = error(count, props as Omit<SwarmClusterProps, "host">);
    expect(e).toBeInstanceOf(DockhostInputError);
    expect(e.path).toBe("dockhost-infra/swarm");
    expect(e.key).toBe(key);
    expect(e.message).toContain(message);
  });

  test("a DockerHost with live-restore on (its default): dockerd would refuse the Swarm", () => {
    const lab = buildReferenceHomelab(testApp(), { ...SETTINGS, vm: { ...SETTINGS.vm, count: 3 } });
    expect(() => new SwarmCluster(lab.infra, "swarm", { host: lab.dockerHost })).toThrow(
      "dockhost-infra/swarm: invalid host.liveRestore = true; false (set liveRestore: false on dockhost-infra/docker): dockerd refuses Swarm mode with live-restore on",
    );
  });

  test("a second SwarmCluster of the same VMs, or one in another stack than its DockerHost", () => {
    const { lab } = clusterLab(3);
    expect(() => new SwarmCluster(lab.infra, "swarm2", { host: lab.dockerHost })).toThrow(/dockhost-infra\/swarm2: invalid host = "dockhost-infra\/docker"; a DockerHost no other SwarmCluster uses/);
    expect(() => new SwarmCluster(lab.apps, "swarm", { host: lab.dockerHost })).toThrow(/dockhost-apps\/swarm: invalid host .* a DockerHost in this stack \(dockhost-apps\)/);
  });
});

test("a single-host homelab without a SwarmCluster has no Swarm step and no Swarm port", () => {
  const stacks = synthAll(buildReferenceHomelab(testApp()).app as App);
  expect(Object.keys(swarmSteps(stacks["dockhost-infra"]))).toEqual([]);
  const rules = stacks["dockhost-infra"].resource.proxmox_virtual_environment_firewall_rules.firewall_rules.rule as any[];
  expect(rules.map((r) => r.dport).filter((p) => ["2377", "7946", "4789"].includes(p))).toEqual([]);
  expect(rules.map((r) => `${r.dport}/${r.proto}`)).toContain("22/tcp");
});

describeWithTerraform("terraform validates and plans the 3-VM Swarm", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const { lab } = clusterLab(3, { labels: LABELS });
    lab.app.synth();
    ws = prepareWorkspace(path.join(lab.app.outdir, "stacks"));
  });
  afterAll(() => ws?.cleanup());

  test("validate: no diagnostics", async () => {
    const result = await ws.validate("dockhost-infra");
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test("plan with the SSH steps on and vm_count 4: one init, two manager joins, one worker join, the gate", async () => {
    const plan = await ws.plan("dockhost-infra", { vars: { ...REFERENCE_INFRA_VARS, ssh_provisioners_enabled: true, vm_count: 4 } });
    if (!plan.ok) throw new Error(plan.error);
    const created = (plan.plan.resource_changes ?? []).filter((c) => c.type === "null_resource" && c.address.startsWith("null_resource.swarm_")).map((c) => c.address).sort();
    expect(created).toEqual(["null_resource.swarm_init[0]", "null_resource.swarm_manager_2[0]", "null_resource.swarm_manager_3[0]", "null_resource.swarm_ready[0]", "null_resource.swarm_worker[0]"]);
    const worker = (plan.plan.resource_changes ?? []).find((c) => c.address === "null_resource.swarm_worker[0]")!;
    expect((worker.change.after as any).triggers).toMatchObject({ role: "worker", labels: "", address: "192.168.1.13", manager: "192.168.1.10", vm_id: "9013" });
    const rules = (plan.plan.resource_changes ?? []).find((c) => c.address === "proxmox_virtual_environment_firewall_rules.firewall_rules[3]")!;
    const swarmSources = ((rules.change.after as any).rule as any[]).filter((r) => [2377, 7946, 4789].includes(Number(r.dport))).map((r) => r.source);
    expect(swarmSources).toEqual(Array(4).fill("192.168.1.10,192.168.1.11,192.168.1.12,192.168.1.13"));
  });
});
