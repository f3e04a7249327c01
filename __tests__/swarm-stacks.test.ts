/**
 * The same ComposeStack on a Docker Swarm: on an engine that carries a SwarmTopology its services
 * become kreuzwerker docker_service resources (placed, rolled out start-first with rollback),
 * its networks overlays, its file secrets docker_secret and its files docker_config. Checked by
 * assertions on the JSON, terraform validate and plan against the stand-in provider (real
 * schemas), docker-compose config on the exported YAML, and bad inputs.
 */
import * as path from "path";
import { format } from "pretty-format";
import { App, TerraformVariable } from "cdktf";
import { ComposeServiceProps, ComposeStack, ComposeStackProps } from "../constructs/compose-stack";
import { MonitoringStack } from "../constructs/monitoring-stack";
import { ReverseProxy } from "../constructs/reverse-proxy";
import { Secret } from "../constructs/secret";
import { SwarmCluster } from "../constructs/swarm-cluster";
import { DockerHost } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { VolumeBackup } from "../constructs/volume-backup";
import { DockhostInputError } from "../lib/errors";
import type { SwarmTopology } from "../lib/swarm";
import { buildReferenceHomelab } from "../main";
import { REFERENCE_INFRA_VARS, StackJson, synthAll, synthStack, testApp } from "./support/synth";
import { swarmLab, SwarmLab } from "./support/swarm-lab";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";
import { needs } from "./support/requirements";
import { composeSpecValidator, dockerComposeConfig, promtoolCheckConfig, traefikValidators } from "./support/validators";
import { renderAlertRules } from "../lib/monitoring/alert-rules";
import { parse } from "yaml";

/** Three VMs: one manager, two workers with SSD labels; 4 GB each. */
const TOPOLOGY: SwarmTopology = {
  nodes: [
    { vmIndex: 0, hostname: "dockhost", role: "manager", labels: { zone: "a" }, memoryMb: 4096, cpuCores: 2 },
    { vmIndex: 1, hostname: "dockhost-2", role: "worker", labels: { disk: "ssd", zone: "a" }, memoryMb: 4096, cpuCores: 2 },
    { vmIndex: 2, hostname: "dockhost-3", role: "worker", labels: { disk: "ssd", zone: "b" }, memoryMb: 4096, cpuCores: 2 },
  ],
};

type Lab = SwarmLab;

/** A 3-VM homelab; `engine` is a Swarm manager (as SwarmCluster.connect() gives it), `single()` a plain engine. */
function lab(topology: SwarmTopology = TOPOLOGY): Lab {
  return swarmLab(topology);
}

/** The cluster app of the issue: replicated web and api, a pinned database, a global agent, an encrypted backend. */
function shop(l: Lab): ComposeStack {
  const dbPassword = new Secret(l.apps, "shop_db_password");
  const apiToken = new Secret(l.apps, "shop_api_token");
  return new ComposeStack(l.apps, "shop", {
    engine: l.engine,
    networks: { backend: { encrypted: true, internal: true } },
    // This app has no VolumeBackup (swarm-backup.test.ts covers backups on a Swarm): the opt-out says so.
    volumes: { db: { sizeBudgetGb: 5, backup: false, noBackupReason: "the test app has no VolumeBackup" } },
    services: {
      db: {
        image: "postgres:16.4",
        volumes: [{ volume: "db", target: "/var/lib/postgresql/data" }],
        networks: ["backend"],
        defaultNetwork: false,
        secrets: { POSTGRES_PASSWORD_FILE: dbPassword },
        healthcheck: { test: ["CMD-SHELL", "pg_isready -U postgres"], interval: "10s", timeout: "5s", retries: 5 },
        memoryLimitMb: 1024,
        restart: "unless-stopped",
      },
      api: {
        image: "ghcr.io/example/api:2.1.0",
        networks: ["backend"],
        secrets: { API_TOKEN_FILE: apiToken, DB_PASSWORD: dbPassword },
        files: { "/etc/api/config.yml": "listen: 8080\n" },
        expose: [8080],
        dependsOn: { db: "service_healthy" },
        memoryLimitMb: 256,
        cpus: 0.5,
        deploy: {
          replicas: 2,
          placement: { constraints: ["node.labels.disk == ssd"], maxReplicasPerNode: 1 },
          updateConfig: { delay: "10s", monitor: "1m" },
          resources: { reservations: { memoryMb: 128, cpus: 0.25 } },
        },
      },
      web: {
        image: "nginx:1.27.2",
        ports: [{ hostPort: 8080, containerPort: 80 }],
        memoryLimitMb: 128,
        deploy: { replicas: 3, endpointMode: "dnsrr", labels: { "traefik.enable": "true" } },
      },
      agent: {
        image: "prom/node-exporter:v1.8.2",
        volumes: [{ hostPath: "/proc", target: "/host/proc", readOnly: true }],
        memoryLimitMb: 64,
        deploy: { mode: "global" },
      },
    },
  });
}

