/**
 * The PromQL Dockhost asks of its exporters: node-exporter for the host, cAdvisor for containers,
 * Traefik for certificates. Alert rules and dashboards take their queries from here, so an alert
 * and the panel that explains it measure the same thing.
 */

/** Job name of the node-exporter scrape job the queries assume unless told otherwise. */
export const DEFAULT_NODE_EXPORTER_JOB = "node-exporter";
/** Job name of the cAdvisor scrape job the queries assume unless told otherwise. */
export const DEFAULT_CADVISOR_JOB = "cadvisor";
/**
 * Mount point, as node-exporter reports it, of the filesystem that holds /var/lib/docker. On a
 * Dockhost VM that is the root filesystem; node-exporter runs with the host's root at /host and
 * `--path.rootfs=/host`, which strips that prefix, so it reports the host's `/`.
 */
export const DEFAULT_DOCKER_MOUNTPOINT = "/";

/** Where the host and container metrics come from. */
export interface MetricSources {
  /**
   * Job name of the node-exporter scrape job.
   * @default "node-exporter"
   */
  readonly nodeJob?: string;
  /**
   * Job name of the cAdvisor scrape job.
   * @default "cadvisor"
   */
  readonly cadvisorJob?: string;
  /**
   * Mount point (node-exporter's `mountpoint` label) of the filesystem holding /var/lib/docker.
   * @default "/"
   */
  readonly dockerMountpoint?: string;
}

/** cAdvisor also reports system cgroups; only Docker containers carry a `name`. */
const CONTAINERS_ONLY = 'name!=""';
const SECONDS_PER_DAY = 86400;

/** `up == 0`: the targets of `job` did not answer their last scrape. */
export function targetDown(job: string): string {
  return `${series("up", { job })} == 0`;
}

/** Any target but node-exporter's is down (HostDown already reports that one). */
export function otherTargetsDown(sources: MetricSources): string {
  return `${series("up", {}, [`job!=${JSON.stringify(nodeJob(sources))}`])} == 0`;
}

/** node-exporter did not answer its last scrape: the host, or the exporter, is down. */
export function nodeExporterDown(sources: MetricSources): string {
  return targetDown(nodeJob(sources));
}

/**
 * Percentage of the Docker filesystem in use. Blocks reserved for root count as used (unlike in
 * `df`'s Use%), so the number runs slightly ahead of df's and a disk alert comes early, not late.
 */
export function dockerDiskUsedPercent(sources: MetricSources): string {
  const filesystem = { job: nodeJob(sources), mountpoint: sources.dockerMountpoint ?? DEFAULT_DOCKER_MOUNTPOINT };
  return `100 * (1 - ${series("node_filesystem_avail_bytes", filesystem)} / ${series("node_filesystem_size_bytes", filesystem)})`;
}

/** Percentage of memory the kernel could hand out without swapping (MemAvailable, not MemFree). */
export function memoryAvailablePercent(sources: MetricSources): string {
  const host = { job: nodeJob(sources) };
  return `100 * ${series("node_memory_MemAvailable_bytes", host)} / ${series("node_memory_MemTotal_bytes", host)}`;
}

/** Percentage of CPU time not idle, averaged over the host's cores, per `window`. */
export function cpuBusyPercent(sources: MetricSources, window: string): string {
  const idle = series("node_cpu_seconds_total", { job: nodeJob(sources), mode: "idle" });
  return `100 * (1 - avg by (instance) (rate(${idle}[${window}])))`;
}

/** Direction of network traffic, as node-exporter names its counters. */
export type NetworkDirection = "receive" | "transmit";

/**
 * Bytes per second on the host's own interfaces: loopback, the Docker bridges and the veth ends
 * of containers are left out, since their traffic also crosses a real interface or never leaves.
 * node-exporter sees the host's interfaces only when it shares the host's network namespace.
 */
export function networkBytesPerSecond(sources: MetricSources, direction: NetworkDirection, window: string): string {
  const counter = series(`node_network_${direction}_bytes_total`, { job: nodeJob(sources) }, ['device!~"lo|docker.*|br-.*|veth.*"']);
  return `rate(${counter}[${window}])`;
}

/** CPU cores each container uses, per `window`. */
export function containerCpuCores(sources: MetricSources, window: string): string {
  return `sum by (name) (rate(${containerSeries(sources, "container_cpu_usage_seconds_total")}[${window}]))`;
}

/** Memory each container holds that the kernel cannot reclaim: the working set, which OOM kills are judged on. */
export function containerMemoryBytes(sources: MetricSources): string {
  return `sum by (name) (${containerSeries(sources, "container_memory_working_set_bytes")})`;
}

/**
 * Restarts of each container within `window`. Docker restarts a container in place (same id, same
 * cAdvisor series) and cAdvisor's start time changes each time; a container that is recreated
 * (a deploy, a new image) starts a new series instead, so deploys do not count as restarts.
 */
export function containerRestarts(sources: MetricSources, window: string): string {
  return `changes(${containerSeries(sources, "container_start_time_seconds")}[${window}])`;
}

/** OOM kills inside each container within `window` (cAdvisor reads them from the kernel log). */
export function containerOomKills(sources: MetricSources, window: string): string {
  return `increase(${containerSeries(sources, "container_oom_events_total")}[${window}])`;
}

/** Days until each certificate Traefik serves expires, from the `job` that scrapes Traefik. */
export function certificateDaysLeft(proxyJob: string): string {
  return `(${series("traefik_tls_certs_not_after", { job: proxyJob })} - time()) / ${SECONDS_PER_DAY}`;
}

function nodeJob(sources: MetricSources): string {
  return sources.nodeJob ?? DEFAULT_NODE_EXPORTER_JOB;
}

function containerSeries(sources: MetricSources, metric: string): string {
  return series(metric, { job: sources.cadvisorJob ?? DEFAULT_CADVISOR_JOB }, [CONTAINERS_ONLY]);
}

/** `metric{label="value", ...}`; values are quoted as PromQL strings, whose escapes JSON's are a subset of. */
function series(metric: string, labels: Readonly<Record<string, string>>, otherMatchers: readonly string[] = []): string {
  const matchers = [...Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`), ...otherMatchers];
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(", ")}}`;
}
