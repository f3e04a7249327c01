/**
 * Host tier: a stack exported for Swarm by `toComposeYaml()` (its `deploy:` sections) deployed with
 * `docker stack deploy` on a real three-node Swarm of test hosts (Debian's Docker 20.10), formed
 * by hand here with `docker swarm init` / `join` and node labels. Images reach every node through
 * a real registry (Debian's docker-registry) on the test network, holding the local stand-in
 * images. This kernel has no IPVS and no IPsec: services use endpoint_mode dnsrr and host-mode
 * ports, and no network is encrypted (encryption is checked at synth, swarm-stacks.test.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ComposeStack } from "../../constructs/compose-stack";
import { DockerEngine } from "../../constructs/docker-engine";
import { DockerHost } from "../../constructs/docker-host";
import { DockhostStack } from "../../constructs/dockhost-stack";
import { DockhostVm } from "../../constructs/dockhost-vm";
import type { SwarmTopology } from "../../lib/swarm";
import { LoopbackRegistry, startRegistry } from "../support/registry";
import { importStandinImages } from "../support/standin-images";
import { testApp } from "../support/synth";
import { bootTestHost, createTestNetwork, ensureRoot, hostTier, networkLeftovers, teardownTestHosts, TestHost, TestNetwork, waitFor } from "../support/test-hosts";

const NAMES = ["swm1", "swm2", "swm3"];
const STACK = "shop";

hostTier.describe("a Swarm stack from toComposeYaml() on three test hosts", () => {
  let net: TestNetwork;
  let hosts: TestHost[] = [];
  let registry: LoopbackRegistry | undefined;
  let registryDir: string;
  let stack: ComposeStack;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let started = Date.now();
    const { root } = ensureRoot();
    net = createTestNetwork();
    // The registry listens on the test bridge only (the nodes' gateway), stopped by its PID.
    registryDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhost-swarm-registry-"));
    registry = await startRegistry(registryDir, "", net.gateway);
    const registryAddress = registry.host;

    for (const [i, name] of NAMES.entries()) hosts.push(await bootTestHost(root, net, { name, hostNumber: 20 + i }));
    for (const host of hosts) {
      // An HTTP registry on the test network: every node must be told to trust it.
      host.sh(`mkdir -p /etc/docker && echo '{"insecure-registries": ["${registryAddress}"]}' > /etc/docker/daemon.json && systemctl restart docker`, { timeoutMs: 120_000 });
      await waitFor(`${host.name}: dockerd`, 60_000, () => host.exec(["docker", "info"]).code === 0, 500);
    }
    timings["boot 3 hosts + registry"] = Date.now() - started;

    started = Date.now();
    const [manager, ...workers] = hosts;
    manager.sh(`docker swarm init --advertise-addr ${manager.address} >/dev/null`);
    const token = manager.sh("docker swarm join-token -q worker").trim();
    for (const worker of workers) worker.sh(`docker swarm join --token ${token} ${manager.address}:2377 >/dev/null`, { timeoutMs: 60_000 });
    for (const worker of workers) manager.sh(`docker node update --label-add disk=ssd ${worker.name} >/dev/null`);
    timings["swarm init + join"] = Date.now() - started;

    started = Date.now();
    stack = swarmStack(registryAddress, hosts);
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
  }, 15 * 60_000);

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`swarm host tier timings (ms): ${JSON.stringify(timings)}`);
    if (hosts[0]) hosts[0].exec(["docker", "stack", "rm", STACK], { timeoutMs: 60_000 });
    teardownTestHosts();
    hosts = [];
    registry?.stop();
    if (registryDir) fs.rmSync(registryDir, { recursive: true, force: true });
    if (net) expect(networkLeftovers(net)).toEqual([]);
  });

  /** Running and desired tasks of the stack: service, node, state. */
  function tasks(): Array<{ service: string; node: string; state: string }> {
    const out = hosts[0].sh(`docker stack ps ${STACK} --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}}'`);
    return out.split("\n").filter(Boolean).map((line) => {
      const [name, node, ...state] = line.split(" ");
      return { service: name.replace(`${STACK}_`, "").replace(/\..*$/, ""), node, state: state.join(" ") };
    });
  }
  const nodesOf = (service: string) => tasks().filter((t) => t.service === service).map((t) => t.node).sort();

  test("three nodes are Ready, one manager, the workers labelled", () => {
    const nodes = hosts[0].sh("docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'").split("\n").filter(Boolean).sort();
    expect(nodes).toEqual(["swm1 Ready Leader", "swm2 Ready ", "swm3 Ready "]);
    expect(hosts[0].sh("docker node inspect -f '{{.Spec.Labels.disk}}' swm2 swm3").split("\n").filter(Boolean)).toEqual(["ssd", "ssd"]);
  });

  test("tasks land where the constraints allow: the database on the data node, api on the SSD workers, agent everywhere", () => {
    expect(nodesOf("db")).toEqual(["swm1"]);
    expect(nodesOf("api")).toEqual(["swm2", "swm3"]);
    expect(nodesOf("agent")).toEqual(["swm1", "swm2", "swm3"]);
    expect(nodesOf("web")).toEqual(["swm1", "swm2", "swm3"]);
  });

  test("Swarm holds the exported rollout and placement settings", () => {
    const spec = JSON.parse(hosts[0].sh(`docker service inspect ${STACK}_api`))[0].Spec;
    expect(spec.UpdateConfig).toMatchObject({ Parallelism: 1, FailureAction: "rollback", Order: "start-first" });
    expect(spec.TaskTemplate.Placement).toMatchObject({ Constraints: ["node.labels.disk == ssd"], MaxReplicas: 1 });
    expect(spec.EndpointSpec.Mode).toBe("dnsrr");
    const db = JSON.parse(hosts[0].sh(`docker service inspect ${STACK}_db`))[0].Spec;
    expect(db.UpdateConfig.Order).toBe("stop-first");
    expect(db.TaskTemplate.Placement.Constraints).toEqual(["node.hostname == swm1"]);
  });

  test("web answers on its host-mode port on every node; api reaches db by name across nodes", () => {
    for (const host of hosts) expect(hosts[0].sh(`timeout 5 busybox wget -qO- http://${host.address}:8080/`)).toBe("stand-in\n");
    const apiNode = hosts.find((h) => h.name === "swm2")!;
    const container = apiNode.sh(`docker ps -q --filter label=com.docker.swarm.service.name=${STACK}_api`).trim();
    expect(apiNode.sh(`docker exec ${container} sh -c 'timeout 5 wget -qO- http://db:5432/'`)).toBe("stand-in\n");
  });
});

