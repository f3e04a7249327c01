/**
 * Host tier: one real Swarm, formed by the steps SwarmCluster synthesizes and run by `terraform
 * apply` through terraform's real local-exec provisioners (stand-in Proxmox and null providers, as
 * in docker-host.test.ts) against three throwaway Debian hosts booted from the user-data Terraform
 * renders for each VM. On that Swarm, a stack exported by `toComposeYaml()` from a ComposeStack on
 * the engine of `SwarmCluster.connect()` is deployed with `docker stack deploy`, its images pulled
 * from a real registry (Debian's docker-registry) on the test network. Then: re-applying changes
 * nothing, a fourth host (vm_count 4) joins, and retiring it makes it leave.
 *
 * The hosts run Debian's docker.io 20.10 in containers without IPVS or IPsec: Swarm init, joins,
 * roles and labels work; VIPs, the routing mesh and encrypted overlays do not, so the stack's
 * services use endpoint_mode dnsrr and host-mode ports, and no network is encrypted (encryption is
 * checked at synth, swarm-stacks.test.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { ComposeStack } from "../../constructs/compose-stack";
import { SwarmCluster, SwarmClusterProps } from "../../constructs/swarm-cluster";
import { buildReferenceHomelab, ReferenceHomelab, SETTINGS } from "../../main";
import { LoopbackRegistry, startRegistry } from "../support/registry";
import { importStandinImages } from "../support/standin-images";
import { testApp } from "../support/synth";
import { PlanJson, prepareWorkspace, TerraformWorkspace } from "../support/terraform/harness";
import { bootTestHost, createTestNetwork, ensureRoot, hostTier, makeSshKey, startSshAgent, TestHost, TestNetwork, waitFor, teardownHostTier } from "../support/test-hosts";

/** Host number of VM 0 (vm_ip_start's default); VM i is this + i. */
const FIRST_HOST = 10;
const LABELS = { 0: { zone: "a" }, 1: { zone: "b" }, 2: { zone: "b", storage: "ssd" } };
const STACK = "shop";

