/**
 * Reads one entry of a compose file's `services` into a {@link ServiceSpec}, accepting the short
 * and long syntaxes compose allows. Keys the model cannot represent are errors.
 */
import { ComposeReader, Field } from "./compose-reader";
import { parseMemory } from "./memory";
import {
  DEPENDENCY_CONDITIONS,
  DependencyCondition,
  DependsOnSpec,
  DeviceSpec,
  HealthcheckSpec,
  LoggingSpec,
  PORT_PROTOCOLS,
  PortProtocol,
  PortSpec,
  ServiceSpec,
  STACK_NETWORK,
  VolumeMount,
} from "./service";
import { splitShellWords } from "./shell-words";
import { parseDevice, parsePort, parseRestart, parseVolume } from "./short-syntax";

const SERVICE_KEYS = [
  "image",
  "command",
  "entrypoint",
  "environment",
  "expose",
  "ports",
  "volumes",
  "networks",
  "labels",
  "healthcheck",
  "restart",
  "depends_on",
  "user",
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
  "devices",
  "extra_hosts",
  "working_dir",
  "privileged",
  "network_mode",
  "pid",
  "ipc",
];

/** What to do instead, for keys that compose files often carry. */
const SERVICE_HINTS: Readonly<Record<string, string>> = {
  build: "build the image elsewhere (CI, a registry) and set image",
  container_name: "ComposeStack names each container after its stack and service",
  env_file: "list the variables under environment; files beside the compose file are not read",
  secrets: "give secrets to the ComposeStack as secretEnvironment",
  links: "services reach each other by service name on the stack network",
};

const MEMORY_FORM = "a memory size such as 512m, 1g, 1.5gb or a number of bytes";
const MISSING_VALUE =
  "KEY=value: a variable without a value would come from the shell running compose, which Dockhost never reads";

/** Reads one service; `field` is `services.<name>`. */
export function readService(reader: ComposeReader, field: Field): ServiceSpec {
  const f = reader.fields(field, SERVICE_KEYS, SERVICE_HINTS);
  const read = <T>(name: string, as: (field: Field) => T): T | undefined => {
    const child = f[name];
    return child === undefined ? undefined : as(child);
  };
  const strings = (child: Field) => reader.strings(child);
  const limits = readDeployLimits(reader, f.deploy);
  return {
    image:
      read("image", (x) => reader.string(x)) ??
      reader.fail(reader.child(field, "image", undefined), "an image reference"),
    command: read("command", (x) => readCommand(reader, x)),
    entrypoint: read("entrypoint", (x) => readCommand(reader, x)),
    environment: read("environment", (x) => readKeyValues(reader, x, MISSING_VALUE)),
    expose: read("expose", (x) => reader.list(x).map((item) => readExpose(reader, item))),
    ports: read("ports", (x) => reader.list(x).map((item) => readPort(reader, item))),
    volumes: read("volumes", (x) => reader.list(x).map((item) => readMount(reader, item))),
    networks: read("networks", (x) => readNetworks(reader, x)),
    labels: read("labels", (x) => readKeyValues(reader, x)),
    healthcheck: read("healthcheck", (x) => readHealthcheck(reader, x)),
    restart: read("restart", (x) => parseRestart(reader.string(x), reader.failure(x))),
    dependsOn: read("depends_on", (x) => readDependsOn(reader, x)),
    user: read("user", (x) => reader.string(x)),
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
    tmpfs: read("tmpfs", (x) => readTmpfs(reader, x)),
    devices: read("devices", (x) => reader.list(x).map((item) => readDevice(reader, item))),
    extraHosts: read("extra_hosts", (x) => readExtraHosts(reader, x)),
    workingDir: read("working_dir", (x) => reader.string(x)),
    privileged: read("privileged", (x) => reader.boolean(x)),
    networkMode: read("network_mode", (x) => hostOnly(reader, x, "services join the stack network and the networks listed under networks")),
    pid: read("pid", (x) => hostOnly(reader, x, "a private process namespace is the default")),
    ipc: read("ipc", (x) => hostOnly(reader, x, "a private IPC namespace is the default")),
  };
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
 * `environment` and `labels`: a map, or a list of `KEY=value`. A key without a value is an error
 * when `missingValue` says why, and the empty string otherwise (as compose does for labels).
 */
function readKeyValues(reader: ComposeReader, field: Field, missingValue?: string): Record<string, string> {
  const missing = (entry: Field): string => (missingValue === undefined ? "" : reader.fail(entry, missingValue));
  if (Array.isArray(field.value)) {
    return Object.fromEntries(
      reader.list(field).map((item) => {
        const text = reader.string(item);
        const equals = text.indexOf("=");
        return equals < 0 ? [text, missing(item)] : [text.slice(0, equals), text.slice(equals + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(reader.entries(field)).map(([name, entry]) => {
      if (entry.value === null) return [name, missing(entry)];
      return [name, typeof entry.value === "boolean" ? String(entry.value) : reader.string(entry)];
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

function readMount(reader: ComposeReader, field: Field): VolumeMount {
  if (typeof field.value === "string") return parseVolume(reader.string(field), reader.failure(field));
  const f = reader.fields(field, ["type", "source", "target", "read_only"]);
  const type = f.type && reader.string(f.type);
  if (type !== "volume" && type !== "bind") {
    reader.fail(f.type ?? field, "a mount of type volume or bind (list tmpfs mounts under tmpfs)");
  }
  const source = f.source === undefined ? undefined : reader.string(f.source);
  if (source === undefined) reader.fail(field, `a ${type} mount with a source: anonymous volumes are not supported`);
  if (f.target === undefined) reader.fail(field, "a mount with a target");
  const target = reader.string(f.target);
  const readOnly = f.read_only && reader.boolean(f.read_only);
  return type === "bind" ? { hostPath: source, target, readOnly } : { volume: source, target, readOnly };
}

/** Extra networks; compose's `default` is implied by the model, and may not be left. */
function readNetworks(reader: ComposeReader, field: Field): string[] | undefined {
  const names = Array.isArray(field.value)
    ? reader.strings(field)
    : Object.entries(reader.entries(field)).map(([name, entry]) => {
        reader.fields(entry, [], { aliases: "reach the service by its service name" });
        return name;
      });
  if (names.length > 0 && !names.includes(STACK_NETWORK)) {
    reader.fail(
      field,
      `a list that includes ${STACK_NETWORK}: every service stays on the stack network, and the model cannot take it off`,
    );
  }
  const extra = names.filter((name) => name !== STACK_NETWORK);
  return extra.length > 0 ? extra : undefined;
}

function readHealthcheck(reader: ComposeReader, field: Field): HealthcheckSpec {
  const f = reader.fields(field, ["test", "interval", "timeout", "start_period", "retries", "disable"]);
  if (f.disable !== undefined && reader.boolean(f.disable)) {
    if (Object.keys(f).length > 1) reader.fail(f.disable, "disable alone, or a check without disable");
    return { test: ["NONE"] };
  }
  if (f.test === undefined) {
    reader.fail(field, "a healthcheck with a test (the model cannot retime the image's own check)");
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

/** Paths only: mount options such as `size=` have no place in the model. */
function readTmpfs(reader: ComposeReader, field: Field): string[] {
  const paths = reader.stringOrStrings(field);
  if (paths.some((path) => path.includes(":"))) reader.fail(field, "container paths without mount options");
  return paths;
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
