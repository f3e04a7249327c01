/**
 * Host tier: the stand-in Docker provider's read-back model (support/terraform/standin-readback.js)
 * against a real engine, and Secrets against `docker inspect`. One test host, booted with the
 * reference homelab's user-data (so dockerd reads our daemon.json: json-file, max-size 10m,
 * max-file 3), Debian's docker.io 20.10 (API 1.41).
 *
 * Containers are created the way kreuzwerker/docker 3.6.2 creates them: its create request
 * (resourceDockerContainerCreate, resource_docker_container_funcs.go) sent to the Engine API over
 * the engine's socket, never through the docker CLI (which normalises on its own), then read
 * back the way its resourceDockerContainerRead does. Who normalises what:
 * - CLIENT (github.com/docker/docker v28.1.1, kreuzwerker's go.mod; client/container_create.go
 *   normalizeCapabilities): capabilities upper-cased, `CAP_`-prefixed, sorted, unique, before the
 *   request leaves. kreuzwerker itself (resource_docker_container_structures.go
 *   deviceSetToDockerDevices): a device without container_path gets the host path and `rwm`.
 *   These are in `kreuzwerkerCreateRequest` below: the engine check is that the engine keeps them.
 * - ENGINE (moby daemon): memory_swap = 2 × memory when unset (daemon_unix.go adaptContainerSettings),
 *   the daemon's log driver and log-opts merged in (daemon/logs.go mergeAndVerifyLogConfig),
 *   shm 64 MiB (daemon_unix.go), healthcheck durations stored as nanoseconds.
 * - READ (kreuzwerker): MiB divisions, Go Duration.String() of the durations, extra hosts split
 *   on ":" (flattenExtraHosts): `kreuzwerkerRead` below.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import { App } from "cdktf";
import { goDurationString } from "../../lib/engine-forms";
import { ENGINE_READBACK_CHECK } from "../../lib/compatibility";
import { importStandinImages } from "../support/standin-images";
import { bootReferenceHost, referenceHomelabOn } from "../support/reference-host";
import { REFERENCE_APPS_VARS, StackJson, synthAll } from "../support/synth";
import { allowedEnvPath, sentinelPaths } from "../support/sentinel-paths";
import { evaluateTemplate } from "../support/terraform-template";
import { createTestNetwork, ensureRoot, hostTier, TestHost, TestNetwork, teardownHostTier } from "../support/test-hosts";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const readback = require("../support/terraform/standin-readback.js");

const MIB = 1024 * 1024;
const STANDIN = "dockhost-readback-standin:1";

/** A list block as cdktf writes it (an object for one block) or as state holds it (a list). */
const blocks = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/**
 * The Engine API body kreuzwerker 3.6.2 sends for a docker_container's attributes (the ones our
 * stacks and these tests use), with the client's capability normalisation applied.
 */
function kreuzwerkerCreateRequest(c: any, image: string): any {
  const health = blocks(c.healthcheck)[0];
  const caps = blocks(c.capabilities)[0];
  // time.ParseDuration of each duration.
  const ns = (d: string | undefined) => (d ? durationNs(d) : 0);
  return {
    Image: image,
    Env: c.env,
    Cmd: c.command,
    Entrypoint: c.entrypoint,
    User: c.user,
    WorkingDir: c.working_dir,
    Labels: c.labels ? Object.fromEntries(blocks(c.labels).map((l) => [l.label, l.value])) : undefined,
    Healthcheck: health && { Test: health.test, Interval: ns(health.interval), Timeout: ns(health.timeout), StartPeriod: ns(health.start_period), Retries: health.retries ?? 0 },
    HostConfig: {
      RestartPolicy: { Name: c.restart ?? "no" },
      ReadonlyRootfs: c.read_only ?? false,
      LogConfig: { Type: c.log_driver ?? "", Config: c.log_opts },
      Tmpfs: c.tmpfs,
      SecurityOpt: c.security_opts,
      CapAdd: caps ? readback.normalizeCapabilities(caps.add ?? []) : undefined,
      CapDrop: caps ? readback.normalizeCapabilities(caps.drop ?? []) : undefined,
      // deviceSetToDockerDevices: no container path -> the host path, falling through to "rwm".
      Devices: blocks(c.devices).map((d) => ({
        PathOnHost: d.host_path,
        PathInContainer: d.container_path || d.host_path,
        CgroupPermissions: !d.container_path || !d.permissions ? "rwm" : d.permissions,
      })),
      Memory: (c.memory ?? 0) * MIB,
      MemorySwap: c.memory_swap > 0 ? c.memory_swap * MIB : (c.memory_swap ?? 0),
      ShmSize: (c.shm_size ?? 0) * MIB,
      ExtraHosts: c.host ? blocks(c.host).map((h) => `${h.host}:${h.ip}`) : undefined,
      CpuPeriod: c.cpu_period,
      CpuQuota: c.cpu_quota,
    },
  };
}

