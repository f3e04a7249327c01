import * as path from "path";
import { parse } from "yaml";
import { ComposeServiceProps, ComposeStack } from "../constructs/compose-stack";
import { Secret } from "../constructs/secret";
import { buildReferenceHomelab } from "../main";
import { COMPOSE_FIXTURE_DIR, COMPOSE_FIXTURES as CORPUS, FIXTURE_VARIABLES } from "./support/compose-fixtures";

import { conformanceProblems } from "./support/schema-conformance";
import { StackJson, synthStack, testApp } from "./support/synth";
import { composeSpecValidator, describeSchemaErrors, runValidator } from "./support/validators";
import { needs } from "./support/requirements";

// Our own five stacks (no container_name, no relative binds: toComposeYaml does not yet write the
// keys the corpus added); the whole corpus is checked in compose/corpus.test.ts and cli/import.test.ts.
const COMPOSE_FIXTURES = CORPUS.slice(0, 5);

const DOCKER = "registry.terraform.io/kreuzwerker/docker";

/** An apps stack with an engine, as the reference homelab builds it, without its app stack. */
function appsStack() {
  const homelab = buildReferenceHomelab(testApp());
  return { apps: homelab.apps, engine: homelab.engine, homelab };
}

describe("the reference app stack (web, API, PostgreSQL, Redis)", () => {
  const { apps, appStack } = buildReferenceHomelab(testApp());
  const json = synthStack(apps);
  const containers = Object.fromEntries(Object.entries<any>(json.resource.docker_container).filter(([id]) => id.startsWith("app_")));

  test("one container per service, on the stack network with the service name as DNS alias", () => {
    expect(Object.keys(containers).sort()).toEqual(["app_api", "app_cache", "app_db", "app_web"]);
    expect(appStack.serviceList.map((s) => s.containerName).sort()).toEqual(["app-api", "app-cache", "app-db", "app-web"]);
    expect(json.resource.docker_network.app_network).toMatchObject({ name: "app", driver: "bridge" });
    for (const [id, container] of Object.entries<any>(containers)) {
      const service = id.replace("app_", "");
      expect(container.name).toBe(`app-${service}`);
      expect(container.networks_advanced[0]).toEqual({ name: "${docker_network.app_network.name}", aliases: [service] });
      expect(container.restart).toBe("unless-stopped");
      expect(container.log_opts).toEqual({ "max-size": "10m", "max-file": "3" });
      expect(container.memory).toBeGreaterThan(0);
      expect(container.image).toMatch(/^\$\{docker_image\.[^.]+\.image_id\}$/);
    }
  });

  test("pinned images, one docker_image each, kept on the host", () => {
    const images = Object.values<any>(json.resource.docker_image);
    expect(images.map((i) => i.name).sort()).toEqual([
      "ghcr.io/google/cadvisor:v0.60.5", "grafana/grafana:11.3.1", "nextcloud:30.0.13-apache", "nginx:1.27.3-alpine", "offen/docker-volume-backup:v2.48.2", "postgres:16.4-alpine", "postgrest/postgrest:v12.2.3",
      "prom/node-exporter:v1.8.2", "prom/prometheus:v2.55.1", "redis:7.4.1-alpine", "tecnativa/docker-socket-proxy:0.4.1", "traefik:v3.6.24",
    ]);
    images.forEach((image) => expect(image.keep_locally).toBe(true));
  });

  test("named volumes <stack>_<volume> that Terraform never owns: mounted by name, the old docker_volume forgotten, not destroyed", () => {
    expect(json.resource.docker_volume).toBeUndefined();
    expect(containers.app_db.volumes).toEqual([{ volume_name: "app_db-data", container_path: "/var/lib/postgresql/data" }]);
    expect(json.removed).toEqual(expect.arrayContaining([
      { from: "docker_volume.app_volume_db-data", lifecycle: { destroy: false } },
      { from: "docker_volume.app_volume_cache-data", lifecycle: { destroy: false } },
      { from: "docker_volume.proxy_volume_letsencrypt", lifecycle: { destroy: false } },
    ]));
  });

  test("healthchecks, and dependsOn service_healthy makes Terraform wait for the dependency", () => {
    expect(containers.app_db.healthcheck).toEqual({ test: ["CMD-SHELL", "pg_isready -U app -d app"], interval: "10s", timeout: "5s", retries: 5, start_period: "30s" });
    expect(containers.app_api.depends_on).toEqual(["docker_container.app_db", "docker_container.app_cache"]);
    expect(containers.app_db).toMatchObject({ wait: true, wait_timeout: 300 });
    expect(containers.app_cache).toMatchObject({ wait: true });
    expect(containers.app_web.depends_on).toEqual(["docker_container.app_api"]);
    expect(containers.app_api.wait).toBeUndefined();
  });

  test("secrets reach containers only as sensitive-variable references: env value or uploaded *_FILE", () => {
    expect(json.variable.app_db_password).toMatchObject({ sensitive: true, type: "string" });
    expect(json.variable.app_db_password.default).toBeUndefined();
    expect(containers.app_db.env).toContain("POSTGRES_PASSWORD_FILE=/run/secrets/app_db_password");
    expect(containers.app_db.upload).toContainEqual({ file: "/run/secrets/app_db_password", content: "${var.app_db_password}", permissions: "0444" });
    // The API's anonymous role is created read-only with the database, never the owner.
    expect(containers.app_db.upload).toContainEqual(expect.objectContaining({ file: "/docker-entrypoint-initdb.d/10-web-anon.sql", content: expect.stringContaining("CREATE ROLE web_anon NOLOGIN;") }));
    expect(containers.app_api.env).toContain("PGRST_DB_ANON_ROLE=web_anon");
    expect(containers.app_api.env).toContain("PGRST_DB_URI=postgres://app:${urlencode(var.app_db_password)}@db:5432/app");
  });

  test("every docker_* block conforms to the kreuzwerker/docker 3.6.2 schema", () => {
    expect(conformanceProblems(json, DOCKER, "docker_")).toEqual([]);
  });

  needs("docker-compose").test("exported compose YAML validates against the Compose Specification and docker-compose 1.29", () => {
    const yaml = appStack.toComposeYaml();
    expect(yaml).toContain("POSTGRES_PASSWORD: ${APP_DB_PASSWORD}");
    const validate = composeSpecValidator();
    const valid = validate(parse(yaml));
    expect(describeSchemaErrors(validate)).toBe("");
    expect(valid).toBe(true);
    const compose = runValidator("docker-compose", (file) => ["-f", file, "config", "-q"], yaml, { fileName: "compose.yml", env: { APP_DB_PASSWORD: "x".repeat(16) } });
    expect(compose.stderr).toBe("");
    expect(compose.code).toBe(0);
  });

  test("snapshot", () => {
    expect(json).toMatchSnapshot();
  });
});

