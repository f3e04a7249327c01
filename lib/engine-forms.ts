/**
 * Container settings written the way the Docker engine and kreuzwerker/docker 3.6.2 read them
 * back, so a plan after apply shows no changes (the stand-ins in __tests__/support/terraform model
 * that read-back; each rule below names the upstream file the fact comes from).
 */

/**
 * Capabilities as Docker's client sends them and the engine reports them: upper case, `CAP_`
 * prefix (except `ALL`), sorted, unique (github.com/docker/docker v28.1.1 client/container_create.go,
 * normalizeCapabilities; kreuzwerker reads HostConfig.CapAdd/CapDrop back and both are ForceNew).
 */
export function engineCapabilities(caps: readonly string[] | undefined): string[] | undefined {
  if (caps === undefined) return undefined;
  const normalized = caps.map((c) => {
    const upper = c.toUpperCase();
    return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  });
  return [...new Set(normalized)].sort();
}

/**
 * A device with explicit container path and permissions. kreuzwerker's deviceSetToDockerDevices
 * (resource_docker_container_structures.go) turns an empty container_path into the host path and
 * then falls through to permissions "rwm", dropping the permissions asked for.
 */
export function engineDevice(d: { readonly hostPath: string; readonly containerPath?: string; readonly permissions?: string }): { hostPath: string; containerPath: string; permissions: string } {
  return { hostPath: d.hostPath, containerPath: d.containerPath ?? d.hostPath, permissions: d.permissions ?? "rwm" };
}

/**
 * memory_swap as the engine sets it when unset: twice the memory limit (moby daemon/daemon_unix.go,
 * adaptContainerSettings); kreuzwerker reads it back, so leaving it unset is a diff on every plan.
 */
export function engineMemorySwap(memoryMb: number | undefined): number | undefined {
  return memoryMb === undefined ? undefined : memoryMb * 2;
}

/** The CFS period Docker's `--cpus` uses (100 ms, in µs). */
export const CPU_PERIOD_US = 100_000;

/**
 * `cpus` as cpu_period/cpu_quota: kreuzwerker 3.6.2 panics on `cpus` at create
 * (`v.(float32)` on a string, resource_docker_container_funcs.go; issue #759). The engine applies
 * the same CFS limit either way.
 */
export function engineCpuQuota(cpus: number | undefined): { cpuPeriod: number; cpuQuota: number } | undefined {
  return cpus === undefined ? undefined : { cpuPeriod: CPU_PERIOD_US, cpuQuota: Math.round(cpus * CPU_PERIOD_US) };
}

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };

/**
 * A duration as Go's time.Duration.String() prints it (`1m` → `1m0s`, `90s` → `1m30s`): kreuzwerker
 * reads healthcheck durations back that way (resource_docker_container_funcs.go).
 */
export function goDurationString(text: string): string {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ms += Number(n) * UNIT_MS[unit];
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/**
 * A duration as kreuzwerker reads Swarm durations back: Go's String() with a trailing `0s` after
 * minutes and `0m` after hours cut (`1m0s` → `1m`, `1h0m0s` → `1h`; shortDur in
 * resource_docker_service_structures.go, v3.6.2).
 */
export function swarmDuration(text: string): string {
  return goDurationString(text).replace(/m0s$/, "m").replace(/h0m$/, "h");
}

/**
 * Log options as the engine stores them: with the daemon's driver, the daemon's log-opts fill the
 * keys the container leaves out (moby daemon/logs.go, mergeAndVerifyLogConfig); log_opts is ForceNew.
 */
export function engineLogOptions(driver: string, options: Readonly<Record<string, string>>, daemonDriver: string, daemonOptions: Readonly<Record<string, string>>): Record<string, string> {
  return driver === daemonDriver ? { ...daemonOptions, ...options } : { ...options };
}
