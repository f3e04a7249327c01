/**
 * prometheus.yml from a typed description: global intervals, static scrape jobs, rule files and
 * Alertmanager targets. What Prometheus would refuse, and a few things it would accept but that
 * are surely mistakes (a target without a port, a zero interval, a job without targets), is
 * refused here first.
 */
import { isIP } from "node:net";
import { checkPortNumber } from "../compose/validate";
import { invalid } from "../errors";
import { toGoYaml } from "./go-yaml";
import { checkPrometheusInterval } from "./prometheus-duration";

/** URL schemes Prometheus scrapes with. */
export const SCRAPE_SCHEMES = ["http", "https"] as const;

/** URL scheme of a scrape job. */
export type ScrapeScheme = (typeof SCRAPE_SCHEMES)[number];

/** Interval Dockhost scrapes and evaluates rules at unless told otherwise (Prometheus's own default is 1m). */
export const DEFAULT_PROMETHEUS_INTERVAL = "15s";

/**
 * The tasks of one Swarm service, found with Prometheus's `dockerswarm_sd_configs` (role `tasks`):
 * each running task's address on `network`, at `port` (a service without published ports is
 * scraped at the SD config's port; discovery/moby/tasks.go), labelled with its node's hostname.
 */
export interface SwarmTasksTarget {
  /** Docker API endpoint that answers the Swarm API: a socket proxy on a manager. */
  readonly host: string;
  /** The Swarm service's name, `<stack>_<service>`. */
  readonly service: string;
  /** Network Prometheus shares with the tasks (a task has an address on each of its networks). */
  readonly network: string;
  readonly port: number;
}

/** One scrape job: a fixed list of targets (`static_configs`), or the tasks of a Swarm service. */
export interface ScrapeJob {
  /** Name of the job, unique in the config; becomes the `job` label of every series it scrapes. */
  readonly jobName: string;
  /** Endpoints as `host:port`: a DNS name (a container name on the stack network), an IPv4 or an `[IPv6]` address. Empty with swarmTasks. */
  readonly targets: readonly string[];
  /**
   * Discover the targets as the tasks of a Swarm service instead (one per node for a global service).
   * @default - the static targets
   */
  readonly swarmTasks?: SwarmTasksTarget;
  /**
   * HTTP path of the metrics endpoint.
   * @default "/metrics"
   */
  readonly metricsPath?: string;
  /**
   * URL scheme.
   * @default "http"
   */
  readonly scheme?: ScrapeScheme;
  /**
   * How often this job is scraped, a Prometheus duration.
   * @default - the global scrape interval
   */
  readonly scrapeInterval?: string;
  /**
   * Labels added to every series of the job's targets.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What prometheus.yml says. */
export interface PrometheusConfigSpec {
  /**
   * How often targets are scraped, a Prometheus duration such as `15s` or `1m`.
   * @default "15s"
   */
  readonly scrapeInterval?: string;
  /**
   * How often rules are evaluated, a Prometheus duration.
   * @default "15s"
   */
  readonly evaluationInterval?: string;
  /** The scrape jobs; job names must be unique. */
  readonly scrapeJobs: readonly ScrapeJob[];
  /**
   * Rule files to load, as paths inside the Prometheus container (relative ones resolve against
   * the directory of prometheus.yml); globs allowed in the file name.
   * @default - none
   */
  readonly ruleFiles?: readonly string[];
  /**
   * Alertmanagers that receive firing alerts, as `host:port`.
   * @default - none: alerts are evaluated and shown in Prometheus, but not sent
   */
  readonly alertmanagers?: readonly string[];
}

/** A bracketed IPv6 address or a host without colons, then `:` and a port. */
const TARGET = /^(?:\[(?<ipv6>[^\]]+)\]|(?<host>[^:[\]]+)):(?<port>\d+)$/;
/** DNS labels of letters, digits, '-' and '_' (Docker service names use it), joined by dots. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
/** Something that can only have been meant as an IPv4 address. */
const DIGITS_AND_DOTS = /^[\d.]+$/;
/** Prometheus's label name grammar; names starting with `__` are reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[A-Za-z_][A-Za-z0-9_]*$/;

const ALLOWED = {
  jobName: "a non-empty job name",
  targets: "at least one host:port target",
  target: "host:port, the host a DNS name, an IPv4 address or an [IPv6] address",
  metricsPath: "an absolute URL path such as /metrics",
  scheme: `one of ${SCRAPE_SCHEMES.join(", ")}`,
  labelName: "a label name of letters, digits and '_' that does not start with a digit or with '__'",
  ruleFile: "a non-empty file path",
} as const;

/** Throws a `DockhostInputError`, naming `path`, the key and the value, for the first bad value in `spec`. */
export function checkPrometheusConfig(path: string, spec: PrometheusConfigSpec): void {
  if (spec.scrapeInterval !== undefined) checkPrometheusInterval(path, "scrapeInterval", spec.scrapeInterval);
  if (spec.evaluationInterval !== undefined) checkPrometheusInterval(path, "evaluationInterval", spec.evaluationInterval);
  const jobKeys = new Map<string, string>();
  spec.scrapeJobs.forEach((job, i) => {
    const key = `scrapeJobs[${i}]`;
    checkScrapeJob(path, key, job);
    const earlier = jobKeys.get(job.jobName);
    if (earlier !== undefined) {
      invalid({ path, key: `${key}.jobName`, value: job.jobName, allowed: `a job name not already used by ${earlier}` });
    }
    jobKeys.set(job.jobName, key);
  });
  spec.ruleFiles?.forEach((file, i) => {
    if (file.length === 0) invalid({ path, key: `ruleFiles[${i}]`, value: file, allowed: ALLOWED.ruleFile });
  });
  spec.alertmanagers?.forEach((target, i) => checkTarget(path, `alertmanagers[${i}]`, target));
}

