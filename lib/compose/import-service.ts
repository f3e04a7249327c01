/**
 * Reads one entry of a compose file's `services` into a {@link ServiceSpec}, accepting the short
 * and long syntaxes compose allows. Keys the model cannot represent are errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { ComposeReader, Field } from "./compose-reader";
import { parseMemory } from "./memory";
import {
  BuildSpec,
  DEPENDENCY_CONDITIONS,
  dependencyConditions,
  DependencyCondition,
  DependsOnSpec,
  DeviceSpec,
  HealthcheckSpec,
  isBindMount,
  LoggingSpec,
  PORT_PROTOCOLS,
  PortProtocol,
  PortSpec,
  ServiceSpec,
  STACK_NETWORK,
  VolumeMount,
} from "./service";
import { isRelativeHostPath } from "./validate";
import { splitShellWords } from "./shell-words";
import { parseDevice, parsePort, parseRestart, parseVolume } from "./short-syntax";

const SERVICE_KEYS = [
  "image",
  "build",
  "container_name",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "expose",
  "ports",
  "volumes",
  "volumes_from",
  "networks",
  "links",
  "labels",
  "healthcheck",
  "restart",
  "depends_on",
  "user",
  "group_add",
  "read_only",
  "cap_add",
  "cap_drop",
  "security_opt",
  "mem_limit",
  "cpus",
  "deploy",
  "logging",
  "hostname",
  "tmpfs",
  "shm_size",
  "ulimits",
  "stop_grace_period",
  "stop_signal",
  "devices",
  "extra_hosts",
  "working_dir",
  "privileged",
  "network_mode",
  "pid",
  "ipc",
  "init",
  "tty",
  "stdin_open",
  "sysctls",
  "dns",
  "profiles",
];

/** What to do instead, for keys that compose files often carry. */
const SERVICE_HINTS: Readonly<Record<string, string>> = {
  secrets:
    "pass each secret to ComposeStack.fromFile's secrets option (`{ <service>: { NAME_FILE: new Secret(...) } }` lands in /run/secrets), or run `dockhost import`",
  configs: "mount the file with a relative bind (./file:/target), which the import uploads",
};

const MEMORY_FORM = "a memory size such as 512m, 1g, 1.5gb or a number of bytes";

/** What reading one service needs besides the field. */
export interface ServiceContext {
  /** The service's name. */
  readonly name: string;
  /** Compose project name: names a built image that has no `image`. */
  readonly projectName: string;
  /** Folder of the compose file on this machine: env_file, build contexts and bind sources are read there. */
  readonly baseDir?: string;
  /** Values of the import's variables, for `environment` entries without a value. */
  readonly variables: Readonly<Record<string, string>>;
}

/** One service as read: its spec, the files to upload into it, and its links (resolved across services). */
export interface ReadService {
  readonly spec: ServiceSpec;
  /** Files to write into the container, by container path: local files bound by a relative path. */
  readonly files: Record<string, string>;
  /** `links` as [service, alias]. */
  readonly links: Array<[string, string]>;
  /** Networks from the long syntax, with their aliases. */
  readonly aliases: string[];
}

