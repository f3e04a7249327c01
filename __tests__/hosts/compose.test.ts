/**
 * Host tier: the compose files `toComposeYaml()` exports, run for real on a test host (Docker
 * 20.10 and docker-compose 1.29 from Debian, stand-in images tagged with the real names), checked
 * against what the same stacks synthesize for Terraform; then the README's volume restore, run
 * as written on the host. The host boots with the reference homelab's user-data (swap off: the
 * swap file is the whole machine's).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { parse } from "yaml";
import { ComposeStack } from "../../constructs/compose-stack";
import { ReferenceHomelab } from "../../main";
import { bootReferenceHost, referenceHomelabOn } from "../support/reference-host";
import { allowedEnvPath, sentinelPaths } from "../support/sentinel-paths";
import { importStandinImages } from "../support/standin-images";
import { synthAll, StackJson } from "../support/synth";
import { createTestNetwork, hostTier, ensureRoot, TestHost, TestNetwork, teardownHostTier } from "../support/test-hosts";

/** A unique sentinel for the app's database password Secret, to find it in `docker inspect`. */
const DB_PASSWORD_SENTINEL = `SENTINEL${randomBytes(12).toString("hex")}`;
/** Variables the image stand-ins cannot see but compose needs to fill the secrets' placeholders. */
const COMPOSE_ENV = `APP_DB_PASSWORD=${DB_PASSWORD_SENTINEL}`;