/** prometheus.yml for a spec, after checking it (errors name `path`). */
export function renderPrometheusConfig(path: string, spec: PrometheusConfigSpec): string {
  checkPrometheusConfig(path, spec);
  const alertmanagers = spec.alertmanagers ?? [];
  return toGoYaml({
    global: {
      scrape_interval: spec.scrapeInterval ?? DEFAULT_PROMETHEUS_INTERVAL,
      evaluation_interval: spec.evaluationInterval ?? DEFAULT_PROMETHEUS_INTERVAL,
    },
    alerting: alertmanagers.length > 0 ? { alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }] } : undefined,
    rule_files: spec.ruleFiles,
    scrape_configs: spec.scrapeJobs.map(renderScrapeJob),
  });
}

function renderScrapeJob(job: ScrapeJob): object {
  const tasks = job.swarmTasks;
  return {
    job_name: job.jobName,
    scrape_interval: job.scrapeInterval,
    metrics_path: job.metricsPath,
    scheme: job.scheme,
    static_configs: tasks ? undefined : [{ targets: job.targets, labels: job.labels }],
    // Meta labels of discovery/moby (tasks.go, services.go, nodes.go, network.go).
    dockerswarm_sd_configs: tasks && [{ host: tasks.host, role: "tasks", port: tasks.port }],
    relabel_configs: tasks && [
      { source_labels: ["__meta_dockerswarm_service_name"], regex: escapeRegex(tasks.service), action: "keep" },
      { source_labels: ["__meta_dockerswarm_task_desired_state"], regex: "running", action: "keep" },
      { source_labels: ["__meta_dockerswarm_network_name"], regex: escapeRegex(tasks.network), action: "keep" },
      { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "instance" },
      ...Object.entries(job.labels ?? {}).map(([name, value]) => ({ target_label: name, replacement: value })),
    ],
  };
}

/** A literal for a Prometheus (RE2, fully anchored) regex. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function checkScrapeJob(path: string, key: string, job: ScrapeJob): void {
  if (job.jobName.length === 0) invalid({ path, key: `${key}.jobName`, value: job.jobName, allowed: ALLOWED.jobName });
  if (job.targets.length === 0 && job.swarmTasks === undefined) invalid({ path, key: `${key}.targets`, value: job.targets, allowed: ALLOWED.targets });
  job.targets.forEach((target, i) => checkTarget(path, `${key}.targets[${i}]`, target));
  if (job.metricsPath !== undefined && !job.metricsPath.startsWith("/")) {
    invalid({ path, key: `${key}.metricsPath`, value: job.metricsPath, allowed: ALLOWED.metricsPath });
  }
  if (job.scheme !== undefined && !SCRAPE_SCHEMES.includes(job.scheme)) {
    invalid({ path, key: `${key}.scheme`, value: job.scheme, allowed: ALLOWED.scheme });
  }
  if (job.scrapeInterval !== undefined) checkPrometheusInterval(path, `${key}.scrapeInterval`, job.scrapeInterval);
  for (const name of Object.keys(job.labels ?? {})) {
    if (!LABEL_NAME.test(name)) invalid({ path, key: `${key}.labels.${name}`, value: name, allowed: ALLOWED.labelName });
  }
}

/** `host:port`; the port range is the one every Dockhost port is held to. */
function checkTarget(path: string, key: string, target: string): void {
  const parts = TARGET.exec(target)?.groups;
  const hostIsValid =
    parts !== undefined &&
    (parts.ipv6 !== undefined
      ? isIP(parts.ipv6) === 6
      : isIP(parts.host) === 4 || (HOST_NAME.test(parts.host) && !DIGITS_AND_DOTS.test(parts.host)));
  if (!hostIsValid) invalid({ path, key, value: target, allowed: ALLOWED.target });
  checkPortNumber({ path }, key, Number(parts.port));
}
