/**
 * The corpus (fixtures/compose, modelled on what well-known projects publish) against an
 * independent reader: Debian's docker-compose 1.29 normalises each file (`config`: variables,
 * env_file, short syntaxes, relative paths), and every key it prints is compared, field by field,
 * with the docker_container (and docker_image, networks) that ComposeStack.fromFile synthesizes.
 * A key the comparison does not know fails the test: nothing is dropped unseen.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { parse, parseDocument } from "yaml";
import { ComposeStack } from "../../constructs/compose-stack";
import { splitShellWords } from "../../lib/compose/shell-words";
import { durationSeconds } from "../../lib/compose/duration";
import { parseMemory } from "../../lib/compose/memory";
import { buildReferenceHomelab } from "../../main";
import { COMPOSE_FIXTURE_DIR, COMPOSE_FIXTURES, FIXTURE_VARIABLES } from "../support/compose-fixtures";
import { synthAll, tempDir } from "../support/synth";

const STACKS_DIR = "/opt/docker/stacks";
const ADMIN_HOME = "/home/dockhost";

/**
 * docker-compose 1.29's reading of a fixture. It rejects two things of the current specification,
 * rewritten for it without changing meaning: the top-level `name` is left out (fromFile takes it
 * as the stack name), and a long-syntax port with `host_ip` becomes the short `ip:published:target/protocol`.
 */
function referenceConfig(file: string): any {
  const document = parseDocument(fs.readFileSync(path.join(COMPOSE_FIXTURE_DIR, file), "utf8"), { merge: true });
  document.delete("name");
  const services = document.get("services") as any;
  for (const item of services.items) {
    const ports = item.value.get?.("ports");
    ports?.items?.forEach((port: any, i: number) => {
      const p = port.toJSON?.();
      if (p && typeof p === "object" && p.host_ip) ports.set(i, `${p.host_ip}:${p.published}:${p.target}${p.protocol ? `/${p.protocol}` : ""}`);
    });
  }
  const text = document.toString();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "dc-home-"));
  const result = spawnSync("docker-compose", ["-f", "-", "--project-directory", COMPOSE_FIXTURE_DIR, "config"], {
    input: text,
    cwd: COMPOSE_FIXTURE_DIR,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: home, ...FIXTURE_VARIABLES },
  });
  fs.rmSync(home, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`docker-compose config ${file}: ${result.stderr}`);
  return { config: parse(result.stdout), home };
}

const unescape = (text: string): string => text.replaceAll("$$", "$");
/** A Terraform string literal as the container sees it (`$${` is a literal `${`). */
const literal = (value: any): any =>
  typeof value === "string" ? value.replaceAll("$${", "${").replaceAll("%%{", "%{") : Array.isArray(value) ? value.map(literal) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)])) : value;
/** Labels Dockhost's own constructs add (VolumeBackup's), not from the compose file. */
const DOCKHOST_LABEL = /^docker-volume-backup\./;
const words = (value: string | string[]): string[] => (typeof value === "string" ? splitShellWords(unescape(value), (a) => { throw new Error(a); }) : value.map(unescape));
/** Key order does not matter, undefined keys neither. */
const canonical = (value: any): string =>
  JSON.stringify(value, (_, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b))) : v));