describe("images are shared per engine", () => {
  test("two stacks with the same image make one docker_image", () => {
    const { apps, engine } = appsStack();
    new ComposeStack(apps, "other", { engine, services: { cache: { image: "redis:7.4.1-alpine", memoryLimitMb: 64 } } });
    const json = synthStack(apps);
    expect(Object.values<any>(json.resource.docker_image).filter((i) => i.name === "redis:7.4.1-alpine")).toHaveLength(1);
    expect(json.resource.docker_container.other_cache.image).toBe(json.resource.docker_container.app_cache.image);
  });
});

describe("volumeList: each volume's backup status, for VolumeBackup and the policy pack", () => {
  test("volumes are marked for backup unless opted out; external ones belong to their creator", () => {
    const { apps, engine } = appsStack();
    const stack = new ComposeStack(apps, "media", {
      engine,
      volumes: { config: {}, cache: { backup: false, noBackupReason: "thumbnails, rebuilt from the media" }, shared: { external: true } },
      services: {
        app: { image: "nginx:1.27.3-alpine", volumes: [{ volume: "config", target: "/config" }, { volume: "cache", target: "/cache" }, { volume: "shared", target: "/shared", readOnly: true }] },
        reader: { image: "nginx:1.27.3-alpine", volumes: [{ volume: "config", target: "/config", readOnly: true }] },
      },
    });
    const list = stack.volumeList();
    expect(list.map(({ volume, name, external, backup, noBackupReason }) => ({ volume, name, external, backup, noBackupReason }))).toEqual([
      { volume: "config", name: "media_config", external: false, backup: true, noBackupReason: undefined },
      { volume: "cache", name: "media_cache", external: false, backup: false, noBackupReason: "thumbnails, rebuilt from the media" },
      { volume: "shared", name: "shared", external: true, backup: false, noBackupReason: undefined },
    ]);
    expect(list[0].mounts.map((m) => [m.service.name, m.target, m.readOnly])).toEqual([["app", "/config", false], ["reader", "/config", true]]);
    expect(list[0].stack).toBe(stack);
  });
});