/** The cluster app, on the real nodes' hostnames, its images in the test registry; dnsrr everywhere (no IPVS here). */
function swarmStack(registry: string, hosts: readonly TestHost[]): ComposeStack {
  const topology: SwarmTopology = {
    nodes: hosts.map((h, i) => ({ vmIndex: i, hostname: h.name, role: i === 0 ? "manager" : "worker", labels: i === 0 ? ({} as Record<string, string>) : { disk: "ssd" }, memoryMb: 2048, cpuCores: 1 })),
  };
  const app = testApp();
  const infra = new DockhostStack(app, "dockhost-infra");
  const apps = new DockhostStack(app, "dockhost-apps");
  const dockerHost = new DockerHost(infra, "docker", { vm: new DockhostVm(infra, "dockhost", { count: 3 }) });
  const plain = dockerHost.connect(apps);
  const engine = new DockerEngine(apps, "swarm", { host: `ssh://dockhost@${hosts[0].address}:22`, sshOptions: plain.sshOptions, name: hosts[0].name, lanCidr: plain.lanCidr, dockerHost, vmIndex: 0, swarm: topology });
  const dnsrr = { endpointMode: "dnsrr" } as const;
  return new ComposeStack(apps, STACK, {
    engine,
    volumes: { db: {} },
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
        deploy: { ...dnsrr, replicas: 2, placement: { constraints: ["node.labels.disk == ssd"], maxReplicasPerNode: 1 }, updateConfig: { delay: "5s" } },
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