/** Reads one service; `field` is `services.<name>`. Problems are recorded in the reader. */
export function readService(reader: ComposeReader, field: Field, context: ServiceContext): ReadService {
  const f = reader.fields(field, SERVICE_KEYS, SERVICE_HINTS);
  const read = <T>(name: string, as: (field: Field) => T): T | undefined => {
    const child = f[name];
    return child === undefined ? undefined : reader.attempt(() => as(child));
  };
  const strings = (child: Field) => reader.strings(child);
  const limits = reader.attempt(() => readDeployLimits(reader, f.deploy)) ?? {};
  const files: Record<string, string> = {};
  const build = read("build", (x) => readBuild(reader, x, context));
  const networks = read("networks", (x) => readNetworks(reader, x)) ?? { names: undefined, aliases: [] };
  const volumes = read("volumes", (x) => reader.list(x).flatMap((item) => reader.attempt(() => readMount(reader, item, context, files)) ?? []));
  const mounts = volumes?.filter((m): m is VolumeMount => !("tmpfs" in m));
  const tmpfsMounts = volumes?.flatMap((m) => ("tmpfs" in m ? [m.tmpfs] : [])) ?? [];
  const tmpfs = [...(read("tmpfs", (x) => readTmpfs(reader, x)) ?? []), ...tmpfsMounts];
  const environment = {
    ...read("env_file", (x) => readEnvFiles(reader, x, context)),
    ...read("environment", (x) => readEnvironment(reader, x, context)),
  };
  const commands = readCommands(reader, read("command", (x) => readCommand(reader, x)), read("entrypoint", (x) => readCommand(reader, x)), f.entrypoint);
  const links = read("links", (x) => reader.strings(x).map((link): [string, string] => { const [service, alias = service] = link.split(":"); return [service, alias]; })) ?? [];
  const dependsOn = read("depends_on", (x) => readDependsOn(reader, x));
  const spec: ServiceSpec = {
    image:
      read("image", (x) => reader.string(x)) ??
      (build !== undefined ? `${context.projectName}-${context.name}` : f.image === undefined ? reader.attempt(() => reader.fail(reader.child(field, "image", undefined), "an image reference, or build")) ?? "" : ""),
    build,
    containerName: read("container_name", (x) => reader.string(x)),
    command: commands.command,
    entrypoint: commands.entrypoint,
    environment: Object.keys(environment).length > 0 ? environment : undefined,
    expose: read("expose", (x) => reader.list(x).map((item) => readExpose(reader, item))),
    ports: read("ports", (x) => reader.list(x).flatMap((item) => reader.attempt(() => readPort(reader, item)) ?? [])),
    volumes: mounts && mounts.length > 0 ? mounts : undefined,
    volumesFrom: read("volumes_from", strings),
    networks: nonEmpty(networks.names?.filter((name) => name !== STACK_NETWORK)),
    defaultNetwork: networks.names === undefined || networks.names.includes(STACK_NETWORK) ? undefined : false,
    labels: read("labels", (x) => readKeyValues(reader, x)),
    healthcheck: read("healthcheck", (x) => readHealthcheck(reader, x)),
    restart: read("restart", (x) => parseRestart(reader.string(x), reader.failure(x))),
    dependsOn: mergeLinks(dependsOn, links),
    user: read("user", (x) => reader.string(x)),
    groupAdd: read("group_add", strings),
    readOnly: read("read_only", (x) => reader.boolean(x)),
    capAdd: read("cap_add", strings),
    capDrop: read("cap_drop", strings),
    securityOpt: read("security_opt", strings),
    memoryLimitMb: mergedLimit(
      reader,
      read("mem_limit", (x) => readMemory(reader, x)),
      limits.memory,
      "mem_limit",
    ),
    cpus: mergedLimit(
      reader,
      read("cpus", (x) => reader.number(x)),
      limits.cpus,
      "cpus",
    ),
    logging: read("logging", (x) => readLogging(reader, x)),
    hostname: read("hostname", (x) => reader.string(x)),
    tmpfs: tmpfs.length > 0 ? tmpfs : undefined,
    shmSizeMb: read("shm_size", (x) => readWholeMegabytes(reader, x)),
    ulimits: read("ulimits", (x) => readUlimits(reader, x)),
    stopGracePeriod: read("stop_grace_period", (x) => reader.string(x)),
    stopSignal: read("stop_signal", (x) => reader.string(x)),
    devices: read("devices", (x) => reader.list(x).map((item) => readDevice(reader, item))),
    extraHosts: read("extra_hosts", (x) => readExtraHosts(reader, x)),
    workingDir: read("working_dir", (x) => reader.string(x)),
    privileged: read("privileged", (x) => reader.boolean(x)),
    networkMode: read("network_mode", (x) => hostOnly(reader, x, "services join the stack network and the networks listed under networks")),
    pid: read("pid", (x) => hostOnly(reader, x, "a private process namespace is the default")),
    ipc: read("ipc", (x) => hostOnly(reader, x, "a private IPC namespace is the default")),
    init: read("init", (x) => reader.boolean(x)),
    tty: read("tty", (x) => reader.boolean(x)),
    stdinOpen: read("stdin_open", (x) => reader.boolean(x)),
    sysctls: read("sysctls", (x) => readKeyValues(reader, x, "a value for the kernel parameter")),
    dns: read("dns", (x) => reader.stringOrStrings(x)),
  };
  return { spec: dropUndefined(spec), files, links, aliases: networks.aliases };
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list !== undefined && list.length > 0 ? list : undefined;
}

