/**
 * The catalog (Postgres, Redis, Nextcloud, Jellyfin, GitLabRunner, WebApp): what each synthesizes,
 * that the policy pack passes it, that Terraform validates it, and that bad input fails by name.
 */
import * as path from "path";
import { App } from "cdktf";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm, HostPciDevice } from "../constructs/dockhost-vm";
import { GitLabRunner } from "../constructs/gitlab-runner";
import { Jellyfin, JELLYFIN_MEMORY_MB } from "../constructs/jellyfin";
import { NEXTCLOUD_MEMORY_MB } from "../constructs/nextcloud";
import { evaluateHomelab } from "../constructs/policy-model";
import { Portainer } from "../constructs/portainer";
import { Postgres } from "../constructs/postgres";
import { ProxmoxConnection } from "../constructs/proxmox-connection";
import { Redis } from "../constructs/redis";
import { Secret } from "../constructs/secret";
import { Watchtower, WATCHTOWER_OPT_IN } from "../constructs/watchtower";
import { WebApp } from "../constructs/web-app";
import { ComposeStack } from "../constructs/compose-stack";
import { DockhostInputError } from "../lib/errors";
import { buildReferenceHomelab, ReferenceHomelab, SETTINGS } from "../main";
import { synthAll, synthStack, testApp } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";

/** The reference homelab (on a VM with an 80 GB disk) plus a Postgres, a Redis (with password) and a GitLab Runner. */
function withCatalog(): ReferenceHomelab & { pg: Postgres; redis: Redis; runner: GitLabRunner; portainer: Portainer } {
  const homelab = buildReferenceHomelab(testApp(), { ...SETTINGS, vm: { ...SETTINGS.vm, disk0SizeGb: 80 } });
  const { apps, engine } = homelab;
  const pg = new Postgres(apps, "shared-db", { engine, password: new Secret(apps, "shared_db_password"), database: "reports", user: "reporter" });
  const redis = new Redis(apps, "shared-cache", { engine, password: new Secret(apps, "shared_cache_password") });
  const runner = new GitLabRunner(apps, "runner", { engine, url: "https://gitlab.example.com", token: new Secret(apps, "runner_token"), jobMemoryMb: 1024 });
  const portainer = new Portainer(apps, "portainer", { engine, proxy: homelab.proxy, host: "portainer.home.example.com" });
  return { ...homelab, pg, redis, runner, portainer };
}

/** The image name a container's `image` (a docker_image reference) points at. */
function imageOf(json: any, container: any): string {
  const [, id] = /^\$\{docker_image\.([^.]+)\.image_id\}$/.exec(container.image)!;
  return json.resource.docker_image[id].name;
}

function containers(json: any): Record<string, any> {
  return json.resource.docker_container;
}

const inputError = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DockhostInputError);
    return (error as Error).message;
  }
  throw new Error("no error");
};