const sorted = <T>(list: T[]): T[] => [...list].map((x) => JSON.parse(canonical(x))).sort((a, b) => canonical(a).localeCompare(canonical(b)));
const keyValues = (value: Record<string, unknown> | string[] | undefined): string[] =>
  sorted(Array.isArray(value) ? value.map(unescape) : Object.entries(value ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${unescape(String(v))}`));
const megabytes = (value: string | number): number => (typeof value === "number" ? value / 1024 / 1024 : parseMemory(value)!);

/** Compares one service; returns the compose keys it checked. */
function compareService(stack: string, service: string, want: any, json: any, home: string): string[] {
  const containers = json.resource.docker_container;
  const container = literal(Object.values<any>(containers).find((c) => c.name === (want.container_name ?? `${stack}-${service}`)));
  expect(container).toBeDefined();
  const checked: string[] = ["container_name"];
  const check = (key: string, actual: unknown, expected: unknown) => {
    checked.push(key);
    expect({ service, key, value: actual }).toEqual({ service, key, value: expected });
  };
  // The image: pulled by reference, or built (then the build block carries the context).
  const imageRef = /\$\{docker_image\.([^.]+)\.image_id\}/.exec(container.image)![1];
  const image = json.resource.docker_image[imageRef];
  check("image", image.name, want.image);
  if (want.build) {
    check("build", path.resolve(path.join(json.__stackDir, image.build.context.replace("${path.module}/", ""))), want.build.context);
  }
  check("command", container.command, want.command === undefined ? undefined : words(want.command));
  check("entrypoint", container.entrypoint, want.entrypoint === undefined ? undefined : words(want.entrypoint));
  check("environment", sorted(container.env ?? []), keyValues(want.environment));
  // 1.29 prints a port with a host address in the short form (its long syntax has no host_ip).
  const longPort = (p: any) => {
    if (typeof p !== "string") return p;
    const [spec, protocol] = p.split("/");
    const parts = spec.split(":");
    return { target: Number(parts.pop()), published: Number(parts.pop()), host_ip: parts.join(":") || undefined, protocol };
  };
  const ports = (want.ports ?? []).map(longPort).flatMap((p: any) => (p.host_ip ? [p.host_ip] : ["0.0.0.0", "::"]).map((ip: string) => ({ internal: p.target, external: p.published, ip, protocol: p.protocol ?? "tcp" })));
  check("ports", sorted((container.ports ?? []).map((p: any) => ({ ...p, protocol: p.protocol ?? "tcp" }))), sorted(ports.map((p: any) => JSON.parse(JSON.stringify(p)))));
  // Volumes: named volumes, binds (relative ones under the stack's folder, ~ in the admin's home),
  // local files uploaded instead of bound, tmpfs mounts.
  const binds: any[] = [];
  const uploads: Record<string, string> = {};
  const tmpfs: Record<string, string> = Object.fromEntries((want.tmpfs ?? []).map((t: string) => [t.split(":")[0], t.split(":").slice(1).join(":")]));
  for (const volume of want.volumes ?? []) {
    if (typeof volume === "object" && volume.type === "tmpfs") {
      tmpfs[volume.target] = volume.tmpfs?.size ? `size=${volume.tmpfs.size}` : "";
      continue;
    }
    const [source, target, mode] = typeof volume === "object" ? [volume.source, volume.target, volume.read_only ? "ro" : "rw"] : volume.split(":");
    const readOnly = mode?.split(",").includes("ro") ? true : undefined;
    if (!source.startsWith("/")) {
      binds.push({ volume_name: `${stack}_${source}`, container_path: target, read_only: readOnly });
    } else if (source.startsWith(`${COMPOSE_FIXTURE_DIR}/`) && fs.statSync(source, { throwIfNoEntry: false })?.isFile()) {
      uploads[target] = fs.readFileSync(source, "utf8");
    } else {
      const hostPath = source.startsWith(`${COMPOSE_FIXTURE_DIR}/`)
        ? path.posix.join(STACKS_DIR, stack, path.relative(COMPOSE_FIXTURE_DIR, source))
        : source.startsWith(`${home}/`) ? path.posix.join(ADMIN_HOME, path.relative(home, source)) : source;
      binds.push({ host_path: hostPath, container_path: target, read_only: readOnly });
    }
  }
  for (const from of want.volumes_from ?? []) binds.push({ from_container: from.startsWith("container:") ? from.slice(10) : `${stack}-${from.replace(/:r[ow]$/, "")}${/:r[ow]$/.exec(from)?.[0] ?? ""}` });
  checked.push("volumes_from");
  // Docker reads /app/data/ and /app/data alike; 1.29 prints the latter. Volume names resolve to the docker_volume's name.
  const actualVolumes = (container.volumes ?? []).map((v: any) => ({
    ...v,
    container_path: v.container_path?.replace(/(.)\/$/, "$1"),
    volume_name: v.volume_name?.replace(/^\$\{docker_volume\.([^.]+)\.name\}$/, (_: string, id: string) => json.resource.docker_volume[id].name),
  }));
  check("volumes", sorted(actualVolumes.map((v: any) => JSON.parse(JSON.stringify(v)))), sorted(binds.map((b) => JSON.parse(JSON.stringify(b)))));
  check("tmpfs", container.tmpfs ?? {}, tmpfs);
  const uploaded = Object.fromEntries((container.upload ?? []).map((u: any) => [u.file, u.content.replaceAll("$${", "${").replaceAll("%%{", "%{")]));
  expect({ service, uploads: uploaded }).toEqual({ service, uploads });
  check("labels", sorted((container.labels ?? []).filter((l: any) => !DOCKHOST_LABEL.test(l.label)).map((l: any) => `${l.label}=${l.value}`)), keyValues(want.labels));
  check("restart", container.restart, want.restart?.replace(/:\d+$/, "") ?? "no");
  // docker-compose 1.29 reads any `disable` key as disabling (compose/config/config.py:
  // `if 'disable' in hc: ... hc['test'] = ['NONE']`); compose v2 keeps the image's check for
  // `disable: false`, which is why Immich writes it. The importer follows v2.
  const hc = json.__source.services[service]?.healthcheck?.disable === false && Object.keys(json.__source.services[service].healthcheck).length === 1 ? undefined : want.healthcheck;
  // Durations compare by what they mean: the container holds Go's form (1m0s), as the engine reads it back.
  const seconds = (text: string | undefined) => text === undefined ? undefined : durationSeconds(text);
  const actualHc = container.healthcheck && { ...container.healthcheck, interval: seconds(container.healthcheck.interval), timeout: seconds(container.healthcheck.timeout), start_period: seconds(container.healthcheck.start_period) };
  check("healthcheck", actualHc && JSON.parse(JSON.stringify(actualHc)), hc && JSON.parse(JSON.stringify({
    test: hc.disable ? ["NONE"] : typeof hc.test === "string" ? ["CMD-SHELL", unescape(hc.test)] : hc.test.map(unescape),
    interval: seconds(hc.interval), timeout: seconds(hc.timeout), start_period: seconds(hc.start_period), retries: hc.retries,
  })));
  check("depends_on", sorted(container.depends_on ?? []), sorted(Object.keys(want.depends_on ?? {}).map((d) => {
    const other = Object.entries<any>(containers).find(([, c]) => c.name === `${stack}-${d}` || c.name === (json.__configs[d]?.container_name));
    return `docker_container.${other![0]}`;
  })));
  check("user", container.user, want.user);
  check("group_add", container.group_add, want.group_add);
  check("read_only", container.read_only, want.read_only);
  // The engine reads capabilities back with the CAP_ prefix (Docker client v28 container_create.go).
  const capabilities = (caps: string[] | undefined) => caps && sorted(caps.map((c) => (c === "ALL" || c.startsWith("CAP_") ? c : `CAP_${c}`)));
  check("cap_add", container.capabilities?.add && sorted(container.capabilities.add), capabilities(want.cap_add));
  check("cap_drop", container.capabilities?.drop && sorted(container.capabilities.drop), capabilities(want.cap_drop));
  check("security_opt", container.security_opts, want.security_opt);
  check("mem_limit", container.memory, want.mem_limit === undefined ? (want.deploy?.resources?.limits?.memory && megabytes(want.deploy.resources.limits.memory)) : megabytes(want.mem_limit));
  const cpus = want.cpus ?? want.deploy?.resources?.limits?.cpus;
  // `cpus` goes out as a CFS quota over a period (kreuzwerker 3.6.2 fails at create on `cpus`).
  check("cpus", container.cpu_quota === undefined ? undefined : container.cpu_quota / container.cpu_period, cpus === undefined ? undefined : Number(cpus));
  checked.push("deploy");
  check("logging", [container.log_driver, container.log_opts], want.logging ? [want.logging.driver, want.logging.options] : ["json-file", { "max-size": "10m", "max-file": "3" }]);
  check("hostname", container.hostname, want.hostname);
  check("shm_size", container.shm_size, want.shm_size && megabytes(want.shm_size));
  check("ulimits", sorted(container.ulimit ?? []), sorted(Object.entries(want.ulimits ?? {}).map(([name, v]: [string, any]) => ({ name, soft: v.soft ?? v, hard: v.hard ?? v }))));
  check("stop_grace_period", container.stop_timeout, want.stop_grace_period && durationSeconds(want.stop_grace_period));
  check("stop_signal", container.stop_signal, want.stop_signal);
  check("devices", sorted(container.devices ?? []), sorted((want.devices ?? []).map((d: string) => { const [host_path, container_path, permissions] = d.split(":"); return { host_path, container_path: container_path ?? host_path, permissions: permissions ?? "rwm" }; })));
  check("extra_hosts", sorted(container.host ?? []), sorted((want.extra_hosts ?? []).map((h: string) => ({ host: h.split(":")[0], ip: h.slice(h.indexOf(":") + 1) }))));
  check("working_dir", container.working_dir, want.working_dir);
  check("privileged", container.privileged, want.privileged);
  check("network_mode", container.network_mode, want.network_mode);
  check("pid", container.pid_mode, want.pid);
  check("ipc", container.ipc_mode, want.ipc);
  check("init", container.init, want.init);
  check("tty", container.tty, want.tty);
  check("stdin_open", container.stdin_open, want.stdin_open);
  check("sysctls", container.sysctls, want.sysctls);
  check("dns", container.dns, want.dns === undefined ? undefined : [want.dns].flat());
  // links: the linked service starts first (depends_on, checked above) and answers to the alias.
  for (const link of want.links ?? []) {
    const [target, alias = target] = link.split(":");
    const linked = Object.values<any>(containers).find((c) => c.name === `${stack}-${target}`);
    expect(JSON.parse(JSON.stringify(linked.networks_advanced))[0].aliases).toContain(alias);
  }
  checked.push("links");
  check("expose", undefined, undefined); // Docker metadata only: see the README (the provider has no ExposedPorts).
  // Networks: compose's default (the stack's own network) unless the list leaves it out.
  const networks = want.networks === undefined ? ["default"] : Array.isArray(want.networks) ? want.networks : Object.keys(want.networks);
  const networkNames = networks.map((n: string) => (n === "default" ? stack : json.__networks[n] ?? `${stack}_${n}`));
  checked.push("networks");
  if (want.network_mode !== "host") {
    const attached = JSON.parse(JSON.stringify(container.networks_advanced)).map((n: any) => n.name.replace(/^\$\{docker_network\.([^.]+)\.name\}$/, (_: string, id: string) => json.resource.docker_network[id].name));
    expect({ service, networks: sorted(attached) }).toEqual({ service, networks: sorted(networkNames) });
  }
  return checked;
}

describe("the corpus against docker-compose 1.29's reading of it", () => {
  let stacks: Record<string, any>;
  let outdir: string;
  beforeAll(() => {
    // A plain App: the corpus carries literal passwords as the projects publish them, which the
    // policy pack (DockhostApp) refuses; here only what the containers get matters.
    const app = new App({ outdir: tempDir("corpus"), stackTraces: false });
    outdir = app.outdir;
    const { apps, engine } = buildReferenceHomelab(app);
    COMPOSE_FIXTURES.forEach((file) =>
      ComposeStack.fromFile(apps, `corpus-${path.basename(file, ".yml")}`, path.join(COMPOSE_FIXTURE_DIR, file), { engine, variables: FIXTURE_VARIABLES, stackName: `c-${path.basename(file, ".yml")}` }),
    );
    stacks = synthAll(app);
  });

  it.each(COMPOSE_FIXTURES)("%s: every key docker-compose reads reaches the containers", (file) => {
    const stack = `c-${path.basename(file, ".yml")}`;
    const { config, home } = referenceConfig(file);
    const json = stacks["dockhost-apps"];
    json.__stackDir = path.join(outdir, "stacks", "dockhost-apps");
    json.__configs = config.services;
    json.__source = parse(fs.readFileSync(path.join(COMPOSE_FIXTURE_DIR, file), "utf8"), { merge: true });
    json.__networks = Object.fromEntries(Object.entries<any>(config.networks ?? {}).map(([key, n]) => [key, n?.name ?? (n?.external ? key : `${stack}_${key}`)]));
    for (const [service, want] of Object.entries<any>(config.services)) {
      // docker-compose 1.29 prints services of every profile; `up` without --profile starts none of them.
      if (want.profiles !== undefined) {
        expect(Object.values<any>(json.resource.docker_container).map((c) => c.name)).not.toContain(`${stack}-${service}`);
        continue;
      }
      const checked = compareService(stack, service, want, json, home);
      expect({ service, unchecked: Object.keys(want).filter((key) => !checked.includes(key)) }).toEqual({ service, unchecked: [] });
    }
    // A service left out by profiles is not created.
    const created = Object.values<any>(json.resource.docker_container).filter((c) => c.name.startsWith(`${stack}-`) || Object.values<any>(config.services).some((s) => s.container_name === c.name)).length;
    expect(created).toBe(Object.values<any>(config.services).filter((s) => s.profiles === undefined).length);
  });
});