/** Leaves keys whose value is undefined out, so that specs compare and print cleanly. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `links: [db, "db:database"]`: compose starts the linked service first. */
function mergeLinks(dependsOn: DependsOnSpec | undefined, links: ReadonlyArray<[string, string]>): DependsOnSpec | undefined {
  if (links.length === 0) return dependsOn;
  const conditions: Record<string, DependencyCondition> = { ...dependencyConditions(dependsOn) };
  for (const [service] of links) conditions[service] ??= "service_started";
  return conditions;
}

/**
 * `entrypoint: []` clears the image's entrypoint in compose. kreuzwerker/docker 3.6.2 sends no
 * entrypoint for an empty list (`d.GetOk("entrypoint")` in resource_docker_container_funcs.go),
 * so the image's would run: the command's first word becomes the entrypoint instead, which runs
 * the same process.
 */
function readCommands(
  reader: ComposeReader,
  command: string[] | undefined,
  entrypoint: string[] | undefined,
  entrypointField: Field | undefined,
): { command?: string[]; entrypoint?: string[] } {
  if (entrypoint === undefined || entrypoint.length > 0) return { command, entrypoint };
  if (command === undefined || command.length === 0) {
    reader.attempt(() =>
      reader.fail(entrypointField!, "with entrypoint: [], a command: the Docker provider cannot clear the image's entrypoint, so the command's first word becomes it"),
    );
    return {};
  }
  const [program, ...args] = command;
  return { entrypoint: [program], command: args.length > 0 ? args : undefined };
}

/** `network_mode`, `pid` and `ipc`: the model has `host` only; other values have a hint. */
function hostOnly(reader: ComposeReader, field: Field, otherwise: string): "host" {
  const value = reader.string(field);
  return value === "host" ? value : reader.fail(field, `"host" (${otherwise})`);
}

/** A limit read from `deploy.resources.limits`, with its field for error messages. */
interface DeployLimit {
  readonly value: number;
  readonly field: Field;
}

/** `deploy.resources.limits.memory` and `.cpus`; the rest of `deploy` is for Swarm. */
function readDeployLimits(
  reader: ComposeReader,
  deploy: Field | undefined,
): { memory?: DeployLimit; cpus?: DeployLimit } {
  if (deploy === undefined) return {};
  const resources = reader.fields(deploy, ["resources"]).resources;
  const limits =
    resources && reader.fields(resources, ["limits"], { reservations: "the model has limits only" }).limits;
  if (limits === undefined) return {};
  const { memory, cpus } = reader.fields(limits, ["memory", "cpus"]);
  return {
    memory: memory && { value: readMemory(reader, memory), field: memory },
    cpus: cpus && { value: reader.number(cpus), field: cpus },
  };
}

/** Compose has two keys for each limit; both may be set when they agree. */
function mergedLimit(
  reader: ComposeReader,
  direct: number | undefined,
  deploy: DeployLimit | undefined,
  directKey: string,
): number | undefined {
  if (deploy === undefined) return direct;
  if (direct !== undefined && direct !== deploy.value) reader.fail(deploy.field, `the same limit as ${directKey}`);
  return deploy.value;
}

function readMemory(reader: ComposeReader, field: Field): number {
  const value = typeof field.value === "number" ? field.value : reader.string(field);
  return parseMemory(value) ?? reader.fail(field, MEMORY_FORM);
}

/** A list, or a string split into words as compose splits it. */
function readCommand(reader: ComposeReader, field: Field): string[] {
  return typeof field.value === "string"
    ? splitShellWords(reader.string(field), reader.failure(field))
    : reader.strings(field);
}

/**
 * `environment`, `labels` and options: a map, or a list of `KEY=value`. A key without a value
 * takes what `missing` says: an error, or the empty string (as compose does for labels). A key
 * the list repeats is warned about: the last one wins, as in compose.
 */
function readKeyValues(
  reader: ComposeReader,
  field: Field,
  missing: ((entry: Field, name: string) => string) | string = () => "",
): Record<string, string> {
  const valueOf = typeof missing === "string" ? (entry: Field) => reader.fail(entry, missing) : missing;
  if (Array.isArray(field.value)) {
    const result: Record<string, string> = {};
    for (const item of reader.list(field)) {
      const text = reader.string(item);
      const equals = text.indexOf("=");
      const name = equals < 0 ? text : text.slice(0, equals);
      if (Object.hasOwn(result, name)) reader.warn(item, `${name} is set twice; the last value wins, as in compose`);
      result[name] = equals < 0 ? valueOf(item, name) : text.slice(equals + 1);
    }
    return result;
  }
  return Object.fromEntries(
    Object.entries(reader.entries(field)).map(([name, entry]) => {
      if (entry.value === null) return [name, valueOf(entry, name)];
      return [name, typeof entry.value === "boolean" ? String(entry.value) : reader.string(entry)];
    }),
  );
}