hostTier.describe("compose stacks exported by toComposeYaml() on a test host", () => {
  let net: TestNetwork;
  let host: TestHost;
  let homelab: ReferenceHomelab;
  let other: ComposeStack;
  let apps: StackJson;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const { root } = ensureRoot();
    net = createTestNetwork();
    homelab = referenceHomelabOn(net);
    // A second stack on the same engine, for isolation between stacks.
    other = new ComposeStack(homelab.apps, "other", { engine: homelab.engine, services: { probe: { image: "busybox:1.36.1", restart: "unless-stopped", expose: [8080] } } });
    const stacks = synthAll(homelab.app as App);
    apps = stacks["dockhost-apps"];
    let started = Date.now();
    host = await bootReferenceHost(root, net, "compose", stacks["dockhost-infra"]);
    timings["boot + cloud-init"] = Date.now() - started;
    started = Date.now();
    const specs = [homelab.appStack, other].flatMap((stack) => Object.values(stack.toSpec().services));
    const applets = new Set(host.sh("busybox --list").split("\n"));
    const healthcheckCommands = specs.flatMap((spec) => {
      const test = spec.healthcheck?.test;
      if (!Array.isArray(test)) return [];
      return [test[0] === "CMD-SHELL" ? test[1].split(" ")[0] : test[1]];
    });
    const byImage = new Map<string, Set<number>>();
    for (const spec of specs) {
      const ports = byImage.get(spec.image!) ?? new Set<number>();
      (spec.expose ?? []).forEach((p) => ports.add(Number(p)));
      byImage.set(spec.image!, ports);
    }
    importStandinImages(host, [...byImage].map(([tag, ports]) => ({ tag, ports: [...ports] })), [...new Set(healthcheckCommands)].filter((c) => !applets.has(c)));
    for (const stack of [homelab.appStack, other]) {
      const dir = `/opt/docker/stacks/${stack.stackName}`;
      host.sh(`mkdir -p ${dir} && cat > ${dir}/docker-compose.yml`, { input: stack.toComposeYaml() });
      host.sh(`cd ${dir} && env ${COMPOSE_ENV} docker-compose -p ${stack.stackName} up -d --quiet-pull 2>&1`, { timeoutMs: 300_000 });
    }
    timings["stand-in images + compose up"] = Date.now() - started;
  }, 20 * 60_000);

  afterAll(() => {
    expect(teardownHostTier("compose", timings, net)).toEqual([]);
  });

  /** The container compose runs for `service` of `stack`. */
  const containerOf = (stack: string, service: string): string => host.sh(`cd /opt/docker/stacks/${stack} && docker-compose -p ${stack} ps -q ${service}`).trim();
  // Not `wget -T`: Debian 12's static busybox crashes with it; `timeout` bounds the wait instead.
  const execIn = (container: string, command: string) => host.exec(["docker", "exec", container, "sh", "-c", command]);

  test("services reach their peers by name", () => {
    const api = containerOf("app", "api");
    expect(execIn(api, "timeout 5 wget -qO- http://db:5432/").stdout).toBe("stand-in\n");
    expect(execIn(api, "timeout 5 wget -qO- http://cache:6379/").stdout).toBe("stand-in\n");
    expect(execIn(containerOf("app", "web"), "timeout 5 wget -qO- http://api:3000/").stdout).toBe("stand-in\n");
    // All four are running, the health-checked ones healthy (api waited for them).
    const states = host.sh("docker ps --filter label=com.docker.compose.project=app --format '{{.Label \"com.docker.compose.service\"}} {{.Status}}'");
    expect(states.split("\n").filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^api Up/),
      expect.stringMatching(/^cache Up .*\(healthy\)/),
      expect.stringMatching(/^db Up .*\(healthy\)/),
      expect.stringMatching(/^web Up/),
    ]);
  });

  test("a container of one stack cannot reach another stack's network, by name or by address", () => {
    const probe = containerOf("other", "probe");
    // Docker's DNS has no `db` for this network, and the upstream resolvers are out of reach: the
    // lookup waits until `timeout` ends it.
    const byName = execIn(probe, "timeout 3 wget -qO- http://db:5432/");
    expect(byName.code).not.toBe(0);
    expect(byName.stdout).toBe("");
    const dbAddress = host.sh(`docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${containerOf("app", "db")}`).trim();
    expect(dbAddress).toMatch(/^172\.30\.\d+\.\d+$/);
    const byAddress = execIn(probe, `timeout 3 wget -qO- http://${dbAddress}:5432/`);
    expect(byAddress.code).not.toBe(0);
    // The check can fail: from its own stack, the same address answers.
    expect(execIn(containerOf("app", "api"), `timeout 3 wget -qO- http://${dbAddress}:5432/`).stdout).toBe("stand-in\n");
  });

  test("a volume's data survives re-creation of its container", () => {
    const before = containerOf("app", "db");
    expect(execIn(before, "echo kept > /var/lib/postgresql/data/marker").code).toBe(0);
    host.sh(`cd /opt/docker/stacks/app && env ${COMPOSE_ENV} docker-compose -p app up -d --force-recreate --no-deps db 2>&1`, { timeoutMs: 120_000 });
    const after = containerOf("app", "db");
    expect(after).not.toBe(before);
    expect(execIn(after, "cat /var/lib/postgresql/data/marker").stdout).toBe("kept\n");
  });

  /** Where a running container and the synthesized docker_container of its service disagree. */
  function drift(inspect: any, container: any, service: string, stackName: string): string[] {
    const differences: string[] = [];
    const check = (what: string, actual: unknown, expected: unknown): void => {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) differences.push(`${service} ${what}: engine ${JSON.stringify(actual)}, Terraform ${JSON.stringify(expected)}`);
    };
    const volumeName = (ref: string): string => {
      const key = /docker_volume\.([^.]+)\.name/.exec(ref)?.[1];
      return key ? apps.resource.docker_volume[key].name : ref;
    };
    const imageEnv = new Set(["PATH", "STANDIN_PORTS"]);
    // A `X_FILE` secret is a file for Terraform and `X` in the exported compose file (documented).
    const fileSecrets = new Set((container.upload ?? []).map((u: any) => u.file));
    const terraformEnv = (container.env ?? []).map((e: string) => {
      const [name, ...value] = e.split("=");
      return name.endsWith("_FILE") && fileSecrets.has(value.join("=")) ? name.slice(0, -5) : name;
    });
    check("environment names", inspect.Config.Env.map((e: string) => e.split("=")[0]).filter((n: string) => !imageEnv.has(n)).sort(), [...terraformEnv].sort());
    check("memory limit (bytes)", inspect.HostConfig.Memory, (container.memory ?? 0) * 1024 * 1024);
    check("restart policy", inspect.HostConfig.RestartPolicy.Name, container.restart ?? "no");
    check("security options", inspect.HostConfig.SecurityOpt ?? [], container.security_opts ?? []);
    check("added capabilities", inspect.HostConfig.CapAdd ?? [], container.capabilities?.add ?? []);
    check("dropped capabilities", inspect.HostConfig.CapDrop ?? [], container.capabilities?.drop ?? []);
    check("log options", inspect.HostConfig.LogConfig, { Type: container.log_driver, Config: container.log_opts });
    check(
      "volume mounts",
      inspect.Mounts.filter((m: any) => m.Type === "volume").map((m: any) => `${m.Name}:${m.Destination}${m.RW ? "" : ":ro"}`).sort(),
      (container.volumes ?? []).map((v: any) => `${volumeName(v.volume_name)}:${v.container_path}${v.read_only ? ":ro" : ""}`).sort(),
    );
    check(
      "published ports",
      Object.entries(inspect.HostConfig.PortBindings ?? {}).flatMap(([port, bindings]: [string, any]) => bindings.map((b: any) => `${b.HostPort}:${port}`)).sort(),
      (container.ports ?? []).map((p: any) => `${p.external}:${p.internal}/${p.protocol ?? "tcp"}`).sort(),
    );
    check("healthcheck", inspect.Config.Healthcheck?.Test ?? null, container.healthcheck?.test ?? null);
    const aliases = Object.values<any>(inspect.NetworkSettings.Networks).flatMap((n) => n.Aliases ?? []);
    for (const alias of (container.networks_advanced ?? []).flatMap((n: any) => n.aliases ?? [])) {
      if (!aliases.includes(alias)) differences.push(`${service} network alias ${alias} missing on the engine (${stackName})`);
    }
    return differences;
  }

  test("docker inspect of each running container agrees with its synthesized docker_container", () => {
    const checked: string[] = [];
    for (const service of Object.keys(homelab.appStack.toSpec().services)) {
      const inspect = JSON.parse(host.sh(`docker inspect ${containerOf("app", service)}`))[0];
      const container = apps.resource.docker_container[`app_${service}`];
      expect(drift(inspect, container, service, "app")).toEqual([]);
      checked.push(service);
    }
    expect(checked.sort()).toEqual(["api", "cache", "db", "web"]);
    // The comparison can fail: a limit that drifted is named.
    const db = JSON.parse(host.sh(`docker inspect ${containerOf("app", "db")}`))[0];
    const drifted = { ...apps.resource.docker_container.app_db, memory: 512, restart: "always" };
    expect(drift(db, drifted, "db", "app")).toEqual([
      "db memory limit (bytes): engine 1073741824, Terraform 536870912",
      'db restart policy: engine "unless-stopped", Terraform "always"',
    ]);
  });

  /**
   * An exported compose file cannot upload files: a `*_FILE` secret becomes the plain variable
   * (`POSTGRES_PASSWORD: ${APP_DB_PASSWORD}`, documented in toComposeYaml), so in this path the
   * value belongs in that one env entry of the database, and in the API's database URL
   * (`PGRST_DB_URI: postgres://app:${APP_DB_PASSWORD}@db...`), and nowhere else in `docker inspect`
   * (labels, command, healthcheck and its log, other containers). The Terraform path, where it
   * lives only in /run/secrets, is checked in readback-model.test.ts.
   */
  test("sentinel Secret: docker inspect shows it only in the env variable compose gives it to", () => {
    const found: string[] = [];
    for (const [stack, services] of [["app", Object.keys(homelab.appStack.toSpec().services)], ["other", ["probe"]]] as const) {
      for (const service of services) {
        const inspect = JSON.parse(host.sh(`docker inspect ${containerOf(stack, service)}`))[0];
        const allowed = new Set(["POSTGRES_PASSWORD", "PGRST_DB_URI"]);
        found.push(...sentinelPaths(inspect, [DB_PASSWORD_SENTINEL]).map((p) => `${stack}/${service} ${allowedEnvPath(inspect, p, allowed) ? inspect.Config.Env[Number(/\d+/.exec(p)![0])].split("=")[0] : p}`));
      }
    }
    expect(found.sort()).toEqual(["app/api PGRST_DB_URI", "app/db POSTGRES_PASSWORD"]);
  });

  test("restore drill: the README's volume restore brings deleted data back", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const block = /<!-- begin restore-volume -->\n```sh\n([\s\S]*?)```\n<!-- end restore-volume -->/.exec(readme);
    expect(block).not.toBeNull();
    // Terraform's container and volume names (app-db, app_db-data), as on a deployed homelab;
    // compose's db container, on the same volume, goes first.
    host.sh(`docker rm -f ${containerOf("app", "db")} >/dev/null`);
    host.sh("docker volume create app_db-data >/dev/null && docker run -d --name app-db -v app_db-data:/var/lib/postgresql/data postgres:16.4-alpine >/dev/null");
    host.sh("docker exec app-db sh -c 'echo precious > /var/lib/postgresql/data/PG_VERSION && mkdir -p /var/lib/postgresql/data/base && echo row > /var/lib/postgresql/data/base/1'");
    // The nightly backup's archive: offen/docker-volume-backup builds it in /tmp and names each entry
    // by its path minus that folder (cmd/backup/archive.go, writeTarball), so entries keep their
    // leading slash: /backup/app_db-data/... GNU tar with -P writes the same names.
    host.sh(
      "rm -rf /tmp/stage && mkdir -p /tmp/stage/backup /var/backups/dockhost && cp -a \"$(docker volume inspect -f '{{.Mountpoint}}' app_db-data)\" /tmp/stage/backup/app_db-data && " +
        "tar -C /tmp/stage -czPf /var/backups/dockhost/dockhost-2026-12-06T03-00-00.tar.gz --transform 's|^backup|/backup|' backup && rm -rf /tmp/stage",
    );
    expect(host.sh("tar -tzPf /var/backups/dockhost/dockhost-2026-12-06T03-00-00.tar.gz").split("\n")).toEqual(expect.arrayContaining(["/backup/app_db-data/", "/backup/app_db-data/PG_VERSION"]));
    // Disaster: container and volume gone; Terraform re-creates both, empty.
    host.sh("docker rm -f app-db >/dev/null && docker volume rm app_db-data >/dev/null");
    host.sh("docker volume create app_db-data >/dev/null && docker run -d --name app-db -v app_db-data:/var/lib/postgresql/data postgres:16.4-alpine >/dev/null");
    expect(host.exec(["docker", "exec", "app-db", "cat", "/var/lib/postgresql/data/PG_VERSION"]).code).not.toBe(0);
    const restore = host.exec(["sh", "-ec", block![1]]);
    expect(restore.stderr).not.toMatch(/error|cannot|not found/i);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain("restoring app_db-data from /var/backups/dockhost/dockhost-2026-12-06T03-00-00.tar.gz");
    expect(host.sh("docker exec app-db cat /var/lib/postgresql/data/PG_VERSION /var/lib/postgresql/data/base/1")).toBe("precious\nrow\n");
    expect(host.sh("docker inspect -f '{{.State.Running}}' app-db").trim()).toBe("true");
  });

  test("the exported compose files are the ones that ran", () => {
    const files = [homelab.appStack, other].map((stack) => parse(host.sh(`cat /opt/docker/stacks/${stack.stackName}/docker-compose.yml`)));
    expect(files.map((f) => Object.keys(f.services).sort())).toEqual([["api", "cache", "db", "web"], ["probe"]]);
  });
});
