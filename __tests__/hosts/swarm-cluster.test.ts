/**
 * Host tier: a Swarm formed by the steps SwarmCluster synthesizes, run by `terraform apply` through
 * terraform's real local-exec provisioners (stand-in Proxmox and null providers, as in
 * docker-host.test.ts) against three throwaway Debian hosts booted from the user-data Terraform
 * renders for each VM. Then: re-applying changes nothing, and a fourth host (vm_count 4) joins.
 *
 * The hosts run Debian's docker.io 20.10 in containers without IPVS or IPsec: Swarm init, joins,
 * roles and labels work; the routing mesh and encrypted overlays do not, which forming needs not.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { SwarmCluster, SwarmClusterProps } from "../../constructs/swarm-cluster";
import { buildReferenceHomelab, SETTINGS } from "../../main";
import { testApp } from "../support/synth";
import { PlanJson, prepareWorkspace, TerraformWorkspace } from "../support/terraform/harness";
import { bootTestHost, createTestNetwork, ensureRoot, hostTier, makeSshKey, networkLeftovers, startSshAgent, teardownTestHosts, TestHost, TestNetwork } from "../support/test-hosts";

/** Host number of VM 0 (vm_ip_start's default); VM i is this + i. */
const FIRST_HOST = 10;
const LABELS = { 0: { zone: "a" }, 1: { zone: "b" }, 2: { zone: "b", storage: "ssd" } };