/**
 * `environment`. An entry without a value (`- TZ`, `TZ:`) passes the variable of the shell that
 * runs compose: here the import's variables; when they have none, compose leaves it unset too.
 */
function readEnvironment(reader: ComposeReader, field: Field, context: ServiceContext): Record<string, string> {
  const unset = new Set<string>();
  const values = readKeyValues(reader, field, (entry, name) => {
    if (Object.hasOwn(context.variables, name)) return context.variables[name];
    unset.add(name);
    reader.warn(entry, `${name} has no value and no variable of that name was given: left unset, as compose on the VM would`);
    return "";
  });
  return Object.fromEntries(Object.entries(values).filter(([name]) => !unset.has(name)));
}

/**
 * `env_file`: files beside the compose file, read now (later files win, `environment` wins over
 * all), in the dotenv format compose reads. `required: false` skips a missing file.
 */
function readEnvFiles(reader: ComposeReader, field: Field, context: ServiceContext): Record<string, string> {
  const entries = typeof field.value === "string" ? [field] : reader.list(field);
  const values: Record<string, string> = {};
  for (const entry of entries) {
    const f = typeof entry.value === "object" && entry.value !== null ? reader.fields(entry, ["path", "required"]) : { path: entry };
    if (f.path === undefined) reader.fail(entry, "an env file path");
    const relative = reader.string(f.path);
    if (context.baseDir === undefined) reader.fail(f.path, "an env_file read from a compose file on disk (fromFile), not from YAML text");
    const file = path.resolve(context.baseDir, relative);
    if (!fs.existsSync(file)) {
      if (f.required !== undefined && !reader.boolean(f.required)) continue;
      reader.fail(f.path, `an existing file (${file} is missing)`);
    }
    Object.assign(values, parseDotenv(fs.readFileSync(file, "utf8")));
  }
  return values;
}