/** Nanoseconds of a Go duration string (independent of the model's formatter). */
function durationNs(text: string): number {
  const unit: Record<string, number> = { h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, ns: 1 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) total += Number(n) * unit[u];
  return total;
}

/** What resourceDockerContainerRead sets from `docker inspect` (resource_docker_container_funcs.go). */
function kreuzwerkerRead(inspect: any): Record<string, unknown> {
  const hc = inspect.HostConfig;
  const health = inspect.Config.Healthcheck;
  return {
    capabilities: (hc.CapAdd?.length ?? 0) > 0 || (hc.CapDrop?.length ?? 0) > 0 ? [{ add: hc.CapAdd ?? [], drop: hc.CapDrop ?? [] }] : undefined,
    devices: (hc.Devices ?? []).map((d: any) => ({ host_path: d.PathOnHost, container_path: d.PathInContainer, permissions: d.CgroupPermissions })),
    memory: hc.Memory / MIB,
    memory_swap: hc.MemorySwap > 0 ? hc.MemorySwap / MIB : hc.MemorySwap,
    shm_size: hc.ShmSize / MIB,
    log_driver: hc.LogConfig.Type,
    log_opts: hc.LogConfig.Config,
    // Duration.String() of the stored nanoseconds (lib/engine-forms.ts's formatter, not the model's).
    healthcheck: health && [{
      test: health.Test,
      interval: goDurationString(`${(health.Interval ?? 0) / 1e6}ms`),
      timeout: goDurationString(`${(health.Timeout ?? 0) / 1e6}ms`),
      start_period: goDurationString(`${(health.StartPeriod ?? 0) / 1e6}ms`),
      start_interval: goDurationString(`${(health.StartInterval ?? 0) / 1e6}ms`),
      retries: health.Retries ?? 0,
    }],
    // flattenExtraHosts: strings.Split(extraHost, ":"), host = [0], ip = [1].
    host: hc.ExtraHosts ? hc.ExtraHosts.map((h: string) => ({ host: h.split(":")[0], ip: h.split(":")[1] })) : undefined,
  };
}

/** The fields the model normalises, where the model and the engine (through kreuzwerker's read) disagree. */
function modelMismatches(name: string, model: any, read: Record<string, unknown>): string[] {
  const canon = (v: unknown) => JSON.stringify(readback.canonical(v));
  return Object.keys(read)
    .filter((field) => canon(model[field]) !== canon(read[field]))
    .map((field) => `${name}.${field}: engine ${JSON.stringify(read[field])}, model ${JSON.stringify(model[field])}`);
}

/**
 * Containers with every setting the model normalises, as Terraform state attributes (what our
 * config would say). The model's claims for each are in standin-readback.js readContainer.
 */