describe("compose labels", () => {
  test("off by default; on request containers and networks carry docker compose's labels", () => {
    const { apps, engine } = appsStack();
    new ComposeStack(apps, "labelled", { engine, composeLabels: true, volumes: { data: {} }, services: { app: { image: "nginx:1.27.3-alpine", volumes: [{ volume: "data", target: "/data" }] } } });
    const json = synthStack(apps);
    expect(json.resource.docker_container.labelled_app.labels).toEqual(expect.arrayContaining([
      { label: "com.docker.compose.project", value: "labelled" },
      { label: "com.docker.compose.service", value: "app" },
    ]));
    expect(json.resource.docker_network.labelled_network.labels).toContainEqual({ label: "com.docker.compose.project", value: "labelled" });
    expect(json.resource.docker_container.app_db.labels.map((l: { label: string }) => l.label)).not.toContainEqual(expect.stringMatching(/^com\.docker\.compose\./));
  });
});

describe("import of existing compose files", () => {
  function importFixture(file: string, secrets?: Record<string, Record<string, Secret>>): { stack: ComposeStack; json: StackJson } {
    const { apps, engine } = appsStack();
    // The reference homelab has a stack of its own named like a fixture (monitoring): import beside it.
    const name = path.basename(file, ".yml");
    const id = apps.node.tryFindChild(name) ? `${name}-fixture` : name;
    const stack = ComposeStack.fromFile(apps, id, path.join(COMPOSE_FIXTURE_DIR, file), { engine, variables: FIXTURE_VARIABLES, secrets });
    return { stack, json: synthStack(apps) };
  }

  test.each(COMPOSE_FIXTURES)("%s synthesizes one container per service and conforms to the schema", (file) => {
    const { stack, json } = importFixture(file);
    const names = stack.serviceList.map((s) => s.containerName).sort();
    const synthesized = Object.values<any>(json.resource.docker_container).map((c) => c.name).filter((n: string) => n.startsWith(`${stack.stackName}-`)).sort();
    expect(synthesized).toEqual(names);
    expect(conformanceProblems(json, DOCKER, "docker_")).toEqual([]);
  });

  test("gitea: the compose name becomes the stack name; depends_on healthy waits; digests and ports kept", () => {
    const { json } = importFixture("gitea.yml");
    const c = json.resource.docker_container;
    expect(c.forge_gitea.name).toBe("forge-gitea");
    expect(c.forge_gitea.depends_on).toEqual(["docker_container.forge_db"]);
    expect(c.forge_db.wait).toBe(true);
    // No host address: IPv4 and IPv6, as compose publishes it (the provider alone would bind 0.0.0.0 only).
    expect(c.forge_gitea.ports).toEqual([
      { internal: 2222, external: 2222, ip: "0.0.0.0" },
      { internal: 2222, external: 2222, ip: "::" },
      { internal: 3000, external: 3000, ip: "0.0.0.0" },
      { internal: 3000, external: 3000, ip: "::" },
    ]);
    expect(c.forge_gitea.env).toContain("GITEA__server__ROOT_URL=https://git.home.arpa/");
    expect(c.forge_gitea.volumes).toContainEqual({ host_path: "/etc/localtime", container_path: "/etc/localtime", read_only: true });
    expect(c.forge_gitea.restart).toBe("always");
  });

  test("jellyfin: /dev/dri device, UDP ports, host ip, external and internal networks, on-failure:5", () => {
    const { json } = importFixture("jellyfin.yml");
    const jellyfin = json.resource.docker_container.jellyfin_jellyfin;
    expect(jellyfin.devices).toEqual([{ host_path: "/dev/dri", container_path: "/dev/dri", permissions: "rwm" }]);
    expect(jellyfin.ports).toEqual([
      { internal: 8096, external: 8096, ip: "192.168.1.10", protocol: "tcp" },
      { internal: 7359, external: 7359, ip: "0.0.0.0", protocol: "udp" },
      { internal: 7359, external: 7359, ip: "::", protocol: "udp" },
      { internal: 1900, external: 1900, ip: "0.0.0.0", protocol: "udp" },
      { internal: 1900, external: 1900, ip: "::", protocol: "udp" },
    ]);
    expect(jellyfin.networks_advanced).toEqual([
      { name: "${docker_network.jellyfin_network.name}", aliases: ["jellyfin"] },
      { name: "proxy", aliases: ["jellyfin"] },
      { name: "${docker_network.jellyfin_network_media.name}", aliases: ["jellyfin"] },
    ]);
    expect(json.resource.docker_network.jellyfin_network_media).toMatchObject({ name: "jellyfin_media", internal: true });
    expect(json.resource.docker_network.proxy).toBeUndefined();
    expect(jellyfin).toMatchObject({ restart: "on-failure", max_retry_count: 5, user: "1000:1000", tmpfs: { "/transcode": "" } });
    expect(jellyfin.host).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
  });

  test("secrets given beside the file replace literal passwords", () => {
    const { apps, engine } = appsStack();
    const password = new Secret(apps, "forge_db_password");
    const yaml = "services:\n  db:\n    image: postgres:16.4\n";
    ComposeStack.fromYaml(apps, "forge", yaml, { engine, secrets: { db: { POSTGRES_PASSWORD_FILE: password } } });
    const db = synthStack(apps).resource.docker_container.forge_db;
    expect(db.env).toEqual(["POSTGRES_PASSWORD_FILE=/run/secrets/forge_db_password"]);
    expect(db.upload[0].content).toBe("${var.forge_db_password}");
  });

  test("a Secret given as an interpolation variable stays a sensitive reference, even inside a URL", () => {
    const { apps, engine } = appsStack();
    const password = new Secret(apps, "reader_db_password");
    const yaml = "services:\n  app:\n    image: miniflux/miniflux:2.2.3\n    environment:\n      DATABASE_URL: postgres://miniflux:${DB_PASSWORD}@db/miniflux\n";
    ComposeStack.fromYaml(apps, "reader", yaml, { engine, variables: { DB_PASSWORD: password } });
    const json = synthStack(apps);
    expect(json.resource.docker_container.reader_app.env).toEqual(["DATABASE_URL=postgres://miniflux:${var.reader_db_password}@db/miniflux"]);
    expect(json.variable.reader_db_password.sensitive).toBe(true);
  });

  test.each(CORPUS)("%s: import, export and import again give the same stack", (file) => {
    const { stack } = importFixture(file);
    const { apps, engine } = appsStack();
    // Uploaded files are props of the stack, not compose keys: they do not travel through YAML.
    const withoutFiles = (spec: ReturnType<ComposeStack["toSpec"]>) => ({ ...spec, services: Object.fromEntries(Object.entries(spec.services).map(([n, s]) => [n, { ...s, files: undefined }])) });
    const again = ComposeStack.fromYaml(apps, "again", stack.toComposeYaml(), { engine, stackName: stack.stackName });
    expect(withoutFiles(again.toSpec())).toEqual(withoutFiles(stack.toSpec()));
  });
});

