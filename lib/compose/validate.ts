/**
 * Checks for stack input that is malformed or impossible on its own: what a `ComposeStack`
 * constructor (and the compose importer) refuses at once. Judgement calls (`:latest`, privileged
 * containers, secret-looking values) and conflicts between stacks belong to the policy pack.
 * Each function throws a {@link DockhostInputError} naming the path, the key and the value.
 */
import { isIP } from "node:net";
import { DockhostInputError, invalid } from "../errors";
import { isDuration } from "./duration";
import { parseImageReference } from "./image-reference";
import { portBindingsOverlap } from "./port-binding";
import {
  DEPENDENCY_CONDITIONS,
  dependencyConditions,
  HealthcheckSpec,
  isBindMount,
  isDevicePermissions,
  NetworkSpec,
  PORT_PROTOCOLS,
  PortSpec,
  RESTART_POLICY_NAMES,
  RestartSpec,
  ServiceSpec,
  STACK_NETWORK,
  StackSpec,
  VolumeSpec,
} from "./service";
import { formatPort } from "./short-syntax";

/** Where the checked input lives, and how to recognise values that are not known yet. */
export interface CheckContext {
  /** Construct path (or another locator) that starts every message. */
  readonly path: string;
  /**
   * Tells values that resolve later (cdktf tokens: pass `Token.isUnresolved`); checks skip them.
   * @default - every value is taken as final
   */
  readonly isUnresolved?: (value: unknown) => boolean;
  /**
   * Receives each problem instead of a throw, so that one run reports all of them (the importer).
   * @default - the first problem throws
   */
  readonly report?: (problem: DockhostInputError) => void;
}

/** Declared names a service may refer to. */
export type StackDeclarations = Pick<StackSpec, "volumes" | "networks">;

/**
 * A service name becomes a DNS alias on the stack network and the suffix of a container name, so
 * it is one DNS label: lowercase (DNS ignores case, Docker does not), no dots (they would split
 * the label), `_` kept because compose files use it widely and Docker's DNS resolves it.
 */
const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;
/** A container's host name (the kernel's limit is 64 bytes; one DNS label is at most 63). */
const CONTAINER_HOSTNAME = /^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/** Docker's grammar for volume and network names. */
const OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_PORT = 65535;
/** Docker refuses smaller memory limits. */
const MIN_MEMORY_MB = 6;
const HEALTHCHECK_KINDS = ["NONE", "CMD", "CMD-SHELL"];
const HOST_GATEWAY = "host-gateway";

const ALLOWED = {
  serviceName:
    "a service name of lowercase letters, digits, '-' and '_', starting and ending with a letter or digit, " +
    "at most 63 characters (it becomes a DNS alias and part of the container name)",
  objectName: "a name of letters, digits, '_', '.' and '-' that starts with a letter or digit",
  port: `a whole number from 1 to ${MAX_PORT}`,
  absolutePath: "an absolute path without '..' segments",
  hostPath:
    "an absolute path on the Docker host without '..' segments, or a path relative to the stack's folder " +
    "on the host (./data, ../shared) or to the admin user's home (~/media)",
  duration: "a duration such as 10s, 1m30s or 500ms (units h, m, s, ms, us, ns, largest first)",
  memory: `a whole number of MiB, at least ${MIN_MEMORY_MB} (Docker's minimum)`,
  cpus: "a number of CPUs greater than 0, such as 0.5 or 2",
  count: "a whole number, 0 or more",
  hostIp: "an IPv4 or IPv6 address, without brackets",
  containerName: "a container name of letters, digits, '_', '.' and '-' that starts with a letter or digit",
  alias: "a DNS name of lowercase letters, digits, '-', '_' and '.'",
  volumesFrom: "a service of this stack or container:<name>, optionally followed by :ro or :rw",
  ulimit: "whole numbers with soft <= hard (-1 for unlimited)",
} as const;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ALIAS = /^[a-z0-9](?:[a-z0-9_.-]{0,252}[a-z0-9])?$/;
const VOLUMES_FROM = /^(?:container:)?[a-zA-Z0-9][a-zA-Z0-9_.-]*(?::r[ow])?$/;