describe("catalog constructs on the reference homelab", () => {
  const homelab = withCatalog();
  const json = synthStack(homelab.apps);
  const text = JSON.stringify(json);
  const c = containers(json);

  test("Postgres: pinned image, healthcheck, memory limit, data volume kept and dumped, internal network", () => {
    const db = c["shared-db_db"];
    expect(imageOf(json, db)).toBe("postgres:16.4-alpine");
    expect(db.memory).toBe(1024);
    expect(db.healthcheck.test).toEqual(["CMD-SHELL", "pg_isready -U reporter -d reports"]);
    expect(db.env).toContain("POSTGRES_PASSWORD_FILE=/run/secrets/shared_db_password");
    // A named volume Docker creates and Terraform never owns (no code change can delete it).
    expect(json.resource.docker_volume).toBeUndefined();
    expect(db.volumes).toContainEqual(expect.objectContaining({ volume_name: "shared-db_data" }));
    expect(json.resource.docker_network["shared-db_network"].internal).toBe(true);
    const covered = homelab.volumeBackup.coveredVolumes().find((v) => v.name === "shared-db_data");
    expect(covered?.dump?.dump.engine).toBe("PostgreSQL");
  });

  test("Postgres and Redis expose connection info; the URLs are sensitive references, never a value", () => {
    expect(homelab.pg.connection).toMatchObject({ engine: "PostgreSQL", host: "shared-db-db", port: 5432, database: "reports", user: "reporter" });
    expect(homelab.pg.connection.url.sensitive).toBe(true);
    expect(homelab.redis.connection).toMatchObject({ engine: "Redis", host: "shared-cache-cache", port: 6379 });
    // A client in another stack joins the server's network and gets the URL.
    const api = homelab.webApp.api;
    expect(homelab.pg.connect(api)).toBe(homelab.pg.connection);
    const again = synthStack(homelab.apps);
    // The reference API's URL, as Terraform receives it: the password URL-encoded at plan time.
    expect(containers(again).app_api.env).toContain("PGRST_DB_URI=postgres://app:${urlencode(var.app_db_password)}@db:5432/app");
    expect(containers(again).app_api.networks_advanced.map((n: any) => n.name)).toContain("${docker_network.shared-db_network.name}");
  });

  test("a URL built from a Secret is a secret too: `${NAME}` in the exported compose file, refused in a label", () => {
    const yaml = homelab.webApp.stack.toComposeYaml();
    expect(yaml).toContain("PGRST_DB_URI: postgres://app:${APP_DB_PASSWORD}@db:5432/app");
    expect(yaml).not.toMatch(/TfToken/);
    const other = buildReferenceHomelab(testApp());
    const url = new Postgres(other.apps, "leaky-db", { engine: other.engine, password: new Secret(other.apps, "leaky_db_password") }).connection.url.value;
    expect(() => new ComposeStack(other.apps, "leaky", { engine: other.engine, services: { web: { image: "nginx:1.27.3", labels: { "backup.target": url } } } })).toThrow(/leaky.*labels.*no Secret here/s);
  });

  test("Redis: the password reaches redis-server through a secret variable, not the command line", () => {
    const cache = c["shared-cache_cache"];
    expect(cache.command.join(" ")).toContain('--requirepass "$REDIS_PASSWORD"');
    expect(cache.env).toContain("REDIS_PASSWORD=${var.shared_cache_password}");
    expect(cache.command.join(" ")).toContain("--maxmemory 192mb");
    expect(cache.memory).toBe(256);
  });

  test("Nextcloud: its own database and cache, unattended install, route with TLS, memory from upstream", () => {
    const app = c["nextcloud_app"];
    expect(imageOf(json, app)).toBe("nextcloud:30.0.13-apache");
    expect(app.memory).toBe(NEXTCLOUD_MEMORY_MB);
    expect(app.env).toEqual(expect.arrayContaining(["POSTGRES_HOST=db", "REDIS_HOST=cache", "NEXTCLOUD_ADMIN_PASSWORD_FILE=/run/secrets/nextcloud_admin_password", "OVERWRITEPROTOCOL=https"]));
    expect(c["nextcloud_db"].memory).toBe(1024);
    const labels = Object.fromEntries(app.labels.map((l: any) => [l.label, l.value]));
    expect(Object.entries(labels).find(([k]) => k.endsWith(".rule"))?.[1]).toContain("cloud.");
    expect(homelab.volumeBackup.coveredVolumes().map((v) => v.name)).toEqual(expect.arrayContaining(["nextcloud_html", "nextcloud_db-data"]));
  });

  test("GitLabRunner: registers from the token at start, jobs limited, docker.sock with a reasoned suppression", () => {
    const runner = c["runner_runner"];
    expect(runner.command[0]).toContain("--docker-memory 1024m");
    expect(runner.env).toEqual(["RUNNER_TOKEN=${var.runner_token}"]);
    const report = evaluateHomelab(homelab.app);
    const socket = report.rows.filter((r) => r.ruleId === "DH-DOCKER-SOCKET" && r.path.includes("/runner/"));
    expect(socket.map((r) => r.status)).toEqual(["suppressed"]);
  });

  test("Portainer: no docker.sock of its own, a read-only socket proxy, LAN-only TLS route", () => {
    const portainer = c["portainer_portainer"];
    expect(imageOf(json, portainer)).toBe("portainer/portainer-ce:2.21.5");
    expect(portainer.volumes).toEqual([{ volume_name: "portainer_data", container_path: "/data" }]);
    expect(portainer.command).toEqual(["-H", "tcp://socket-proxy:2375", "--http-enabled"]);
    const proxyEnv = c["portainer-socket_socket-proxy"].env;
    expect(proxyEnv).toEqual(expect.arrayContaining(["POST=0", "CONTAINERS=1", "IMAGES=1", "VOLUMES=1", "NETWORKS=1"]));
    expect(proxyEnv).not.toContain("EXEC=1");
    const labels = Object.fromEntries(portainer.labels.map((l: any) => [l.label, l.value]));
    const middlewares = Object.entries(labels).find(([k]) => k.endsWith(".middlewares"))?.[1];
    expect(middlewares).toContain("lan-only@file");
    expect(Object.entries(labels).find(([k]) => k.endsWith(".tls.certresolver") || k.endsWith(".tls"))).toBeDefined();
    const rows = evaluateHomelab(homelab.app).rows.filter((r) => r.ruleId === "DH-DOCKER-SOCKET" && r.path.includes("/portainer/"));
    expect(rows.map((r) => [r.path.split("/").pop(), r.status, r.reason]).sort()).toEqual([
      ["service-portainer", "compliant", undefined],
      ["service-socket-proxy", "suppressed", expect.stringContaining("Portainer (read-only: no POST)")],
    ]);
  });

  test("Portainer in manage mode opens POST and EXEC, and says so in the suppression", () => {
    const h = buildReferenceHomelab(testApp());
    new Portainer(h.apps, "portainer", { engine: h.engine, proxy: h.proxy, host: "portainer.home.example.com", access: "manage" });
    expect(containers(synthStack(h.apps))["portainer-socket_socket-proxy"].env).toEqual(expect.arrayContaining(["POST=1", "EXEC=1"]));
  });

  test("the policy pack passes the whole homelab with the catalog (a memory warning above 80 %, no error)", () => {
    const report = evaluateHomelab(homelab.app);
    expect(report.errors).toEqual([]);
    expect(report.capacity.filter((l) => l.status !== "ok").map((l) => [l.resource, l.status])).toEqual([["memory", "warning"]]);
    for (const secret of ["correct-horse", "runner_token="]) expect(text).not.toContain(secret);
  });
});