const CASES: Record<string, any> = {
  // cAdvisor-like: lower-case capabilities, a device without container_path, memory without swap,
  // the daemon's log driver by default, durations Go prints differently, an IPv6 extra host.
  normalised: {
    capabilities: [{ add: ["syslog", "SYS_ADMIN"], drop: ["net_raw"] }],
    devices: [{ host_path: "/dev/kmsg" }, { host_path: "/dev/zero", permissions: "r" }],
    memory: 64,
    healthcheck: [{ test: ["CMD", "true"], interval: "1m", timeout: "90s", start_period: "1500ms", retries: 3 }],
    host: [{ host: "v4.example", ip: "192.0.2.7" }, { host: "v6.example", ip: "fd00::7" }],
  },
  // Our engine forms (lib/engine-forms.ts): everything given explicitly reads back unchanged.
  explicit: {
    capabilities: [{ add: ["CAP_SYSLOG"], drop: ["ALL"] }],
    devices: [{ host_path: "/dev/null", container_path: "/dev/null", permissions: "r" }],
    memory: 128,
    memory_swap: 256,
    shm_size: 32,
    log_driver: "json-file",
    log_opts: { "max-size": "5m" },
    healthcheck: [{ test: ["CMD-SHELL", "true"], interval: "1m0s", timeout: "5s", start_period: "0s", retries: 0 }],
  },
  // Another log driver: the daemon's log-opts are not merged in.
  "other-log-driver": { log_driver: "local", log_opts: { "max-size": "1m" }, memory: 32, memory_swap: -1 },
};