/** Runs every check on a whole stack. */
export function validateStackSpec(context: CheckContext, spec: StackSpec): void {
  for (const [name, volume] of Object.entries(spec.volumes ?? {})) checkVolume(context, name, volume);
  for (const [name, network] of Object.entries(spec.networks ?? {})) checkNetwork(context, name, network);
  for (const [name, service] of Object.entries(spec.services)) {
    checkServiceName(context, name);
    checkService(context, name, service, spec);
  }
  checkHostPortConflicts(context, spec.services);
  checkDependencies(context, spec.services);
}

/** A service name must work as a DNS label and a container name suffix. */
export function checkServiceName(context: CheckContext, name: string): void {
  if (!SERVICE_NAME.test(name)) fail(context, `services.${name}`, name, ALLOWED.serviceName);
}

/** Everything about one service that can be judged without the other services. */
export function checkService(
  context: CheckContext,
  name: string,
  service: ServiceSpec,
  declared: StackDeclarations,
): void {
  const key = `services.${name}`;
  if (isKnown(context, service.image)) attempt(context, () => parseImageReference(service.image, { path: context.path, key: `${key}.image` }));
  service.expose?.forEach((port, i) => checkPortNumber(context, `${key}.expose[${i}]`, port));
  service.ports?.forEach((port, i) => checkPort(context, `${key}.ports[${i}]`, port));
  service.volumes?.forEach((mount, i) => {
    const mountKey = `${key}.volumes[${i}]`;
    checkAbsolutePath(context, `${mountKey}.target`, mount.target);
    if (isBindMount(mount)) checkHostPath(context, `${mountKey}.hostPath`, mount.hostPath);
    else checkDeclared(context, `${mountKey}.volume`, mount.volume, declared.volumes, "volumes");
  });
  service.networks?.forEach((network, i) =>
    checkDeclared(context, `${key}.networks[${i}]`, network, declared.networks, "networks"),
  );
  if (service.healthcheck !== undefined) checkHealthcheck(context, `${key}.healthcheck`, service.healthcheck);
  if (service.restart !== undefined) checkRestart(context, `${key}.restart`, service.restart);
  for (const [dependency, condition] of Object.entries(dependencyConditions(service.dependsOn))) {
    checkOneOf(context, `${key}.dependsOn.${dependency}`, condition, DEPENDENCY_CONDITIONS);
  }
  if (service.memoryLimitMb !== undefined) checkMemory(context, `${key}.memoryLimitMb`, service.memoryLimitMb);
  if (service.cpus !== undefined) checkPositive(context, `${key}.cpus`, service.cpus, ALLOWED.cpus);
  service.tmpfs?.forEach((entry, i) => checkAbsolutePath(context, `${key}.tmpfs[${i}]`, tmpfsPath(entry)));
  if (service.containerName !== undefined && isKnown(context, service.containerName) && !CONTAINER_NAME.test(service.containerName)) {
    fail(context, `${key}.containerName`, service.containerName, ALLOWED.containerName);
  }
  service.aliases?.forEach((alias, i) => {
    if (isKnown(context, alias) && !ALIAS.test(alias)) fail(context, `${key}.aliases[${i}]`, alias, ALLOWED.alias);
  });
  if (service.shmSizeMb !== undefined) checkPositive(context, `${key}.shmSizeMb`, service.shmSizeMb, "a whole number of MiB greater than 0");
  for (const [name, limit] of Object.entries(service.ulimits ?? {})) {
    const ok = [limit.soft, limit.hard].every((v) => Number.isInteger(v) && v >= -1) && (limit.hard === -1 || (limit.soft !== -1 && limit.soft <= limit.hard));
    if (!ok) fail(context, `${key}.ulimits.${name}`, limit, ALLOWED.ulimit);
  }
  if (service.stopGracePeriod !== undefined) checkDuration(context, `${key}.stopGracePeriod`, service.stopGracePeriod);
  service.volumesFrom?.forEach((from, i) => {
    if (isKnown(context, from) && !VOLUMES_FROM.test(from)) fail(context, `${key}.volumesFrom[${i}]`, from, ALLOWED.volumesFrom);
  });
  if (service.build !== undefined && service.build.context === "") fail(context, `${key}.build.context`, "", "a folder");
  if (service.defaultNetwork === false && service.networkMode === undefined && !service.networks?.length) {
    fail(context, `${key}.defaultNetwork`, false, "a service off the stack network joins at least one network of networks");
  }
  service.devices?.forEach((device, i) => {
    const deviceKey = `${key}.devices[${i}]`;
    checkHostPath(context, `${deviceKey}.hostPath`, device.hostPath);
    if (device.containerPath !== undefined) {
      checkAbsolutePath(context, `${deviceKey}.containerPath`, device.containerPath);
    }
    if (
      device.permissions !== undefined &&
      isKnown(context, device.permissions) &&
      !isDevicePermissions(device.permissions)
    ) {
      fail(context, `${deviceKey}.permissions`, device.permissions, "letters from rwm (read, write, mknod), each once");
    }
  });
  for (const [host, address] of Object.entries(service.extraHosts ?? {})) {
    if (isKnown(context, address) && address !== HOST_GATEWAY && isIP(address) === 0) {
      fail(context, `${key}.extraHosts.${host}`, address, `an IP address or ${HOST_GATEWAY}`);
    }
  }
  if (service.workingDir !== undefined) checkAbsolutePath(context, `${key}.workingDir`, service.workingDir);
  if (service.hostname !== undefined && isKnown(context, service.hostname) && !CONTAINER_HOSTNAME.test(service.hostname)) {
    fail(context, `${key}.hostname`, service.hostname, "a host name of DNS labels (letters, digits, -), 63 characters at most");
  }
  if (service.networkMode === "host") {
    // Docker ignores published ports and cannot attach networks to a container on the host network.
    if (service.ports?.length) fail(context, `${key}.ports`, service.ports.map(formatPort), "no published ports with networkMode host (the service listens on the VM directly)");
    if (service.networks?.length) fail(context, `${key}.networks`, service.networks, "no networks with networkMode host");
    if (service.aliases?.length) fail(context, `${key}.aliases`, service.aliases, "no aliases with networkMode host");
  }
}