describe("the reference homelab uses the catalog", () => {
  test("app (WebApp with PostgreSQL and Redis) and Nextcloud, within 10 GB RAM and the 35 GB Docker disk", () => {
    const homelab = buildReferenceHomelab(testApp());
    expect(homelab.appStack.serviceList.map((s) => s.name).sort()).toEqual(["api", "cache", "db", "web"]);
    const report = evaluateHomelab(homelab.app);
    const memory = report.capacity.find((l) => l.resource === "memory")!;
    const disk = report.capacity.find((l) => l.resource === "disk")!;
    expect(memory).toMatchObject({ capacity: 10240, status: "ok" });
    expect(disk).toMatchObject({ capacity: 35, status: "ok" });
    expect(report.errors).toEqual([]);
  });

  test("Jellyfin at upstream's recommended 8 GB does not fit next to them: the capacity planner refuses it", () => {
    const homelab = buildReferenceHomelab(testApp());
    new Jellyfin(homelab.apps, "jellyfin", { engine: homelab.engine, proxy: homelab.proxy, host: "media.example.com", mediaPath: "/srv/media" });
    const errors = evaluateHomelab(homelab.app).errors;
    const memory = errors.find((e) => e.ruleId === "DH-CAPACITY-MEMORY");
    expect(memory?.message).toMatch(/need 15168 MB of 10240 MB .* raise memoryMb \(vm_memory\) to at least 15168/);
    expect(JELLYFIN_MEMORY_MB).toBe(8192);
  });
});