hostTier.describe("the read-back model and Secrets against a real engine (test host)", () => {
  let net: TestNetwork;
  let host: TestHost;
  let apps: StackJson;
  /** Empty until negotiated: the first call (GET /version) goes without a version prefix. */
  let apiVersion = "";
  const timings: Record<string, number> = {};

  /** One Engine API call over the host's socket (no network). */
  function api(method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ status: number; body: any }> {
    const payload = raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: `/proc/${host.leaderPid}/root/run/docker.sock`,
          method,
          path: apiVersion ? `/v${apiVersion}${path}` : path,
          headers: payload ? { "Content-Type": raw ? "application/x-tar" : "application/json", "Content-Length": payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // plain text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async function create(name: string, request: any): Promise<string> {
    const created = await api("POST", `/containers/create?name=${encodeURIComponent(name)}`, request);
    if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.Id;
  }

  const inspect = async (id: string) => (await api("GET", `/containers/${id}/json`)).body;

  beforeAll(async () => {
    const { root } = ensureRoot();
    net = createTestNetwork();
    const homelab = referenceHomelabOn(net);
    const stacks = synthAll(homelab.app as App);
    apps = stacks["dockhost-apps"];
    let started = Date.now();
    host = await bootReferenceHost(root, net, "readback", stacks["dockhost-infra"]);
    timings["boot + cloud-init"] = Date.now() - started;
    started = Date.now();
    // kreuzwerker negotiates: the highest version both sides speak (20.10: 1.41).
    apiVersion = (await api("GET", "/version")).body.ApiVersion;
    const images = Object.values<any>(apps.resource.docker_image).map((i) => ({ tag: i.name, ports: [] }));
    importStandinImages(host, [...images, { tag: STANDIN, ports: [] }], ["pg_isready", "curl"]);
    timings["stand-in images"] = Date.now() - started;
  }, 15 * 60_000);

  afterAll(() => {
    expect(teardownHostTier("readback-model", timings, net)).toEqual([]);
  });

  test("the engine's API version is the one the record says these checks ran on", () => {
    expect(host.sh("docker version -f '{{.Server.Version}}'").trim()).toMatch(new RegExp(`^${ENGINE_READBACK_CHECK.engineVersion.replace(".", "\\.")}\\.`));
    expect(apiVersion).toBe(ENGINE_READBACK_CHECK.apiVersion);
  });

  test("each setting the model normalises reads back from the real engine as the model says, field by field", async () => {
    const mismatches: string[] = [];
    const reads: Record<string, any> = {};
    for (const [name, attributes] of Object.entries(CASES)) {
      const id = await create(`readback-${name}`, kreuzwerkerCreateRequest(attributes, STANDIN));
      const read = kreuzwerkerRead(await inspect(id));
      reads[name] = read;
      mismatches.push(...modelMismatches(name, readback.READ.docker_container(readback.withDefaults("docker_container", attributes)), read));
    }
    // Differences between Debian's 20.10 and the Docker 29 the model describes are recorded in
    // lib/compatibility.ts (ENGINE_READBACK_CHECK.differences), not bent here.
    expect(mismatches).toEqual([...ENGINE_READBACK_CHECK.differences.map((d) => d.mismatch)]);
    // What the engine reported, for the record (and so the comparison is never between two empties).
    expect(reads.normalised).toMatchObject({
      capabilities: [{ add: ["CAP_SYSLOG", "CAP_SYS_ADMIN"], drop: ["CAP_NET_RAW"] }],
      devices: [{ host_path: "/dev/kmsg", container_path: "/dev/kmsg", permissions: "rwm" }, { host_path: "/dev/zero", container_path: "/dev/zero", permissions: "rwm" }],
      memory_swap: 128,
      shm_size: 64,
      log_driver: "json-file",
      log_opts: { "max-size": "10m", "max-file": "3" },
      healthcheck: [{ interval: "1m0s", timeout: "1m30s", start_period: "1.5s", start_interval: "0s", retries: 3 }],
      host: [{ host: "v4.example", ip: "192.0.2.7" }, { host: "v6.example", ip: "fd00" }],
    });
    expect(reads.explicit).toMatchObject({ memory_swap: 256, shm_size: 32, log_opts: { "max-size": "5m", "max-file": "3" }, devices: [{ permissions: "r" }] });
    expect(reads["other-log-driver"]).toMatchObject({ log_driver: "local", log_opts: { "max-size": "1m" }, memory_swap: -1 });
  });

  test("the comparison can fail: a model that forgot swap doubling and the CAP_ prefix is named field by field", async () => {
    const attributes = CASES.normalised;
    const read = kreuzwerkerRead(await inspect(`readback-normalised`));
    const wrong = { ...readback.READ.docker_container(attributes), memory_swap: undefined, capabilities: attributes.capabilities };
    expect(modelMismatches("normalised", wrong, read).map((m) => m.split(":")[0])).toEqual(["normalised.capabilities", "normalised.memory_swap"]);
  });

  test("the CAP_ prefix is the client's: the engine stores capabilities the way a request spells them", async () => {
    const id = await create("readback-raw-caps", { Image: STANDIN, HostConfig: { CapAdd: ["syslog"], CapDrop: ["net_raw"] } });
    const { HostConfig } = await inspect(id);
    expect([HostConfig.CapAdd, HostConfig.CapDrop]).toEqual([["syslog"], ["net_raw"]]);
  });

  /**
   * How Secrets reach a container today (constructs/compose-stack.ts, constructs/secret.ts):
   * - a `*_FILE` variable (the image's convention): the value is uploaded by kreuzwerker
   *   (`upload`, CopyToContainer) to /run/secrets/<secret>, and the variable holds only that path;
   * - any other variable: the value itself, e.g. inside PGRST_DB_URI (a documented trade-off:
   *   env is visible to `docker inspect`);
   * - never labels, command lines, healthchecks, user, hostname (refused at synth).
   * So the sentinel "belongs" in the file and in Config.Env entries of the variables the
   * synthesized env builds from a Secret, and nowhere else in `docker inspect`.
   */
  test("sentinel Secrets: docker inspect shows each only in the env variable it was given to; *_FILE secrets only in their file", async () => {
    const secretNames = Object.keys(REFERENCE_APPS_VARS).filter((v) => apps.variable[v]?.sensitive);
    expect(secretNames.sort()).toEqual(["app_db_password", "grafana_admin_password", "nextcloud_admin_password", "nextcloud_db_password"]);
    const sentinels = Object.fromEntries(secretNames.map((n) => [n, `SENTINEL${randomBytes(12).toString("hex")}`]));
    const resolve = (expression: string): string => {
      let m: RegExpExecArray | null;
      if ((m = /^var\.(\w+)$/.exec(expression))) return sentinels[m[1]] ?? (REFERENCE_APPS_VARS as Record<string, string>)[m[1]];
      if ((m = /^urlencode\(var\.(\w+)\)$/.exec(expression))) return encodeURIComponent(sentinels[m[1]]);
      if ((m = /^docker_network\.([\w-]+)\.name$/.exec(expression))) return apps.resource.docker_network[m[1]].name;
      if ((m = /^docker_image\.([\w-]+)\.image_id$/.exec(expression))) return apps.resource.docker_image[m[1]].name;
      throw new Error(`no test value for \${${expression}}`);
    };
    const render = (value: unknown): any => {
      const text = JSON.stringify(value);
      const expressions = [...new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]))];
      return JSON.parse(evaluateTemplate(text, Object.fromEntries(expressions.map((e) => [e, JSON.stringify(resolve(e)).slice(1, -1)]))));
    };
    const secretRef = new RegExp(`var\\.(${secretNames.join("|")})\\b`);
    const withSecrets = Object.entries<any>(apps.resource.docker_container).filter(([, c]) => secretRef.test(JSON.stringify(c)));
    expect(withSecrets.map(([key]) => key).sort()).toEqual(["app_api", "app_db", "monitoring_grafana", "nextcloud_app", "nextcloud_db"]);

    const leaks: string[] = [];
    const delivered: string[] = [];
    for (const [key, synthesized] of withSecrets) {
      const c = render(synthesized);
      const id = await create(`sentinel-${key}`, kreuzwerkerCreateRequest(c, c.image));
      // kreuzwerker's upload: one tar per file, its entry named by the full path, put at "/".
      for (const upload of blocks(c.upload)) {
        const entry = upload.file.replace(/^\//, "");
        host.sh(`rm -rf /tmp/upload && mkdir -p "$(dirname /tmp/upload/${entry})" && cat > /tmp/upload/${entry} && chmod ${upload.permissions ?? "0644"} /tmp/upload/${entry} && tar -C /tmp/upload -cf /tmp/upload.tar ${entry}`, { input: upload.content });
        const tar = fs.readFileSync(`/proc/${host.leaderPid}/root/tmp/upload.tar`);
        host.sh("rm -rf /tmp/upload /tmp/upload.tar");
        const put = await api("PUT", `/containers/${id}/archive?path=/`, undefined, tar);
        if (put.status !== 200) throw new Error(`upload ${upload.file} to ${key}: ${put.status} ${JSON.stringify(put.body)}`);
      }
      const start = await api("POST", `/containers/${id}/start`);
      if (start.status !== 204) throw new Error(`start ${key}: ${start.status} ${JSON.stringify(start.body)}`);
      // Where each secret belongs in this container: env entries the synthesized env builds from it.
      const allowedEnv = new Set(blocks(synthesized.env).filter((e: string) => secretRef.test(e)).map((e: string) => e.split("=")[0]));
      for (const file of blocks(synthesized.upload).filter((u) => secretRef.test(u.content))) {
        const name = secretRef.exec(file.content)![1];
        expect(host.sh(`docker exec ${id} cat ${file.file}`)).toBe(sentinels[name]);
        delivered.push(`${key}:${file.file}`);
      }
      // Healthchecks have run (their output lands in State.Health.Log) before the look.
      await new Promise((r) => setTimeout(r, 1500));
      const seen = await inspect(id);
      expect([key, seen.State.Running]).toEqual([key, true]);
      leaks.push(...sentinelPaths(seen, Object.values(sentinels)).filter((p) => !allowedEnvPath(seen, p, allowedEnv)).map((p) => `${key} ${p}`));
      for (const name of allowedEnv) delivered.push(`${key}:env ${name}`);
    }
    expect(leaks).toEqual([]);
    expect(delivered.sort()).toEqual([
      "app_api:env PGRST_DB_URI",
      "app_db:/run/secrets/app_db_password",
      "monitoring_grafana:/run/secrets/grafana_admin_password",
      "nextcloud_app:/run/secrets/nextcloud_admin_password",
      "nextcloud_app:/run/secrets/nextcloud_db_password",
      "nextcloud_db:/run/secrets/nextcloud_db_password",
    ]);
    // The check can fail: the same container with a Secret in a label is caught.
    const leaky = await create("sentinel-leaky", { Image: STANDIN, Labels: { "x.password": sentinels.app_db_password }, Cmd: ["--password", sentinels.app_db_password] });
    expect(sentinelPaths(await inspect(leaky), Object.values(sentinels))).toEqual(expect.arrayContaining(['Config.Labels["x.password"]', "Config.Cmd[1]", "Args[1]"]));
  });
});