describe("addService", () => {
  test("adds a container later; its dependencies must already be in the stack", () => {
    const { apps, appStack } = buildReferenceHomelab(testApp());
    const worker = appStack.addService("worker", { image: "postgrest/postgrest:v12.2.3", dependsOn: { db: "service_healthy" }, memoryLimitMb: 64 });
    expect(worker.containerName).toBe("app-worker");
    expect(synthStack(apps).resource.docker_container.app_worker).toMatchObject({ name: "app-worker", depends_on: ["docker_container.app_db"] });
    expect(() => appStack.addService("late", { image: "nginx:1.27.3-alpine", dependsOn: ["later"] })).toThrow(
      /^dockhost-apps\/app\/stack: invalid services\.late\.dependsOn = "later"/,
    );
    expect(() => appStack.addService("db", { image: "nginx:1.27.3-alpine" })).toThrow(/services\.db = "db"; a service name not already in the stack/);
  });
});

describe("ComposeStack bad input", () => {
  const ok: ComposeServiceProps = { image: "nginx:1.27.3-alpine" };
  const bad: Array<[string, Record<string, ComposeServiceProps>, RegExp]> = [
    ["invalid service name", { "Web App": ok }, /invalid services\.Web App = "Web App"; a service name of lowercase letters/],
    ["malformed image reference", { web: { image: "nginx:" } }, /invalid services\.web\.image = "nginx:"/],
    ["uppercase image repository", { web: { image: "Nginx:1.27" } }, /invalid services\.web\.image = "Nginx:1\.27"/],
    ["port above 65535", { web: { ...ok, ports: [{ containerPort: 80, hostPort: 70000 }] } }, /invalid services\.web\.ports\[0\]\.hostPort = 70000; a whole number from 1 to 65535/],
    ["container port 0", { web: { ...ok, ports: [{ containerPort: 0 }] } }, /invalid services\.web\.ports\[0\]\.containerPort = 0/],
    ["same host port twice", { web: { ...ok, ports: [{ containerPort: 80, hostPort: 8080 }] }, api: { ...ok, ports: [{ containerPort: 3000, hostPort: 8080 }] } }, /invalid services\.api\.ports\[0\] = "8080:3000"; .*already published by services\.web\.ports\[0\]/],
    ["volume target with ..", { web: { ...ok, volumes: [{ hostPath: "/srv/web", target: "/usr/share/../etc" }] } }, /invalid services\.web\.volumes\[0\]\.target = "\/usr\/share\/\.\.\/etc"/],
    ["host path neither absolute nor relative to the stack folder", { web: { ...ok, volumes: [{ hostPath: "html/site", target: "/usr/share/nginx/html" }] } }, /invalid services\.web\.volumes\[0\]\.hostPath = "html\/site"/],
    ["undeclared named volume", { web: { ...ok, volumes: [{ volume: "nope", target: "/data" }] } }, /invalid services\.web\.volumes\[0\]\.volume = "nope"/],
    ["dependsOn a missing service", { web: { ...ok, dependsOn: ["api"] } }, /invalid services\.web\.dependsOn = "api"; the name of a service of this stack: web/],
    ["dependsOn cycle", { a: { ...ok, dependsOn: ["b"] }, b: { ...ok, dependsOn: ["c"] }, c: { ...ok, dependsOn: ["a"] } }, /invalid services\.a\.dependsOn = "a -> b -> c -> a"; dependencies without a cycle/],
    ["healthcheck interval that is not a duration", { web: { ...ok, healthcheck: { test: ["CMD", "true"], interval: "10 seconds" } } }, /invalid services\.web\.healthcheck\.interval = "10 seconds"/],
    ["zero memory", { web: { ...ok, memoryLimitMb: 0 } }, /invalid services\.web\.memoryLimitMb = 0/],
  ];
  test.each(bad)("%s: clear error naming stack, service and key", (_, services, message) => {
    const { apps, engine } = appsStack();
    expect(() => new ComposeStack(apps, "shop", { engine, services })).toThrow(message);
    expect(() => new ComposeStack(apps, "shop2", { engine, services })).toThrow(/^dockhost-apps\/shop2: invalid /);
  });

  test("an unsupported compose key is an error naming service and key, not dropped", () => {
    const { apps, engine } = appsStack();
    const yaml = "services:\n  web:\n    image: nginx:1.27.3-alpine\n    cgroup: host\n";
    expect(() => ComposeStack.fromYaml(apps, "shop", yaml, { engine, source: "shop.yml" })).toThrow(/^compose file shop\.yml: invalid services\.web\.cgroup/);
  });

  test("a stack name docker compose would refuse", () => {
    const { apps, engine } = appsStack();
    expect(() => new ComposeStack(apps, "Shop", { engine })).toThrow(/^dockhost-apps\/Shop: invalid stackName = "Shop"/);
  });

  test("a secret also set as plain environment", () => {
    const { apps, engine } = appsStack();
    const secret = new Secret(apps, "shop_password");
    expect(() => new ComposeStack(apps, "shop", { engine, services: { web: { ...ok, environment: { PASSWORD: "x" }, secrets: { PASSWORD: secret } } } })).toThrow(
      /invalid services\.web\.secrets\.PASSWORD/,
    );
  });

  test("a secret name that cannot be a Terraform variable", () => {
    const { apps } = appsStack();
    expect(() => new Secret(apps, "DB-Password")).toThrow(/^dockhost-apps\/DB-Password: invalid id = "DB-Password"/);
  });

});