hostTier.describe("a Swarm formed by terraform apply on three test hosts", () => {
  let net: TestNetwork;
  let ws: TerraformWorkspace;
  let rootDir: string;
  let publicKey: string;
  let knownHosts: string;
  let cleanupKeys = (): void => undefined;
  const hosts: TestHost[] = [];
  const timings: Record<string, number> = {};
  const vars = (vmCount: number) => ({ ssh_public_keys: JSON.stringify([publicKey]), proxmox_endpoint: "https://127.0.0.1:8006/", ssh_provisioners_enabled: true, vm_count: vmCount });

  beforeAll(async () => {
    rootDir = ensureRoot().root;
    net = createTestNetwork();
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-swarm-keys-"));
    cleanupKeys = () => fs.rmSync(keyDir, { recursive: true, force: true });
    const key = makeSshKey(keyDir);
    publicKey = key.publicKey;
    knownHosts = path.join(keyDir, "dockhost_known_hosts");
    const agent = await startSshAgent(keyDir, key.privateKey);
    process.env.SSH_AUTH_SOCK = agent.socket;
    ws = prepareWorkspace(synthLab(LABELS), { timeoutMs: 600_000 });
  }, 10 * 60_000);

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`swarm host tier timings (ms): ${JSON.stringify(timings)}`);
    ws?.cleanup();
    cleanupKeys();
    teardownTestHosts();
    if (net) expect(networkLeftovers(net)).toEqual([]);
  });

  /** The reference homelab on 3 VMs of the test LAN with a 3-manager Swarm; returns its stacks folder. */
  function synthLab(labels: SwarmClusterProps["labels"], retire: readonly number[] = []): string {
    const lab = buildReferenceHomelab(
      testApp(),
      { ...SETTINGS, vm: { ...SETTINGS.vm, count: 3 }, lan: { ...SETTINGS.lan, cidr: net.cidr } },
      { distribution: "debian", packageSource: "distribution", swapSizeMb: 0, liveRestore: false, knownHostsFile: knownHosts, readinessTimeoutSeconds: 120 },
    );
    new SwarmCluster(lab.infra, "swarm", { host: lab.dockerHost, managers: 3, labels });
    retire.forEach((vmId) => lab.infra.retireVm(vmId, "the fourth test host goes away"));
    (lab.app as App).synth();
    return path.join(lab.app.outdir, "stacks");
  }

  /** Boots VMs `from`..`count-1` with the user-data Terraform renders for each. */
  async function bootVms(from: number, count: number): Promise<void> {
    const plan = await ws.plan("dockhost-infra", { vars: vars(count) });
    if (!plan.ok) throw new Error(plan.error);
    const resources = (plan.plan as PlanJson & { planned_values: any }).planned_values.root_module.resources as any[];
    const started = Date.now();
    const booted = await Promise.all(
      Array.from({ length: count - from }, (_, k) => from + k).map((i) => {
        const userData = resources.find((r) => r.address === `proxmox_virtual_environment_file.dockhost_user_data[${i}]`).values.source_raw[0].data;
        return bootTestHost(rootDir, net, { name: i === 0 ? "dockhost" : `dockhost-${i + 1}`, hostNumber: FIRST_HOST + i, userData });
      }),
    );
    hosts.push(...booted);
    timings[`boot ${count - from} hosts`] = Date.now() - started;
  }

  /** What the Swarm steps printed (terraform also echoes each script, which must not count). */
  function said(stdout: string): string {
    return stdout.split("\n").filter((line) => /\(local-exec\): dockhost: swarm: /.test(line)).join("\n");
  }

  /** `docker node ls` on VM 0, one object per node. */
  function nodes(): Array<{ Hostname: string; Status: string; ManagerStatus: string; ID: string }> {
    return hosts[0].sh("docker node ls --format '{{json .}}'").trim().split("\n").map((l) => JSON.parse(l));
  }

  function labelsOf(hostname: string): Record<string, string> {
    return JSON.parse(hosts[0].sh(`docker node inspect --format '{{json .Spec.Labels}}' ${hostname}`));
  }

  test("apply: readiness, day 2, swarm init on VM 0, two manager joins, the gate; 3 Ready managers with their labels", async () => {
    await bootVms(0, 3);
    const started = Date.now();
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    timings["apply (3 hosts)"] = Date.now() - started;
    expect(said(result.stdout)).toContain(`initialized the Swarm (first manager, advertising ${net.address(FIRST_HOST)})`);
    expect(said(result.stdout).match(/joined the Swarm as a manager/g)).toHaveLength(2);
    expect(said(result.stdout)).toMatch(/every node is Ready \(dockhost dockhost-2 dockhost-3\), 3 managers reachable/);
    // The join tokens went through pipes only: neither terraform's output nor its state holds one.
    const tokens = ["worker", "manager"].map((role) => hosts[0].sh(`docker swarm join-token -q ${role}`).trim());
    tokens.forEach((token) => expect(token).toMatch(/^SWMTKN-1-/));
    const states = fs.readdirSync(ws.dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".tfstate")).map((f) => fs.readFileSync(path.join(ws.dir, f), "utf8"));
    expect(states.join("\n")).toContain("swarm_manager_2");
    for (const text of [result.stdout, ...states]) expect(text).not.toMatch(/SWMTKN/);

    const list = nodes();
    expect(list.map((n) => [n.Hostname, n.Status]).sort()).toEqual([["dockhost", "Ready"], ["dockhost-2", "Ready"], ["dockhost-3", "Ready"]]);
    expect(list.filter((n) => n.ManagerStatus === "Leader")).toHaveLength(1);
    expect(list.filter((n) => n.ManagerStatus === "Reachable")).toHaveLength(2);
    expect(labelsOf("dockhost")).toEqual({ zone: "a" });
    expect(labelsOf("dockhost-2")).toEqual({ zone: "b" });
    expect(labelsOf("dockhost-3")).toEqual({ zone: "b", storage: "ssd" });
    // Each node advertises its own LAN address.
    expect(hosts[2].sh("docker info --format '{{.Swarm.NodeAddr}}'").trim()).toBe(net.address(FIRST_HOST + 2));
  });

  test("re-applying changes nothing: no step runs, no node joins twice", async () => {
    const before = nodes().map((n) => n.ID).sort();
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    expect(result.stdout).not.toMatch(/null_resource\.swarm_\w+\[\d+\]: Creating/);
    expect(said(result.stdout)).toBe("");
    expect(nodes().map((n) => n.ID).sort()).toEqual(before);
  });

  test("changed labels re-run VM 2's step: it stays in the Swarm (not retired), joins nothing, and gets exactly the code's labels", async () => {
    hosts[0].sh("docker node update --label-add handmade=1 dockhost-3 >/dev/null");
    const before = nodes().map((n) => n.ID).sort();
    fs.copyFileSync(path.join(synthLab({ ...LABELS, 2: { zone: "c" } }), "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    expect(said(result.stdout)).toContain("not retired (retireVm): stays in the Swarm");
    expect(said(result.stdout)).toContain("already in the Swarm, not joined again");
    expect(said(result.stdout)).not.toMatch(/joined the Swarm as/);
    expect(labelsOf("dockhost-3")).toEqual({ zone: "c" });
    expect(nodes().map((n) => n.ID).sort()).toEqual(before);
  });

  test("a fourth VM (vm_count 4) joins as a worker; the others are left alone", async () => {
    await bootVms(3, 4);
    const started = Date.now();
    const result = await ws.apply("dockhost-infra", { vars: vars(4), sshToTestHosts: true });
    timings["apply (4th host)"] = Date.now() - started;
    expect(said(result.stdout)).toContain("joined the Swarm as a worker");
    expect(said(result.stdout).match(/joined the Swarm/g)).toHaveLength(1);
    expect(said(result.stdout)).toMatch(/every node is Ready \(dockhost dockhost-2 dockhost-3 dockhost-4\), 3 managers reachable/);
    const list = nodes();
    expect(list.map((n) => [n.Hostname, n.Status, n.ManagerStatus]).sort()).toEqual([
      ["dockhost", "Ready", "Leader"],
      ["dockhost-2", "Ready", "Reachable"],
      ["dockhost-3", "Ready", "Reachable"],
      ["dockhost-4", "Ready", ""],
    ]);
  });

  test("vm_count back to 3 with VM 9013 retired: the worker is drained, leaves and is removed from the node list", async () => {
    const worker = hosts[3];
    fs.copyFileSync(path.join(synthLab({ ...LABELS, 2: { zone: "c" } }, [9013]), "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    expect(said(result.stdout)).toContain(`dockhost@${net.address(FIRST_HOST + 3)}: drained`);
    expect(said(result.stdout)).toMatch(/left the Swarm; node \w+ removed/);
    expect(nodes().map((n) => n.Hostname).sort()).toEqual(["dockhost", "dockhost-2", "dockhost-3"]);
    expect(worker.sh("docker info --format '{{.Swarm.LocalNodeState}}'").trim()).toBe("inactive");
  });
});