/** Two ports of one stack must not claim the same host address, port and protocol. */
export function checkHostPortConflicts(context: CheckContext, services: StackSpec["services"]): void {
  const published: { key: string; port: PortSpec }[] = [];
  for (const [name, service] of Object.entries(services)) {
    service.ports?.forEach((port, i) => {
      if (!isKnown(context, port.hostPort) || !isKnown(context, port.hostIp)) return;
      const key = `services.${name}.ports[${i}]`;
      const earlier = published.find((other) => portBindingsOverlap(other.port, port));
      if (earlier !== undefined) {
        fail(
          context,
          key,
          formatPort(port),
          `a host address, port and protocol not already published by ${earlier.key} (${formatPort(earlier.port)})`,
        );
      }
      published.push({ key, port });
    });
  }
}

/** `dependsOn` must name services of the stack and must not form a cycle. */
export function checkDependencies(context: CheckContext, services: StackSpec["services"]): void {
  const dependenciesOf = (name: string): string[] => Object.keys(dependencyConditions(services[name].dependsOn));
  const names = Object.keys(services);
  for (const name of names) {
    for (const dependency of dependenciesOf(name)) {
      if (!Object.hasOwn(services, dependency)) {
        fail(
          context,
          `services.${name}.dependsOn`,
          dependency,
          `the name of a service of this stack: ${names.join(", ")}`,
        );
      }
    }
  }
  for (const name of names) {
    services[name].volumesFrom?.forEach((from, i) => {
      const source = volumesFromService(from);
      if (source !== undefined && !Object.hasOwn(services, source)) {
        fail(context, `services.${name}.volumesFrom[${i}]`, from, `a service of this stack (${names.join(", ")}) or container:<name>`);
      }
    });
  }
  const cycle = findCycle(names, (name) => dependenciesOf(name).filter((d) => Object.hasOwn(services, d)));
  if (cycle !== undefined) {
    fail(
      context,
      `services.${cycle[0]}.dependsOn`,
      cycle.join(" -> "),
      "dependencies without a cycle (no service could start first)",
    );
  }
}