hostTier.describe("a Swarm formed by terraform apply on three test hosts, and a stack deployed on it", () => {
  let net: TestNetwork;
  let ws: TerraformWorkspace;
  let rootDir: string;
  let publicKey: string;
  let knownHosts: string;
  let registry: LoopbackRegistry | undefined;
  let stack: ComposeStack;
  let cleanupDirs = (): void => undefined;
  const hosts: TestHost[] = [];
  /** The fourth host, booted in the background while the first three are at work. */
  let fourth: Promise<void> | undefined;
  const timings: Record<string, number> = {};
  const vars = (vmCount: number) => ({ ssh_public_keys: JSON.stringify([publicKey]), proxmox_endpoint: "https://127.0.0.1:8006/", ssh_provisioners_enabled: true, vm_count: vmCount });

  beforeAll(async () => {
    rootDir = ensureRoot().root;
    net = createTestNetwork();
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-swarm-keys-"));
    const registryDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-swarm-registry-"));
    cleanupDirs = () => [keyDir, registryDir].forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
    const key = makeSshKey(keyDir);
    publicKey = key.publicKey;
    knownHosts = path.join(keyDir, "dockhost_known_hosts");
    const agent = await startSshAgent(keyDir, key.privateKey);
    process.env.SSH_AUTH_SOCK = agent.socket;
    // The registry listens on the test bridge only (the nodes' gateway), stopped by its PID.
    registry = await startRegistry(registryDir, "", net.gateway);
    const lab = synthLab(LABELS);
    stack = lab.stack;
    ws = prepareWorkspace(lab.stacksDir, { timeoutMs: 600_000 });
  }, 10 * 60_000);

  afterAll(() => {
    if (hosts[0]) hosts[0].exec(["docker", "stack", "rm", STACK], { timeoutMs: 60_000 });
    ws?.cleanup();
    registry?.stop();
    cleanupDirs();
    expect(teardownHostTier("swarm", timings, net)).toEqual([]);
  });

  /**
   * The reference homelab on 3 VMs of the test LAN with a 3-manager Swarm, and the shop stack on
   * the Swarm's engine (`connect()`), its images in the test registry; returns the stacks folder.
   */
  function synthLab(labels: SwarmClusterProps["labels"], retire: readonly number[] = []): { stacksDir: string; stack: ComposeStack } {
    const lab = buildReferenceHomelab(
      testApp(),
      { ...SETTINGS, vm: { ...SETTINGS.vm, count: 3 }, lan: { ...SETTINGS.lan, cidr: net.cidr } },
      { distribution: "debian", packageSource: "distribution", swapSizeMb: 0, liveRestore: false, knownHostsFile: knownHosts, readinessTimeoutSeconds: 120 },
    );
    const cluster = new SwarmCluster(lab.infra, "swarm", { host: lab.dockerHost, managers: 3, labels });
    const shop = shopStack(lab, cluster, registry!.host);
    retire.forEach((vmId) => lab.infra.retireVm(vmId, "the fourth test host goes away"));
    (lab.app as App).synth();
    return { stacksDir: path.join(lab.app.outdir, "stacks"), stack: shop };
  }

  /** Boots VMs `from`..`count-1` with the user-data Terraform renders for each. */
  async function bootVms(from: number, count: number): Promise<void> {
    const plan = await ws.plan("dockhost-infra", { vars: vars(count) });
    if (!plan.ok) throw new Error(plan.error);
    const resources = (plan.plan as PlanJson & { planned_values: any }).planned_values.root_module.resources as any[];
    // The registry is plain HTTP: dockerd is told to trust it by a flag in the test hosts'
    // /etc/default/docker (beside the storage driver), so daemon.json stays the product's.
    const dockerDefaults = fs.readFileSync(path.join(rootDir, "etc/default/docker"), "utf8").replace(/"\n$/, ` --insecure-registry ${registry!.host}"\n`);
    const started = Date.now();
    const booted = await Promise.all(
      Array.from({ length: count - from }, (_, k) => from + k).map((i) => {
        const userData = resources.find((r) => r.address === `proxmox_virtual_environment_file.dockhost_user_data[${i}]`).values.source_raw[0].data;
        return bootTestHost(rootDir, net, { name: i === 0 ? "dockhost" : `dockhost-${i + 1}`, hostNumber: FIRST_HOST + i, userData, files: { "etc/default/docker": dockerDefaults } });
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

  /** Running and desired tasks of the stack: service, node, state. */
  function tasks(): Array<{ service: string; node: string; state: string }> {
    const out = hosts[0].sh(`docker stack ps ${STACK} --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}}'`);
    return out.split("\n").filter(Boolean).map((line) => {
      const [name, node, ...state] = line.split(" ");
      return { service: name.replace(`${STACK}_`, "").replace(/\..*$/, ""), node, state: state.join(" ") };
    });
  }
  const nodesOf = (service: string) => tasks().filter((t) => t.service === service).map((t) => t.node).sort();

  test("apply: readiness, day 2, swarm init on VM 0, two manager joins, the gate; 3 Ready managers with their labels", async () => {
    await bootVms(0, 3);
    const started = Date.now();
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    timings["apply (3 hosts)"] = Date.now() - started;
    // The fourth host boots now, while the stack is deployed on the three (awaited where it joins).
    fourth = bootVms(3, 4);
    fourth.catch(() => undefined); // its failure is reported by the test that awaits it
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

  describe("the stack exported by toComposeYaml(), deployed with docker stack deploy", () => {
    beforeAll(async () => {
      const manager = hosts[0];
      let started = Date.now();
      const images = Object.values(stack.toSpec().services).map((s) => ({ tag: s.image, ports: [...(s.expose ?? []), ...(s.ports ?? []).map((p) => p.containerPort)] }));
      importStandinImages(manager, images, ["pg_isready"]);
      for (const image of images) manager.sh(`docker push -q ${image.tag} >/dev/null`, { timeoutMs: 120_000 });
      timings["stand-in images pushed"] = Date.now() - started;

      started = Date.now();
      manager.sh(`mkdir -p /opt/stacks && cat > /opt/stacks/${STACK}.yml`, { input: stack.toComposeYaml() });
      manager.sh(`docker stack deploy -c /opt/stacks/${STACK}.yml ${STACK} 2>&1`, { timeoutMs: 120_000 });
      await waitFor("every task running", 150_000, () => {
        const states = tasks().map((t) => t.state);
        return states.length === 9 && states.every((s) => s.startsWith("Running"));
      }, 2000).catch((error: Error) => {
        throw new Error(`${error.message}\n${manager.exec(["docker", "stack", "ps", "--no-trunc", "--format", "{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}", STACK]).stdout}`);
      });
      timings["stack deploy until running"] = Date.now() - started;
    }, 6 * 60_000);

    test("tasks land where the constraints allow: the database on the data node, api on the nodes outside zone a, agent everywhere", () => {
      expect(nodesOf("db")).toEqual(["dockhost"]);
      expect(nodesOf("api")).toEqual(["dockhost-2", "dockhost-3"]);
      expect(nodesOf("agent")).toEqual(["dockhost", "dockhost-2", "dockhost-3"]);
      expect(nodesOf("web")).toEqual(["dockhost", "dockhost-2", "dockhost-3"]);
    });

    test("Swarm holds the exported rollout and placement settings", () => {
      const spec = JSON.parse(hosts[0].sh(`docker service inspect ${STACK}_api`))[0].Spec;
      expect(spec.UpdateConfig).toMatchObject({ Parallelism: 1, FailureAction: "rollback", Order: "start-first" });
      expect(spec.TaskTemplate.Placement).toMatchObject({ Constraints: ["node.labels.zone != a"], MaxReplicas: 1 });
      expect(spec.EndpointSpec.Mode).toBe("dnsrr");
      const db = JSON.parse(hosts[0].sh(`docker service inspect ${STACK}_db`))[0].Spec;
      expect(db.UpdateConfig.Order).toBe("stop-first");
      expect(db.TaskTemplate.Placement.Constraints).toEqual(["node.hostname == dockhost"]);
    });

    test("web answers on its host-mode port on every node; api reaches db by name across nodes", () => {
      for (const host of hosts.slice(0, 3)) expect(hosts[0].sh(`timeout 5 busybox wget -qO- http://${host.address}:8080/`)).toBe("stand-in\n");
      const apiNode = hosts.find((h) => h.name === "dockhost-2")!;
      const container = apiNode.sh(`docker ps -q --filter label=com.docker.swarm.service.name=${STACK}_api`).trim();
      expect(apiNode.sh(`docker exec ${container} sh -c 'timeout 5 wget -qO- http://db:5432/'`)).toBe("stand-in\n");
    });
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
    fs.copyFileSync(path.join(synthLab({ ...LABELS, 2: { zone: "c" } }).stacksDir, "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    expect(said(result.stdout)).toContain("not retired (retireVm): stays in the Swarm");
    expect(said(result.stdout)).toContain("already in the Swarm, not joined again");
    expect(said(result.stdout)).not.toMatch(/joined the Swarm as/);
    expect(labelsOf("dockhost-3")).toEqual({ zone: "c" });
    expect(nodes().map((n) => n.ID).sort()).toEqual(before);
  });

  test("a fourth VM (vm_count 4) joins as a worker; the others are left alone", async () => {
    await fourth;
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
    fs.copyFileSync(path.join(synthLab({ ...LABELS, 2: { zone: "c" } }, [9013]).stacksDir, "dockhost-infra", "cdk.tf.json"), path.join(ws.stackDir("dockhost-infra"), "cdk.tf.json"));
    const result = await ws.apply("dockhost-infra", { vars: vars(3), sshToTestHosts: true });
    expect(said(result.stdout)).toContain(`dockhost@${net.address(FIRST_HOST + 3)}: drained`);
    expect(said(result.stdout)).toMatch(/left the Swarm; node \w+ removed/);
    expect(nodes().map((n) => n.Hostname).sort()).toEqual(["dockhost", "dockhost-2", "dockhost-3"]);
    expect(worker.sh("docker info --format '{{.Swarm.LocalNodeState}}'").trim()).toBe("inactive");
  });
});

/**
 * The cluster app on the engine of `SwarmCluster.connect()`, its images in the test registry;
 * dnsrr everywhere (no IPVS here). The database is pinned to the data node by the stack itself.
 */
function shopStack(lab: ReferenceHomelab, cluster: SwarmCluster, registry: string): ComposeStack {
  const dnsrr = { endpointMode: "dnsrr" } as const;
  return new ComposeStack(lab.apps, STACK, {
    engine: cluster.connect(lab.apps),
    volumes: { db: { backup: false, noBackupReason: "this host test runs no VolumeBackup (swarm-backup.test.ts covers it at synth)" } },
    services: {
      db: {
        image: `${registry}/postgres:16.4`,
        expose: [5432],
        volumes: [{ volume: "db", target: "/var/lib/postgresql/data" }],
        environment: { POSTGRES_USER: "shop" },
        healthcheck: { test: ["CMD-SHELL", "pg_isready -U shop"], interval: "5s", retries: 3 },
        memoryLimitMb: 256,
        deploy: dnsrr,
      },
      api: {
        image: `${registry}/example/api:2.1.0`,
        expose: [8081],
        memoryLimitMb: 64,
        // `!=` also matches a node without the label; zone a is VM 0 only, and stays so.
        deploy: { ...dnsrr, replicas: 2, placement: { constraints: ["node.labels.zone != a"], maxReplicasPerNode: 1 }, updateConfig: { delay: "5s" } },
      },
      web: {
        image: `${registry}/nginx:1.27.2`,
        ports: [{ hostPort: 8080, containerPort: 80 }],
        memoryLimitMb: 64,
        deploy: { ...dnsrr, replicas: 3 },
      },
      agent: {
        image: `${registry}/prom/node-exporter:v1.8.2`,
        volumes: [{ hostPath: "/proc", target: "/host/proc", readOnly: true }],
        memoryLimitMb: 32,
        deploy: { ...dnsrr, mode: "global" },
      },
    },
  });
}