describe("Jellyfin and GPU passthrough", () => {
  function infraWithGpu(hostPci: readonly HostPciDevice[], count = 1) {
    const app = new App();
    const infra = new DockhostStack(app, "infra");
    new ProxmoxConnection(infra, "proxmox");
    return { infra, vm: new DockhostVm(infra, "dockhost", { count, hostPci }) };
  }

  test("hostPci becomes bpg hostpci blocks and the q35 machine", () => {
    const { infra } = infraWithGpu([{ device: "hostpci0", mapping: "igpu" }]);
    const vm = synthStack(infra).resource.proxmox_virtual_environment_vm.dockhost;
    expect(vm.hostpci).toEqual([{ device: "hostpci0", mapping: "igpu", pcie: true }]);
    expect(vm.machine).toBe("q35");
  });

  test("Jellyfin with hardware acceleration gets /dev/dri on a VM with a passed-through GPU", () => {
    const homelab = buildReferenceHomelab(testApp());
    (homelab.vm as { hostPci: unknown }).hostPci = [{ device: "hostpci0", mapping: "igpu" }];
    const jellyfin = new Jellyfin(homelab.apps, "jellyfin", { engine: homelab.engine, proxy: homelab.proxy, host: "media.example.com", mediaPath: "/srv/media", hardwareAcceleration: true, memoryLimitMb: 2048 });
    const jf = containers(synthStack(homelab.apps))["jellyfin_jellyfin"];
    expect(jf.devices).toEqual([{ host_path: "/dev/dri", container_path: "/dev/dri", permissions: "rwm" }]);
    expect(jf.volumes).toContainEqual({ host_path: "/srv/media", container_path: "/media", read_only: true });
    expect(jellyfin.stack.volumeList().find((v) => v.volume === "cache")?.backup).toBe(false);
  });

  test.each([
    ["hardware acceleration without a GPU on the VM", () => { const h = buildReferenceHomelab(testApp()); new Jellyfin(h.apps, "jellyfin", { engine: h.engine, proxy: h.proxy, host: "m.example.com", mediaPath: "/srv/media", hardwareAcceleration: true }); }, /jellyfin: invalid hardwareAcceleration = true; false, or pass the GPU through/],
    ["a relative media path", () => { const h = buildReferenceHomelab(testApp()); new Jellyfin(h.apps, "jellyfin", { engine: h.engine, proxy: h.proxy, host: "m.example.com", mediaPath: "media" }); }, /invalid mediaPath = "media"; an absolute path/],
    ["a device both by mapping and id", () => infraWithGpu([{ device: "hostpci0", mapping: "gpu", id: "0000:01:00.0" }]), /dockhost: invalid hostPci\[0\] = .*exactly one of mapping/],
    ["an unknown slot", () => infraWithGpu([{ device: "hostpci9", id: "0000:01:00.0" }]), /invalid hostPci\[0\].device = "hostpci9"/],
    ["a GPU on two VMs", () => infraWithGpu([{ device: "hostpci0", mapping: "gpu" }], 2), /invalid hostPci = \["hostpci0"\]; no passed-through devices with count 2/],
  ])("refuses %s", (_name, build, message) => {
    expect(inputError(build)).toMatch(message);
  });
});