/** The container path of a tmpfs entry `path[:options]`. */
export function tmpfsPath(entry: string): string {
  const colon = entry.indexOf(":");
  return colon < 0 ? entry : entry.slice(0, colon);
}

/** The service a `volumesFrom` entry names, or undefined for `container:<name>`. */
export function volumesFromService(entry: string): string | undefined {
  return entry.startsWith("container:") ? undefined : entry.replace(/:r[ow]$/, "");
}

/** A port number, 1..65535. */
export function checkPortNumber(context: CheckContext, key: string, port: number): void {
  if (isKnown(context, port) && !(Number.isInteger(port) && port >= 1 && port <= MAX_PORT)) {
    fail(context, key, port, ALLOWED.port);
  }
}

/** An absolute path with no `..` segment. */
export function checkAbsolutePath(context: CheckContext, key: string, path: string): void {
  if (isKnown(context, path) && !isAbsoluteWithoutParent(path)) fail(context, key, path, ALLOWED.absolutePath);
}

/** A duration string such as `10s`. */
export function checkDuration(context: CheckContext, key: string, duration: string): void {
  if (isKnown(context, duration) && !isDuration(duration)) fail(context, key, duration, ALLOWED.duration);
}

function checkVolume(context: CheckContext, name: string, volume: VolumeSpec): void {
  checkObjectName(context, `volumes.${name}`, name);
  if (volume.sizeBudgetGb !== undefined) {
    checkPositive(context, `volumes.${name}.sizeBudgetGb`, volume.sizeBudgetGb, "a number of GB greater than 0");
  }
  if (volume.external === true && volume.backup !== undefined) {
    fail(context, `volumes.${name}.backup`, volume.backup, "no backup setting on an external volume: set it where the volume is created");
  }
  if (volume.noBackupReason !== undefined) {
    if (volume.backup !== false) {
      fail(context, `volumes.${name}.noBackupReason`, volume.noBackupReason, "a reason only with backup: false");
    }
    if (volume.noBackupReason.trim() === "") fail(context, `volumes.${name}.noBackupReason`, volume.noBackupReason, "a reason that says why the volume needs no backup");
  }
}

function checkNetwork(context: CheckContext, name: string, network: NetworkSpec): void {
  checkObjectName(context, `networks.${name}`, name);
  if (network.name !== undefined) checkObjectName(context, `networks.${name}.name`, network.name);
  if (name === STACK_NETWORK) {
    fail(context, `networks.${name}`, name, "another name: every service joins the stack's own network already");
  }
  if (network.external === true && network.internal === true) {
    fail(
      context,
      `networks.${name}.internal`,
      true,
      "internal only on a network this stack creates, not an external one",
    );
  }
}

function checkObjectName(context: CheckContext, key: string, name: string): void {
  if (!OBJECT_NAME.test(name)) fail(context, key, name, ALLOWED.objectName);
}

function checkPort(context: CheckContext, key: string, port: PortSpec): void {
  checkPortNumber(context, `${key}.containerPort`, port.containerPort);
  if (port.hostPort !== undefined) checkPortNumber(context, `${key}.hostPort`, port.hostPort);
  if (port.hostIp !== undefined && isKnown(context, port.hostIp) && isIP(port.hostIp) === 0) {
    fail(context, `${key}.hostIp`, port.hostIp, ALLOWED.hostIp);
  }
  if (port.protocol !== undefined) checkOneOf(context, `${key}.protocol`, port.protocol, PORT_PROTOCOLS);
}

function checkHostPath(context: CheckContext, key: string, path: string): void {
  if (isKnown(context, path) && !isAbsoluteWithoutParent(path) && !isRelativeHostPath(path)) fail(context, key, path, ALLOWED.hostPath);
}

/** `./x`, `../x`, `.`, `~` and `~/x`: paths compose resolves against the project folder or the home. */
export function isRelativeHostPath(path: string): boolean {
  return /^(?:\.{1,2}(?:\/|$)|~(?:\/|$))/.test(path);
}