function services(json: StackJson): Record<string, any> {
  return json.resource?.docker_service ?? {};
}

describe("a ComposeStack on a Swarm engine", () => {
  let json: StackJson;
  let stack: ComposeStack;
  beforeAll(() => {
    const l = lab();
    stack = shop(l);
    json = synthStack(l.apps);
  });

  test("every service is a docker_service named <stack>_<service>, no docker_container", () => {
    expect(json.resource.docker_container).toBeUndefined();
    expect(Object.values(services(json)).map((s: any) => s.name).sort()).toEqual(["shop_agent", "shop_api", "shop_db", "shop_web"]);
    expect(stack.service("web").resource.constructor.name).toBe("Service");
    expect(() => stack.service("web").container).toThrow(/on a Swarm engine it is a docker_service/);
  });

  test("replicas, global mode, update start-first with rollback, rollback config", () => {
    const { shop_api: api, shop_agent: agent, shop_db: db, shop_web: web } = services(json);
    expect(api.mode).toEqual({ replicated: { replicas: 2 } });
    expect(web.mode).toEqual({ replicated: { replicas: 3 } });
    expect(agent.mode).toEqual({ global: true });
    expect(api.update_config).toEqual({ parallelism: 1, delay: "10s", failure_action: "rollback", monitor: "1m", order: "start-first" });
    expect(api.rollback_config).toEqual({ parallelism: 1, delay: "0s", failure_action: "pause", monitor: "5s", order: "start-first" });
    // Two postgres processes must never share the volume: the database stops before its successor starts.
    expect(db.update_config.order).toBe("stop-first");
    expect(db.rollback_config.order).toBe("stop-first");
  });

  test("placement: the given constraints, the database pinned to the first manager, max replicas per node", () => {
    const { shop_api: api, shop_db: db, shop_web: web } = services(json);
    expect(api.task_spec.placement).toEqual({ constraints: ["node.labels.disk == ssd"], max_replicas: 1 });
    expect(db.task_spec.placement).toEqual({ constraints: ["node.hostname == dockhost"] });
    expect(web.task_spec.placement).toBeUndefined();
  });

  test("limits and reservations in bytes and nano-CPUs, restart policy, healthcheck durations as the provider reads them", () => {
    const { shop_api: api, shop_db: db } = services(json);
    expect(api.task_spec.resources).toEqual({ limits: { memory_bytes: 256 * 1024 * 1024, nano_cpus: 500_000_000 }, reservation: { memory_bytes: 128 * 1024 * 1024, nano_cpus: 250_000_000 } });
    expect(db.task_spec.restart_policy).toEqual({ condition: "any" });
    expect(db.task_spec.container_spec.healthcheck).toEqual({ test: ["CMD-SHELL", "pg_isready -U postgres"], interval: "10s", timeout: "5s", start_period: "0s", retries: 5 });
  });

  test("networks are attachable overlays by id; the backend is encrypted and its read-back options ignored", () => {
    const network = json.resource.docker_network;
    expect(network.shop_network).toMatchObject({ name: "shop", driver: "overlay", attachable: true });
    expect(network.shop_network.options).toBeUndefined();
    expect(network.shop_network_backend).toMatchObject({ name: "shop_backend", driver: "overlay", attachable: true, internal: true, options: { encrypted: "" }, lifecycle: { ignore_changes: ["options"] } });
    const { shop_api: api, shop_db: db } = services(json);
    expect(api.task_spec.networks_advanced).toEqual([
      { name: "${docker_network.shop_network.id}", aliases: ["api"] },
      { name: "${docker_network.shop_network_backend.id}", aliases: ["api"] },
    ]);
    expect(db.task_spec.networks_advanced).toEqual([{ name: "${docker_network.shop_network_backend.id}", aliases: ["db"] }]);
  });

  test("secrets: docker_secret from the variable (base64), versioned names, mounted in /run/secrets; nothing secret in the JSON", () => {
    const secrets = json.resource.docker_secret;
    expect(Object.keys(secrets).sort()).toEqual(["shop_secret_shop_api_token", "shop_secret_shop_db_password"]);
    expect(secrets.shop_secret_shop_db_password).toMatchObject({
      data: "${base64encode(var.shop_db_password)}",
      name: 'shop_shop_db_password-${replace(timestamp(), ":", ".")}',
      lifecycle: { create_before_destroy: true, ignore_changes: ["name"] },
    });
    const { shop_api: api, shop_db: db } = services(json);
    expect(db.task_spec.container_spec.env).toEqual({ POSTGRES_PASSWORD_FILE: "/run/secrets/shop_db_password" });
    expect(db.task_spec.container_spec.secrets).toEqual([
      { secret_id: "${docker_secret.shop_secret_shop_db_password.id}", secret_name: "${docker_secret.shop_secret_shop_db_password.name}", file_name: "/run/secrets/shop_db_password", file_mode: 0o444, file_uid: "0", file_gid: "0" },
    ]);
    // A plain (non-_FILE) secret stays a variable reference in env, as on a single host.
    expect(api.task_spec.container_spec.env).toEqual({ API_TOKEN_FILE: "/run/secrets/shop_api_token", DB_PASSWORD: "${var.shop_db_password}" });
    const config = json.resource.docker_config.shop_api_config_0;
    expect(Buffer.from(config.data, "base64").toString()).toBe("listen: 8080\n");
    expect(api.task_spec.container_spec.configs[0]).toMatchObject({ file_name: "/etc/api/config.yml", config_id: "${docker_config.shop_api_config_0.id}" });
  });

  test("images are pinned by the manager's repo digest; ports in host mode with dnsrr; deploy labels on the service", () => {
    const { shop_web: web } = services(json);
    expect(web.task_spec.container_spec.image).toBe("${docker_image.swarm_nginx_1_27_2.repo_digest}");
    expect(web.endpoint_spec).toEqual({ mode: "dnsrr", ports: [{ target_port: 80, published_port: 8080, protocol: "tcp", publish_mode: "host" }] });
    expect(web.labels).toEqual([{ label: "traefik.enable", value: "true" }]);
    expect(services(json).shop_api.depends_on).toEqual(["docker_service.shop_db"]);
  });

  needs("docker-compose").test("toComposeYaml() writes the deploy: section docker stack deploy reads, and docker-compose accepts it", () => {
    const yaml = stack.toComposeYaml();
    const doc = parse(yaml);
    expect(doc.services.api.deploy).toEqual({
      mode: "replicated",
      replicas: 2,
      endpoint_mode: "vip",
      placement: { constraints: ["node.labels.disk == ssd"], max_replicas_per_node: 1 },
      update_config: { parallelism: 1, delay: "10s", failure_action: "rollback", monitor: "1m", order: "start-first" },
      rollback_config: { parallelism: 1, delay: "0s", failure_action: "pause", monitor: "5s", order: "start-first" },
      resources: { limits: { cpus: "0.5", memory: "256M" }, reservations: { cpus: "0.25", memory: "128M" } },
      restart_policy: { condition: "any" },
    });
    expect(doc.services.db.deploy.placement).toEqual({ constraints: ["node.hostname == dockhost"] });
    expect(doc.services.agent.deploy.mode).toBe("global");
    expect(doc.version).toBe("3.8");
    // docker stack deploy refuses mem_limit and cpus ("Set resource limits using deploy.resources").
    expect(doc.services.api.mem_limit).toBeUndefined();
    expect(doc.services.api.cpus).toBeUndefined();
    // docker stack deploy refuses mem_limit and cpus: the limits are under deploy.resources only.
    expect(doc.services.api.mem_limit).toBeUndefined();
    expect(doc.services.api.cpus).toBeUndefined();
    expect(doc.services.web.ports).toEqual([{ target: 80, published: 8080, protocol: undefined, mode: "host" }].map(({ protocol, ...p }) => p));
    expect(doc.networks.backend.driver_opts).toEqual({ encrypted: "" });
    expect(yaml).not.toMatch(/shop_db_password[^}]/);
    const result = dockerComposeConfig(yaml, { env: { SHOP_DB_PASSWORD: "x", SHOP_API_TOKEN: "y" } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(composeSpecValidator()(doc)).toBe(true);
  });
});

describe("ReverseProxy on a Swarm engine", () => {
  let json: StackJson;
  let proxy: ReverseProxy;
  beforeAll(() => {
    const l = lab();
    const stack = shop(l);
    proxy = new ReverseProxy(l.apps, "edge", { engine: l.engine, stackName: "edge", tls: { email: "admin@example.com" } });
    proxy.expose(stack.service("web"), { host: "shop.example.com", port: 80 });
    json = synthStack(l.apps);
  });

  test("Traefik reads Swarm services through providers.swarm, and the static config passes Traefik's schema", () => {
    expect(proxy.staticConfig.providers).toMatchObject({ swarm: { endpoint: "tcp://socket-proxy:2375", exposedByDefault: false, network: "edge", refreshSeconds: "15s" } });
    expect((proxy.staticConfig.providers as Record<string, unknown>).docker).toBeUndefined();
    const { staticConfig } = traefikValidators();
    expect(staticConfig(proxy.staticConfig)).toBe(true);
  });

  test("routes are labels on the Swarm service (traefik.swarm.network), with the port Swarm cannot guess", () => {
    const web = services(json).shop_web;
    const labels = Object.fromEntries(web.labels.map((l: { label: string; value: string }) => [l.label, l.value]));
    expect(labels).toMatchObject({ "traefik.enable": "true", "traefik.swarm.network": "${docker_network.edge_network.name}", "traefik.http.services.shop_web.loadbalancer.server.port": "80" });
    expect(Object.keys(labels).some((k) => k.startsWith("traefik.docker."))).toBe(false);
    expect(web.task_spec.container_spec.labels).toBeUndefined();
    expect(web.task_spec.networks_advanced).toContainEqual({ name: "${docker_network.edge_network.id}", aliases: ["web"] });
  });

  test("the socket proxy runs on a manager and opens only what the Swarm provider reads; Traefik sits on the data node with host-mode ports", () => {
    const socket = services(json)["edge-socket_socket-proxy"];
    expect(socket.task_spec.placement.constraints).toEqual(["node.role == manager"]);
    expect(socket.task_spec.container_spec.env).toMatchObject({ SERVICES: "1", TASKS: "1", NETWORKS: "1", NODES: "1", POST: "0" });
    expect(socket.task_spec.container_spec.env.CONTAINERS).toBeUndefined();
    const traefik = services(json).edge_traefik;
    expect(traefik.task_spec.placement.constraints).toEqual(["node.hostname == dockhost"]);
    expect(traefik.endpoint_spec).toMatchObject({ mode: "dnsrr", ports: [{ published_port: 80, publish_mode: "host" }, { published_port: 443, publish_mode: "host" }] });
    expect(traefik.task_spec.container_spec.configs.map((c: { file_name: string }) => c.file_name)).toEqual(["/etc/traefik/traefik.yml", "/etc/traefik/dynamic/middlewares.yml"]);
  });
});

describe("MonitoringStack on a Swarm engine", () => {
  let json: StackJson;
  let monitoring: MonitoringStack;
  beforeAll(() => {
    const l = lab();
    const proxy = new ReverseProxy(l.apps, "edge", { engine: l.engine, stackName: "edge", tls: { email: "admin@example.com" } });
    monitoring = new MonitoringStack(l.apps, "monitoring", { engine: l.engine, proxy, grafanaHost: "grafana.example.com", grafanaAdminPassword: new Secret(l.apps, "grafana_admin_password", { minLength: 12 }) });
    json = synthStack(l.apps);
  });

  test("node-exporter and cAdvisor are global services without host network or devices; Prometheus and Grafana sit on the data node", () => {
    const all = services(json);
    for (const name of ["monitoring_node-exporter", "monitoring_cadvisor"]) {
      expect(all[name].mode).toEqual({ global: true });
      expect(all[name].endpoint_spec.mode).toBe("dnsrr");
    }
    expect(all["monitoring_node-exporter"].task_spec.container_spec.args).toContain("--web.listen-address=:9100");
    expect(all.monitoring_prometheus.task_spec.placement.constraints).toEqual(["node.hostname == dockhost"]);
    expect(all.monitoring_grafana.task_spec.placement.constraints).toEqual(["node.hostname == dockhost"]);
    expect(all["monitoring-socket_socket-proxy"].task_spec.placement.constraints).toEqual(["node.role == manager"]);
    expect(all["monitoring-socket_socket-proxy"].task_spec.container_spec.env).toMatchObject({ TASKS: "1", SERVICES: "1", NODES: "1", NETWORKS: "1", POST: "0" });
  });

  test("Prometheus discovers the exporters' tasks with dockerswarm_sd_configs through the socket proxy", () => {
    const config = parse(monitoring.prometheusConfig());
    const job = (name: string) => config.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
    expect(job("node-exporter")).toEqual({
      job_name: "node-exporter",
      dockerswarm_sd_configs: [{ host: "tcp://socket-proxy:2375", role: "tasks", port: 9100 }],
      relabel_configs: [
        { source_labels: ["__meta_dockerswarm_service_name"], regex: "monitoring_node-exporter", action: "keep" },
        { source_labels: ["__meta_dockerswarm_task_desired_state"], regex: "running", action: "keep" },
        { source_labels: ["__meta_dockerswarm_network_name"], regex: "monitoring", action: "keep" },
        { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "instance" },
      ],
    });
    expect(job("cadvisor").dockerswarm_sd_configs).toEqual([{ host: "tcp://socket-proxy:2375", role: "tasks", port: 8080 }]);
    expect(job("prometheus").static_configs).toEqual([{ targets: ["monitoring_prometheus:9090"] }]);
    expect(config.scrape_configs.map((j: { job_name: string }) => j.job_name)).not.toContain("docker-engine");
  });

  needs("promtool").test("prometheus.yml passes promtool check config", () => {
    const result = promtoolCheckConfig(monitoring.prometheusConfig(), { "dockhost-alerts.yml": renderAlertRules(monitoring.alertRules) });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});

describe("bad input on a Swarm engine and Swarm-only input on a single host", () => {
  function attempt(service: ComposeServiceProps, props: Partial<ComposeStackProps> = {}, single = false): DockhostInputError {
    const l = lab();
    try {
      new ComposeStack(l.apps, "bad", { engine: single ? l.single() : l.engine, volumes: { data: {} }, services: { app: service }, ...props });
    } catch (error) {
      if (error instanceof DockhostInputError) return error;
      throw error;
    }
    throw new Error("no error");
  }

  test.each<[string, ComposeServiceProps, RegExp]>([
    ["a placement label no node has", { image: "nginx:1.27.2", deploy: { placement: { constraints: ["node.labels.gpu == true"] } } }, /services\.app\.deploy\.placement\.constraints\[0\] = "node\.labels\.gpu == true"; a value some node has: node\.labels\.gpu is set on no node/],
    ["a hostname that is no node", { image: "nginx:1.27.2", deploy: { placement: { constraints: ["node.hostname == dockhost-9"] } } }, /a value some node has: node\.hostname is dockhost, dockhost-2, dockhost-3/],
    ["constraints no node meets together", { image: "nginx:1.27.2", deploy: { placement: { constraints: ["node.role == manager", "node.labels.disk == ssd"] } } }, /constraints that some node meets together/],
    ["more replicas than eligible nodes under maxReplicasPerNode", { image: "nginx:1.27.2", deploy: { replicas: 3, placement: { constraints: ["node.labels.disk == ssd"], maxReplicasPerNode: 1 } } }, /deploy\.replicas = 3; at most 2: 2 eligible node\(s\) \(dockhost-2, dockhost-3\) and maxReplicasPerNode 1/],
    ["more replicas than nodes with a host-mode port", { image: "nginx:1.27.2", ports: [{ hostPort: 80, containerPort: 80 }], deploy: { replicas: 4, endpointMode: "dnsrr" } }, /at most 3: .*a host-mode published port takes one task per node/],
    ["replicas on a local volume", { image: "postgres:16.4", volumes: [{ volume: "data", target: "/data" }], deploy: { replicas: 2 } }, /deploy\.replicas = 2; one task for a service on a local named volume/],
    ["global mode on a local volume", { image: "postgres:16.4", volumes: [{ volume: "data", target: "/data" }], deploy: { mode: "global" } }, /deploy\.mode = "global"; one task for a service on a local named volume/],
    ["privileged (docker_service has no such argument)", { image: "nginx:1.27.2", privileged: true }, /services\.app\.privileged = true; not on Swarm/],
    ["a device", { image: "nginx:1.27.2", devices: [{ hostPath: "/dev/dri" }] }, /services\.app\.devices = .*not on Swarm \(services cannot map host devices\)/],
    ["network_mode host", { image: "nginx:1.27.2", networkMode: "host" }, /services\.app\.networkMode = "host"; not on Swarm/],
    ["a malformed constraint", { image: "nginx:1.27.2", deploy: { placement: { constraints: ["engine.labels.x = 1"] } } }, /<attribute> == <value>/],
    ["more memory than the nodes have", { image: "nginx:1.27.2", memoryLimitMb: 2048, deploy: { replicas: 5 } }, /node\(s\) dockhost, dockhost-2, dockhost-3 would need 10240 MB .* but have 9216 MB/],
    ["a pinned service larger than its node", { image: "postgres:16.4", memoryLimitMb: 4000, volumes: [{ volume: "data", target: "/data" }] }, /node\(s\) dockhost would need 4000 MB .* but have 3072 MB/],
  ])("refuses %s", (_, service, message) => {
    const error = attempt(service);
    expect(error.message).toMatch(/^dockhost-apps\/bad: /);
    expect(error.message).toMatch(message);
  });

  test("refuses a one-shot dependency (Swarm restarts tasks; nothing waits for one to exit)", () => {
    const l = lab();
    expect(() => new ComposeStack(l.apps, "bad", { engine: l.engine, services: { init: { image: "busybox:1.36" }, app: { image: "nginx:1.27.2", dependsOn: { init: "service_completed_successfully" } } } })).toThrow(/services\.app\.dependsOn = .*service_started or service_healthy on Swarm/);
  });

  test("VolumeBackup on a Swarm needs a stack with backed-up volumes first (swarm-backup.test.ts); MonitoringStack on a Swarm needs the proxy", () => {
    const l = lab();
    expect(() => new VolumeBackup(l.apps, "backup", { engine: l.engine })).toThrow(/dockhost-apps\/backup: invalid nodes = \[\]; at least one node: create the VolumeBackup after the ComposeStacks/);
    expect(() => new MonitoringStack(l.apps, "monitoring", { engine: l.engine, grafanaAdminPassword: new Secret(l.apps, "grafana_admin_password", { minLength: 12 }) })).toThrow(
      /dockhost-apps\/monitoring: invalid proxy = \(missing\); a ReverseProxy on a Swarm engine/,
    );
  });

  test("a data node that is no node of the Swarm", () => {
    expect(attempt({ image: "nginx:1.27.2" }, { dataNode: "nas" }).message).toMatch(/invalid dataNode = "nas"; a node of the Swarm: dockhost, dockhost-2, dockhost-3/);
  });

  test.each<[string, ComposeServiceProps, Partial<ComposeStackProps>, RegExp]>([
    ["replicas > 1", { image: "nginx:1.27.2", deploy: { replicas: 2 } }, {}, /services\.app\.deploy\.replicas = 2; 1 on a single host; more replicas need a Swarm engine/],
    ["global mode", { image: "nginx:1.27.2", deploy: { mode: "global" } }, {}, /services\.app\.deploy\.mode = "global"; "replicated" on a single host/],
    ["placement", { image: "nginx:1.27.2", deploy: { placement: { constraints: ["node.role == manager"] } } }, {}, /services\.app\.deploy\.placement = .*no placement on a single host/],
    ["an encrypted network", { image: "nginx:1.27.2" }, { networks: { x: { encrypted: true } } }, /networks\.x\.encrypted = true; false on a single host/],
    ["a data node", { image: "nginx:1.27.2" }, { dataNode: "dockhost" }, /invalid dataNode = "dockhost"; no dataNode on a single host/],
  ])("on a single host, refuses %s", (_, service, props, message) => {
    expect(attempt(service, props, true).message).toMatch(message);
  });

  test("on a single host, rollout settings and one replica are accepted and change nothing", () => {
    const l = lab();
    new ComposeStack(l.apps, "web", { engine: l.single(), services: { web: { image: "nginx:1.27.2", deploy: { replicas: 1, updateConfig: { order: "start-first" } } } } });
    const json = synthStack(l.apps);
    expect(json.resource.docker_service).toBeUndefined();
    expect(json.resource.docker_container["web_web"]).toMatchObject({ name: "web-web", networks_advanced: [{ name: "${docker_network.web_network.name}", aliases: ["web"] }] });
    expect(json.resource.docker_network.web_network.driver).toBe("bridge");
  });
});

describeWithTerraform("terraform on the 3-node Swarm app", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const l = lab();
    shop(l);
    synthAll(l.app);
    ws = prepareWorkspace(path.join(l.app.outdir, "stacks"));
  });
  afterAll(() => ws.cleanup());

  test("the apps stack validates with zero diagnostics", async () => {
    const result = await ws.validate("dockhost-apps");
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test("it plans four services, two secrets, one config and two overlays; apply then plan is clean", async () => {
    await ws.apply("dockhost-infra", { vars: REFERENCE_INFRA_VARS });
    const vars = { shop_db_password: "correct horse battery", shop_api_token: "tok-123456" };
    const plan = await ws.plan("dockhost-apps", { vars });
    if (!plan.ok) throw new Error(plan.error);
    const types = (plan.plan.resource_changes ?? []).filter((c: any) => c.change.actions.includes("create")).map((c: any) => c.type);
    expect(types.filter((t: string) => t === "docker_service")).toHaveLength(4);
    expect(types.filter((t: string) => t === "docker_secret")).toHaveLength(2);
    expect(types.filter((t: string) => t === "docker_config")).toHaveLength(1);
    expect(types.filter((t: string) => t === "docker_network")).toHaveLength(2);
    await ws.apply("dockhost-apps", { vars });
    const again = await ws.plan("dockhost-apps", { vars });
    if (!again.ok) throw new Error(again.error);
    expect(again.counts).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
    // A new password: a new docker_secret is created before the old one goes, and the services using it update.
    const rotated = await ws.plan("dockhost-apps", { vars: { ...vars, shop_db_password: "a new long password" } });
    if (!rotated.ok) throw new Error(rotated.error);
    const changed = (rotated.plan.resource_changes ?? []).filter((c: any) => !c.change.actions.includes("no-op"));
    expect(changed.find((c: any) => c.address === "docker_secret.shop_secret_shop_db_password")?.change.actions).toEqual(["create", "delete"]);
    expect(changed.filter((c: any) => c.type === "docker_service").map((c: any) => [c.address, c.change.actions])).toEqual([
      ["docker_service.shop_api", ["update"]],
      ["docker_service.shop_db", ["update"]],
    ]);
  });
});

test("the policy pack's capacity plan leaves Swarm services to the per-node check: more than one VM holds, spread over three, synthesizes", () => {
  // The VMs' own size (10 GB, the seed's): four 2.5 GB services exceed one VM, not three.
  const l = lab({ nodes: TOPOLOGY.nodes.map((n) => ({ ...n, memoryMb: 10240 })) });
  const work = { image: "nginx:1.27.2", memoryLimitMb: 2500 };
  new ComposeStack(l.apps, "big", { engine: l.engine, services: { a: work, b: work, c: work, d: work } });
  expect(() => synthAll(l.app)).not.toThrow();
  const l2 = lab();
  expect(() => new ComposeStack(l2.apps, "big", { engine: l2.engine, services: { work: { image: "nginx:1.27.2", memoryLimitMb: 2500, deploy: { replicas: 4 } } } })).toThrow(/would need 10000 MB .* but have 9216 MB/);
});

test("the single-host reference homelab has no Swarm resource", () => {
  const homelab = buildReferenceHomelab(testApp());
  const stacks = synthAll(homelab.app as App);
  for (const json of Object.values(stacks)) {
    for (const type of ["docker_service", "docker_secret", "docker_config"]) expect(json.resource?.[type]).toBeUndefined();
    expect(Object.values<any>(json.resource?.docker_network ?? {}).every((n) => n.driver === "bridge" || n.driver === undefined)).toBe(true);
  }
});

test("a config file that is a Terraform expression goes through base64encode(); text mixed with one is refused at synth", () => {
  const file = (content: (v: TerraformVariable) => string) => {
    const l = lab();
    const v = new TerraformVariable(l.apps, "greeting", { type: "string" });
    new ComposeStack(l.apps, "s", { engine: l.engine, services: { a: { image: "nginx:1.27.2", memoryLimitMb: 64, files: { "/etc/x": content(v) } } } });
    return () => synthStack(l.apps).resource.docker_config.s_a_config_0.data;
  };
  expect(file((v) => v.stringValue)()).toBe("${base64encode(var.greeting)}");
  expect(file((v) => `hello ${v.stringValue}\n`)).toThrow(/mixes text and Terraform expressions/);
});

/**
 * The 3-VM cluster app as a user writes it: one DockhostVm of 3, its DockerHost without
 * live-restore, a SwarmCluster of them, and the shop, Traefik and monitoring on `cluster.connect()`
 * (not a hand-built topology).
 */
describeWithTerraform("the whole 3-VM cluster app, built the way a user would", () => {
  let stacks: Record<string, StackJson>;
  let monitoring: MonitoringStack;
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const app = testApp();
    const infra = new DockhostStack(app, "dockhost-infra");
    new ProxmoxConnection(infra, "proxmox");
    const vm = new DockhostVm(infra, "dockhost", { count: 3 });
    const dockerHost = new DockerHost(infra, "docker", { vm, liveRestore: false });
    const cluster = new SwarmCluster(infra, "swarm", { host: dockerHost, labels: Object.fromEntries(TOPOLOGY.nodes.map((n) => [n.vmIndex, n.labels])) });
    const apps = new DockhostStack(app, "dockhost-apps");
    const engine = cluster.connect(apps);
    const stack = shop({ app, apps, engine, single: () => dockerHost.connect(apps) });
    const proxy = new ReverseProxy(apps, "edge", { engine, stackName: "edge", tls: { email: "admin@example.com" } });
    proxy.expose(stack.service("web"), { host: "shop.example.com", port: 80 });
    monitoring = new MonitoringStack(apps, "monitoring", { engine, proxy, grafanaHost: "grafana.example.com", grafanaAdminPassword: new Secret(apps, "grafana_admin_password", { minLength: 12 }) });
    // Traefik's and Grafana's volumes are backed up on their data node (swarm-backup.test.ts).
    new VolumeBackup(apps, "backup", { engine });
    stacks = synthAll(app);
    ws = prepareWorkspace(path.join(app.outdir, "stacks"));
  });
  afterAll(() => ws?.cleanup());

  test("infra: one init on VM 0, the managers join one after the other, then the gate", () => {
    const steps = Object.fromEntries(Object.entries<any>(stacks["dockhost-infra"].resource.null_resource).filter(([name]) => name.startsWith("swarm_")));
    expect(Object.keys(steps).sort()).toEqual(["swarm_init", "swarm_manager_2", "swarm_manager_3", "swarm_ready", "swarm_worker"]);
    expect(Object.values<any>(steps).filter((s) => s.provisioner[0]["local-exec"].environment.DOCKHOST_ROLE === "init")).toHaveLength(1);
    expect(steps.swarm_manager_2.depends_on).toEqual(["null_resource.swarm_init"]);
    expect(steps.swarm_manager_3.depends_on).toEqual(["null_resource.swarm_manager_2"]);
    expect(steps.swarm_ready.depends_on).toEqual(["null_resource.swarm_init", "null_resource.swarm_manager_2", "null_resource.swarm_manager_3", "null_resource.swarm_worker"]);
    expect(stacks["dockhost-infra"].resource.docker_service).toBeUndefined();
  });

  test("apps: every service a docker_service on the Swarm's provider, replicas and rollout as written, overlays, docker_secret", () => {
    const apps = stacks["dockhost-apps"];
    expect(apps.resource.docker_container).toBeUndefined();
    const all = services(apps);
    expect(Object.keys(all)).toEqual(expect.arrayContaining(["shop_db", "shop_api", "shop_web", "shop_agent", "edge_traefik", "monitoring_prometheus", "monitoring_node-exporter", "backup-dockhost_backup"]));
    expect(all["backup-dockhost_backup"].task_spec.placement.constraints).toEqual(["node.hostname == dockhost"]);
    for (const service of Object.values<any>(all)) expect(service.provider).toBe("docker.swarm-dockhost");
    expect(all.shop_api.mode).toEqual({ replicated: { replicas: 2 } });
    expect(all.shop_api.update_config).toMatchObject({ order: "start-first", failure_action: "rollback", delay: "10s", monitor: "1m" });
    expect(all.shop_agent.mode).toEqual({ global: true });
    const networks = Object.values<any>(apps.resource.docker_network);
    expect(networks.length).toBeGreaterThan(0);
    expect(networks.every((n) => n.driver === "overlay")).toBe(true);
    expect(Object.keys(apps.resource.docker_secret).sort()).toEqual(expect.arrayContaining(["shop_secret_shop_db_password", "shop_secret_shop_api_token"]));
    expect(JSON.stringify(stacks)).not.toMatch(/SWMTKN/);
    // Prometheus' config is known only at synth (a Lazy): its docker_config holds the text itself.
    const config = Object.values<any>(apps.resource.docker_config).find((c) => c.name.startsWith("monitoring_prometheus_f0"));
    expect(Buffer.from(config.data, "base64").toString()).toBe(monitoring.prometheusConfig());
  });

  test("terraform validate: both stacks, no diagnostics", async () => {
    for (const name of ["dockhost-infra", "dockhost-apps"]) {
      const result = await ws.validate(name);
      expect([name, result.diagnostics]).toEqual([name, []]);
      expect(result.valid).toBe(true);
    }
  });

  test("the single-host reference homelab still synthesizes to the infra snapshot dockhost-vm.test.ts recorded", () => {
    // The snapshot file is a module of serialized strings; jest writes them with these options.
    const recorded = require("./__snapshots__/dockhost-vm.test.ts.snap")["reference homelab: dockhost-infra snapshot 1"];
    const infra = synthStack(buildReferenceHomelab(testApp()).infra);
    expect(`\n${format(infra, { indent: 2, escapeRegex: false, escapeString: false, printBasicPrototype: false, printFunctionName: false })}\n`).toBe(recorded);
  });
});