describe("bad input for each catalog construct", () => {
  const lab = () => buildReferenceHomelab(testApp());
  test.each([
    ["Postgres with a database name that needs quoting", (h: ReferenceHomelab) => new Postgres(h.apps, "pg", { engine: h.engine, password: new Secret(h.apps, "pg_pw"), database: "my-db" }), /pg: invalid database = "my-db"; a PostgreSQL identifier/],
    ["Redis with a no-backup reason but backups on", (h: ReferenceHomelab) => new Redis(h.apps, "rd", { engine: h.engine, noBackupReason: "cache" }), /invalid volumes.data.noBackupReason = "cache"; a reason only with backup: false/],
    ["WebApp on a stack name Nextcloud took", (h: ReferenceHomelab) => new WebApp(h.apps, "files", { stackName: "nextcloud", engine: h.engine, proxy: h.proxy, web: { host: "w.example.com", service: { image: "nginx:1.27.3-alpine", expose: [80] } }, api: { host: "a.example.com", service: { image: "nginx:1.27.3-alpine", expose: [80] } } }), /invalid stackName = "nextcloud"/],
    ["Portainer on a host name that is not one", (h: ReferenceHomelab) => new Portainer(h.apps, "portainer", { engine: h.engine, proxy: h.proxy, host: "https://portainer" }), /^dockhost-apps\/portainer: invalid host = "https:\/\/portainer"; a lowercase host name/],
    ["GitLabRunner with an http URL", (h: ReferenceHomelab) => new GitLabRunner(h.apps, "gr", { engine: h.engine, url: "http://gitlab.lan", token: new Secret(h.apps, "gr_token"), jobMemoryMb: 512 }), /gr: invalid url = "http:\/\/gitlab.lan"; the GitLab instance's https:\/\/ URL/],
    ["GitLabRunner with a 0 MB job limit", (h: ReferenceHomelab) => new GitLabRunner(h.apps, "gr", { engine: h.engine, url: "https://gitlab.com", token: new Secret(h.apps, "gr_token"), jobMemoryMb: 0 }), /invalid jobMemoryMb = 0/],
    ["WebApp whose database URL variable the API already sets", (h: ReferenceHomelab) => new WebApp(h.apps, "shop", { engine: h.engine, proxy: h.proxy, database: { password: new Secret(h.apps, "shop_pw") }, web: { host: "w.example.com", service: { image: "nginx:1.27.3-alpine", expose: [80] } }, api: { host: "a.example.com", service: { image: "nginx:1.27.3-alpine", expose: [80], environment: { DATABASE_URL: "x" } } } }), /shop: invalid database.urlVariable = "DATABASE_URL"/],
  ])("%s", (_name, build, message) => {
    expect(inputError(() => build(lab()))).toMatch(message);
  });
});

describeWithTerraform("terraform validates the catalog", () => {
  let ws: TerraformWorkspace;
  beforeAll(() => {
    const homelab = withCatalog();
    new Jellyfin(homelab.apps, "jellyfin", { engine: homelab.engine, proxy: homelab.proxy, host: "media.example.com", mediaPath: "/srv/media", memoryLimitMb: 1024 });
    new Watchtower(homelab.apps, "watchtower", { engine: homelab.engine, notificationUrl: new Secret(homelab.apps, "watchtower_notify_url") });
    synthAll(homelab.app as App);
    ws = prepareWorkspace(path.join(homelab.app.outdir, "stacks"));
  });
  afterAll(() => ws.cleanup());

  test("the apps stack with every catalog construct (and Watchtower, Portainer) validates with zero diagnostics", async () => {
    const result = await ws.validate("dockhost-apps");
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describeWithTerraform("terraform validates a VM with a passed-through GPU", () => {
  test("hostpci and q35 are valid bpg 0.111.1", async () => {
    const app = testApp();
    const infra = new DockhostStack(app, "dockhost-infra");
    new ProxmoxConnection(infra, "proxmox");
    new DockhostVm(infra, "dockhost", { hostPci: [{ device: "hostpci0", id: "0000:01:00.0" }] });
    synthAll(app);
    const ws = prepareWorkspace(path.join(app.outdir, "stacks"));
    try {
      const result = await ws.validate("dockhost-infra");
      expect(result.diagnostics).toEqual([]);
    } finally {
      ws.cleanup();
    }
  });
});

describe("Watchtower", () => {
  test("monitor-only by default, label opt-in, schedule, notification URL from a Secret, Docker through a socket proxy", () => {
    const h = buildReferenceHomelab(testApp());
    new Watchtower(h.apps, "watchtower", { engine: h.engine, notificationUrl: new Secret(h.apps, "watchtower_notify_url") });
    new ComposeStack(h.apps, "watched", { engine: h.engine, services: { web: { image: "nginx:1.27.3-alpine", memoryLimitMb: 64, restart: "unless-stopped", securityOpt: ["no-new-privileges:true"], labels: WATCHTOWER_OPT_IN } } });
    const json = synthStack(h.apps);
    const wt = containers(json)["watchtower_watchtower"];
    expect(imageOf(json, wt)).toBe("nickfedor/watchtower:1.20.3");
    // The notification URL (credentials) is a file that Watchtower reads; only its path is in the environment.
    expect(wt.env).toEqual(["DOCKER_HOST=tcp://socket-proxy:2375", "WATCHTOWER_LABEL_ENABLE=true", "WATCHTOWER_MONITOR_ONLY=true", "WATCHTOWER_NOTIFICATION_URL=/run/secrets/watchtower_notify_url", "WATCHTOWER_NOTIFICATION_URL_FILE=/run/secrets/watchtower_notify_url", "WATCHTOWER_SCHEDULE=0 0 4 * * *"]);
    expect(wt.upload).toContainEqual({ file: "/run/secrets/watchtower_notify_url", content: "${var.watchtower_notify_url}", permissions: "0444" });
    expect(wt.volumes).toBeUndefined();
    expect(containers(json)["watched_web"].labels).toContainEqual({ label: "com.centurylinklabs.watchtower.enable", value: "true" });
    expect(evaluateHomelab(h.app).errors).toEqual([]);
  });

  test("a database opted in is a policy error (DH-AUTO-UPDATE-DATABASE)", () => {
    const h = buildReferenceHomelab(testApp());
    new Watchtower(h.apps, "watchtower", { engine: h.engine });
    new Postgres(h.apps, "pg", { engine: h.engine, password: new Secret(h.apps, "pg_pw") }).stack.addService("db2", { image: "postgres:16.4-alpine", memoryLimitMb: 256, restart: "unless-stopped", securityOpt: ["no-new-privileges:true"], labels: WATCHTOWER_OPT_IN });
    expect(evaluateHomelab(h.app).errors.map((e) => [e.ruleId, e.path])).toEqual([["DH-AUTO-UPDATE-DATABASE", "dockhost-apps/pg/stack/service-db2"]]);
  });

  test.each([
    [{ mode: "update" as const }, /watchtower: invalid mode = "update"; "monitor": a container Watchtower recreates gets a new id under the same name/],
    [{ schedule: "0 4 * * *" }, /invalid schedule = "0 4 \* \* \*"; a six-field cron/],
  ])("refuses %j", (props, message) => {
    const h = buildReferenceHomelab(testApp());
    expect(inputError(() => new Watchtower(h.apps, "watchtower", { engine: h.engine, ...props }))).toMatch(message);
  });
});