function checkDeclared(
  context: CheckContext,
  key: string,
  name: string,
  declared: Readonly<Record<string, unknown>> | undefined,
  section: "volumes" | "networks",
): void {
  if (!Object.hasOwn(declared ?? {}, name)) {
    const names = Object.keys(declared ?? {});
    fail(
      context,
      key,
      name,
      `a name declared under ${section}${names.length > 0 ? `: ${names.join(", ")}` : " (none is)"}`,
    );
  }
}

function checkHealthcheck(context: CheckContext, key: string, healthcheck: HealthcheckSpec): void {
  const [kind, ...command] = healthcheck.test;
  const wellFormed = kind === "NONE" ? command.length === 0 : HEALTHCHECK_KINDS.includes(kind) && command.length > 0;
  if (isKnown(context, healthcheck.test) && !wellFormed) {
    fail(context, `${key}.test`, healthcheck.test, '["CMD", program, ...args], ["CMD-SHELL", script] or ["NONE"]');
  }
  if (healthcheck.interval !== undefined) checkDuration(context, `${key}.interval`, healthcheck.interval);
  if (healthcheck.timeout !== undefined) checkDuration(context, `${key}.timeout`, healthcheck.timeout);
  if (healthcheck.startPeriod !== undefined) checkDuration(context, `${key}.startPeriod`, healthcheck.startPeriod);
  if (healthcheck.retries !== undefined) checkCount(context, `${key}.retries`, healthcheck.retries);
}

function checkRestart(context: CheckContext, key: string, restart: RestartSpec): void {
  if (typeof restart === "string") {
    checkOneOf(context, key, restart, RESTART_POLICY_NAMES);
    return;
  }
  checkOneOf(context, `${key}.policy`, restart.policy, ["on-failure"]);
  checkCount(context, `${key}.maxRetries`, restart.maxRetries);
}

function checkMemory(context: CheckContext, key: string, megabytes: number): void {
  if (isKnown(context, megabytes) && !(Number.isInteger(megabytes) && megabytes >= MIN_MEMORY_MB)) {
    fail(context, key, megabytes, ALLOWED.memory);
  }
}

function checkPositive(context: CheckContext, key: string, value: number, allowed: string): void {
  if (isKnown(context, value) && !(Number.isFinite(value) && value > 0)) fail(context, key, value, allowed);
}

function checkCount(context: CheckContext, key: string, value: number): void {
  if (isKnown(context, value) && !(Number.isInteger(value) && value >= 0)) fail(context, key, value, ALLOWED.count);
}

function checkOneOf(context: CheckContext, key: string, value: string, allowed: readonly string[]): void {
  if (isKnown(context, value) && !allowed.includes(value)) fail(context, key, value, `one of ${allowed.join(", ")}`);
}

function isAbsoluteWithoutParent(path: string): boolean {
  return path.startsWith("/") && !path.split("/").includes("..");
}

/** Returns the cycle as a path that ends where it starts (`a -> b -> a`), or undefined. */
function findCycle(nodes: readonly string[], edges: (node: string) => readonly string[]): string[] | undefined {
  const done = new Set<string>();
  const trail: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (done.has(node)) return undefined;
    const seen = trail.indexOf(node);
    if (seen >= 0) return [...trail.slice(seen), node];
    trail.push(node);
    for (const next of edges(node)) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    trail.pop();
    done.add(node);
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Runs a check that throws, reporting its problem when the context collects them. */
function attempt(context: CheckContext, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (context.report === undefined || !(error instanceof DockhostInputError)) throw error;
    context.report(error);
  }
}

function isKnown(context: CheckContext, value: unknown): boolean {
  return context.isUnresolved?.(value) !== true;
}

/** Throws, or hands the problem to `context.report` and lets the checks go on. */
function fail(context: CheckContext, key: string, value: unknown, allowed: string): void {
  if (context.report === undefined) invalid({ path: context.path, key, value, allowed });
  context.report(new DockhostInputError({ path: context.path, key, value, allowed }));
}
