/**
 * Compose's one-string forms of ports, volumes, devices and restart policies: each parser and the
 * formatter that writes what it reads sit side by side, so import and export agree.
 */
import {
  BIND_PROPAGATIONS,
  BindPropagation,
  DeviceSpec,
  isBindMount,
  isDevicePermissions,
  PORT_PROTOCOLS,
  PortSpec,
  RESTART_POLICY_NAMES,
  RestartSpec,
  VolumeMount,
} from "./service";

/** Throws for the string being parsed; `allowed` says what would have been accepted. */
export type Fail = (allowed: string) => never;

const PORT_FORM = "a port mapping [host-ip:][host-port:]container-port[/tcp|udp]";
const DIGITS = /^\d+$/;

/** Reads `8080:80`, `127.0.0.1:53:53/udp`, `[::1]::80`, `80`. */
export function parsePort(text: string, fail: Fail): PortSpec {
  const slash = text.lastIndexOf("/");
  const protocolText = slash < 0 ? undefined : text.slice(slash + 1);
  const protocol = PORT_PROTOCOLS.find((known) => known === protocolText);
  if (protocolText !== undefined && protocol === undefined)
    fail(`${PORT_FORM}; protocol ${PORT_PROTOCOLS.join(" or ")}`);
  // The container port is last and the host port before it; whatever precedes them is the address,
  // which may itself contain colons (IPv6).
  const parts = (slash < 0 ? text : text.slice(0, slash)).split(":");
  const containerPort = parts.pop() ?? "";
  const hostPort = parts.pop() ?? "";
  const hostIp = parts.join(":").replace(/^\[(.*)\]$/, "$1");
  const toPort = (digits: string): number => {
    if (digits.includes("-")) fail(`${PORT_FORM}; ranges are not supported, list one port per entry`);
    return DIGITS.test(digits) ? Number(digits) : fail(PORT_FORM);
  };
  return {
    hostIp: hostIp === "" ? undefined : hostIp,
    hostPort: hostPort === "" ? undefined : toPort(hostPort),
    containerPort: toPort(containerPort),
    protocol,
  };
}

/** Writes the form {@link parsePort} reads; IPv6 addresses get brackets. */
export function formatPort(port: PortSpec): string {
  const protocol = port.protocol === undefined ? "" : `/${port.protocol}`;
  if (port.hostIp === undefined && port.hostPort === undefined) return `${port.containerPort}${protocol}`;
  const address = port.hostIp === undefined ? "" : port.hostIp.includes(":") ? `[${port.hostIp}]:` : `${port.hostIp}:`;
  return `${address}${port.hostPort ?? ""}:${port.containerPort}${protocol}`;
}

const VOLUME_FORM = "a mount source:target[:ro|rw][,propagation]";

/** SELinux relabelling modes: Docker ignores them on a host without SELinux, such as the Debian VM. */
const SELINUX_MODES = ["z", "Z"];

/**
 * Reads `name:/target`, `/host/path:/target:ro`, `./conf:/conf:ro,z`. As in compose, a source
 * that starts with `/`, `.` or `~` is a host path; anything else names a volume. `note` hears of
 * a mode that is dropped (SELinux labels).
 */
export function parseVolume(text: string, fail: Fail, note: (message: string) => void = () => undefined): VolumeMount {
  const [source, target, mode, ...rest] = text.split(":");
  if (target === undefined) {
    fail(
      `${VOLUME_FORM}; anonymous volumes are not supported, name the volume and declare it under the top-level volumes`,
    );
  }
  if (source === "" || target === "" || rest.length > 0) fail(VOLUME_FORM);
  const modes = mode === undefined ? [] : mode.split(",");
  const access = modes.filter((m) => m === "ro" || m === "rw");
  const selinux = modes.filter((m) => SELINUX_MODES.includes(m));
  const propagation = modes.filter((m): m is BindPropagation => (BIND_PROPAGATIONS as readonly string[]).includes(m));
  const bind = /^[/.~]/.test(source);
  if (access.length > 1 || propagation.length > 1 || access.length + selinux.length + propagation.length < modes.length || (propagation.length > 0 && !bind)) {
    fail(`${VOLUME_FORM}; nocopy is not supported (the provider's volumes block has no place for it), propagation only on bind mounts`);
  }
  if (selinux.length > 0) note(`SELinux mode :${selinux.join(",")} dropped: the Debian VM does not run SELinux, where Docker ignores it too`);
  const readOnly = access.length === 0 ? undefined : access[0] === "ro";
  return bind ? { hostPath: source, target, readOnly, ...(propagation.length > 0 && { propagation: propagation[0] }) } : { volume: source, target, readOnly };
}

/** Writes the form {@link parseVolume} reads. */
export function formatVolume(mount: VolumeMount): string {
  const source = isBindMount(mount) ? mount.hostPath : mount.volume;
  const options = [mount.readOnly === undefined ? undefined : mount.readOnly ? "ro" : "rw", isBindMount(mount) ? mount.propagation : undefined].filter((o) => o !== undefined);
  return `${source}:${mount.target}${options.length > 0 ? `:${options.join(",")}` : ""}`;
}

/** Reads `/dev/dri`, `/dev/dri:/dev/dri`, `/dev/dri:rw` and `/dev/dri:/dev/dri:rwm`, as Docker does. */
export function parseDevice(text: string, fail: Fail): DeviceSpec {
  const [hostPath, second, third, ...rest] = text.split(":");
  if (hostPath === "" || second === "" || third === "" || rest.length > 0) {
    fail("a device host-path[:container-path][:permissions]");
  }
  if (third !== undefined) return { hostPath, containerPath: second, permissions: third };
  if (second !== undefined && isDevicePermissions(second)) return { hostPath, permissions: second };
  return { hostPath, containerPath: second };
}

/** Writes the form {@link parseDevice} reads. */
export function formatDevice(device: DeviceSpec): string {
  return [device.hostPath, device.containerPath, device.permissions].filter((part) => part !== undefined).join(":");
}

const ON_FAILURE_WITH_LIMIT = /^on-failure:(\d+)$/;

/** Reads `unless-stopped`, `on-failure:5`, .... */
export function parseRestart(text: string, fail: Fail): RestartSpec {
  const policy = RESTART_POLICY_NAMES.find((name) => name === text);
  if (policy !== undefined) return policy;
  const limit = ON_FAILURE_WITH_LIMIT.exec(text);
  return limit === null
    ? fail(`a restart policy: ${RESTART_POLICY_NAMES.join(", ")} or on-failure:<max retries>`)
    : { policy: "on-failure", maxRetries: Number(limit[1]) };
}

/** Writes the form {@link parseRestart} reads. */
export function formatRestart(restart: RestartSpec): string {
  return typeof restart === "string" ? restart : `${restart.policy}:${restart.maxRetries}`;
}