/** `build: ./dir` or `{ context, dockerfile, args, target }`; the context resolves beside the compose file. */
function readBuild(reader: ComposeReader, field: Field, context: ServiceContext): BuildSpec {
  const f = typeof field.value === "string" ? { context: field } : reader.fields(field, ["context", "dockerfile", "args", "target"], {
    dockerfile_inline: "write the Dockerfile beside the context and name it in dockerfile",
  });
  const folder = f.context === undefined ? "." : reader.string(f.context);
  if (/^[a-z]+:\/\//.test(folder) || folder.startsWith("git@")) reader.fail(f.context ?? field, "a local folder (the Docker provider sends a local context; clone the repository beside the compose file)");
  if (context.baseDir === undefined && !path.isAbsolute(folder)) reader.fail(f.context ?? field, "an absolute folder, or a compose file read from disk (fromFile), beside which a relative context resolves");
  return dropUndefined({
    context: context.baseDir === undefined ? folder : path.resolve(context.baseDir, folder),
    dockerfile: f.dockerfile && reader.string(f.dockerfile),
    args: f.args && readKeyValues(reader, f.args, (entry) => reader.fail(entry, "a value for the build argument")),
    target: f.target && reader.string(f.target),
  });
}

/** `shm_size: 256m`: the provider takes whole MiB. */
function readWholeMegabytes(reader: ComposeReader, field: Field): number {
  const value = typeof field.value === "number" ? field.value : reader.string(field);
  const megabytes = typeof value === "number" ? value / 1024 / 1024 : parseMemory(value);
  return megabytes !== undefined && Number.isInteger(megabytes) && megabytes > 0 ? megabytes : reader.fail(field, `${MEMORY_FORM}, a whole number of MiB`);
}

/** `ulimits: { nofile: 65535 }` or `{ nofile: { soft: 1024, hard: 65535 } }`. */
function readUlimits(reader: ComposeReader, field: Field): Record<string, { soft: number; hard: number }> {
  return Object.fromEntries(
    Object.entries(reader.entries(field)).map(([name, entry]) => {
      if (typeof entry.value !== "object" || entry.value === null) {
        const value = reader.number(entry);
        return [name, { soft: value, hard: value }];
      }
      const { soft, hard } = reader.fields(entry, ["soft", "hard"]);
      if (soft === undefined || hard === undefined) reader.fail(entry, "soft and hard");
      return [name, { soft: reader.number(soft), hard: reader.number(hard) }];
    }),
  );
}

/** `3000` or `"3000/tcp"`: the model exposes TCP ports only, one per entry. */
function readExpose(reader: ComposeReader, field: Field): number {
  const text = reader.string(field).replace(/\/tcp$/, "");
  return /^\d+$/.test(text) ? Number(text) : reader.fail(field, "a TCP port number, one per entry");
}

function readPort(reader: ComposeReader, field: Field): PortSpec {
  if (typeof field.value === "number") return { containerPort: field.value };
  if (typeof field.value === "string") return parsePort(reader.string(field), reader.failure(field));
  const f = reader.fields(field, ["target", "published", "host_ip", "protocol", "mode"], {
    name: "name the port in a label or a comment",
  });
  if (f.mode !== undefined && reader.string(f.mode) !== "host") {
    reader.fail(f.mode, "host (ingress load balancing needs Swarm)");
  }
  if (f.target === undefined) reader.fail(reader.child(field, "target", undefined), "the container port");
  return {
    hostIp: f.host_ip && reader.string(f.host_ip),
    hostPort: f.published && reader.number(f.published),
    containerPort: reader.number(f.target),
    protocol: f.protocol && readProtocol(reader, f.protocol),
  };
}

function readProtocol(reader: ComposeReader, field: Field): PortProtocol {
  const text = reader.string(field);
  return PORT_PROTOCOLS.find((known) => known === text) ?? reader.fail(field, `one of ${PORT_PROTOCOLS.join(", ")}`);
}

/**
 * One entry of `volumes`. A relative bind whose source is a file beside the compose file (a
 * config file) becomes a file uploaded into the container at the target, since the provider
 * cannot write files on the host; any other relative bind resolves under the stack's folder on
 * the host, where Docker creates it. `tmpfs` mounts join the service's tmpfs list.
 */
function readMount(reader: ComposeReader, field: Field, context: ServiceContext, files: Record<string, string>): VolumeMount | { tmpfs: string } | [] {
  const mount = typeof field.value === "string" ? parseVolume(reader.string(field), reader.failure(field), (note) => reader.warn(field, note)) : readLongMount(reader, field);
  if ("tmpfs" in mount || !isBindMount(mount) || !isRelativeHostPath(mount.hostPath) || mount.hostPath.startsWith("~") || context.baseDir === undefined) return mount;
  const local = path.resolve(context.baseDir, mount.hostPath);
  const stat = fs.statSync(local, { throwIfNoEntry: false });
  if (stat?.isFile()) {
    files[mount.target] = fs.readFileSync(local, "utf8");
    return [];
  }
  if (stat?.isDirectory() && fs.readdirSync(local).length > 0) {
    reader.warn(field, `${mount.hostPath} holds files here; copy them to the stack's folder on the VM before the first apply (Terraform cannot write host folders)`);
  }
  return mount;
}

function readLongMount(reader: ComposeReader, field: Field): VolumeMount | { tmpfs: string } {
  const f = reader.fields(field, ["type", "source", "target", "read_only", "bind", "tmpfs", "consistency"]);
  const type = f.type && reader.string(f.type);
  if (f.target === undefined) reader.fail(field, "a mount with a target");
  const target = reader.string(f.target);
  if (type === "tmpfs") {
    const options = f.tmpfs && reader.fields(f.tmpfs, ["size", "mode"]);
    const parts = [options?.size && `size=${reader.string(options.size)}`, options?.mode && `mode=${reader.string(options.mode)}`].filter(Boolean);
    return { tmpfs: parts.length > 0 ? `${target}:${parts.join(",")}` : target };
  }
  if (type !== "volume" && type !== "bind") reader.fail(f.type ?? field, "a mount of type volume, bind or tmpfs");
  if (f.bind !== undefined) {
    const bind = reader.fields(f.bind, ["create_host_path", "selinux"], { propagation: "the provider's volumes block has no propagation; bind the path without it" });
    if (bind.create_host_path !== undefined && !reader.boolean(bind.create_host_path)) reader.fail(bind.create_host_path, "true: Docker creates a missing host path for the provider's binds");
    if (bind.selinux !== undefined) reader.warn(bind.selinux, "SELinux relabelling dropped: the Debian VM does not run SELinux, where Docker ignores it too");
  }
  const source = f.source === undefined ? undefined : reader.string(f.source);
  if (source === undefined) reader.fail(field, `a ${type} mount with a source: anonymous volumes are not supported`);
  const readOnly = f.read_only && reader.boolean(f.read_only);
  return type === "bind" ? { hostPath: source, target, readOnly } : { volume: source, target, readOnly };
}

/**
 * `networks`, as names (with `default` when listed: a list without it takes the service off the
 * stack network, as in compose) and the aliases of the long syntax, which apply on every network.
 */
function readNetworks(reader: ComposeReader, field: Field): { names: string[]; aliases: string[] } {
  if (Array.isArray(field.value)) return { names: reader.strings(field), aliases: [] };
  const aliases: string[] = [];
  const names = Object.entries(reader.entries(field)).map(([name, entry]) => {
    const f = reader.fields(entry, ["aliases"], { ipv4_address: "let Docker assign addresses; reach the service by name", ipv6_address: "let Docker assign addresses" });
    if (f.aliases !== undefined) aliases.push(...reader.strings(f.aliases));
    return name;
  });
  return { names, aliases };
}

/** The check; undefined for `{ disable: false }` alone, which keeps the image's check as compose does. */
function readHealthcheck(reader: ComposeReader, field: Field): HealthcheckSpec | undefined {
  const f = reader.fields(field, ["test", "interval", "timeout", "start_period", "retries", "disable"]);
  if (f.disable !== undefined && reader.boolean(f.disable)) {
    if (Object.keys(f).length > 1) reader.fail(f.disable, "disable alone, or a check without disable");
    return { test: ["NONE"] };
  }
  if (f.disable !== undefined && Object.keys(f).length === 1) return undefined;
  if (f.test === undefined) {
    reader.fail(field, "a healthcheck with a test: the Docker provider requires test, so it cannot retime the image's own check (copy the image's test here)");
  }
  return {
    test: typeof f.test.value === "string" ? ["CMD-SHELL", reader.string(f.test)] : reader.strings(f.test),
    interval: f.interval && reader.string(f.interval),
    timeout: f.timeout && reader.string(f.timeout),
    startPeriod: f.start_period && reader.string(f.start_period),
    retries: f.retries && reader.number(f.retries),
  };
}

function readDependsOn(reader: ComposeReader, field: Field): DependsOnSpec {
  if (Array.isArray(field.value)) return reader.strings(field);
  return Object.fromEntries(
    Object.entries(reader.entries(field)).map(([service, entry]): [string, DependencyCondition] => {
      const { condition } = reader.fields(entry, ["condition"]);
      return [service, condition === undefined ? "service_started" : readCondition(reader, condition)];
    }),
  );
}

function readCondition(reader: ComposeReader, field: Field): DependencyCondition {
  const text = reader.string(field);
  return (
    DEPENDENCY_CONDITIONS.find((known) => known === text) ??
    reader.fail(field, `one of ${DEPENDENCY_CONDITIONS.join(", ")}`)
  );
}

function readLogging(reader: ComposeReader, field: Field): LoggingSpec {
  const f = reader.fields(field, ["driver", "options"]);
  return {
    driver: f.driver && reader.string(f.driver),
    options: f.options && readKeyValues(reader, f.options, "a value for the option"),
  };
}

/** Container paths, each optionally with mount options: `/run:size=64m,mode=1777`. */
function readTmpfs(reader: ComposeReader, field: Field): string[] {
  return reader.stringOrStrings(field);
}

function readDevice(reader: ComposeReader, field: Field): DeviceSpec {
  if (typeof field.value === "string") return parseDevice(reader.string(field), reader.failure(field));
  const f = reader.fields(field, ["source", "target", "permissions"]);
  if (f.source === undefined) reader.fail(field, "a device with a source");
  return {
    hostPath: reader.string(f.source),
    containerPath: f.target && reader.string(f.target),
    permissions: f.permissions && reader.string(f.permissions),
  };
}

/** A map of host to address, or a list of `host:address` / `host=address`. */
function readExtraHosts(reader: ComposeReader, field: Field): Record<string, string> {
  if (!Array.isArray(field.value)) {
    return Object.fromEntries(
      Object.entries(reader.entries(field)).map(([host, entry]) => [host, reader.string(entry)]),
    );
  }
  return Object.fromEntries(
    reader.list(field).map((item) => {
      const text = reader.string(item);
      // The host name cannot contain either separator; the address may contain colons (IPv6).
      const separator = text.includes("=") ? text.indexOf("=") : text.indexOf(":");
      return separator > 0 ? [text.slice(0, separator), text.slice(separator + 1)] : reader.fail(item, "host:address");
    }),
  );
}
