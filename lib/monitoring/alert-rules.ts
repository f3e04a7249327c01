/**
 * The alerts every Dockhost gets: the host is down or short of disk or memory, a container
 * crash-loops or runs out of memory, a certificate is about to expire, a scrape target is gone.
 * Thresholds are inputs; the queries come from `./queries`, shared with the dashboards.
 */
import { checkAbsolutePath } from "../compose/validate";
import { invalid } from "../errors";
import { toGoYaml } from "./go-yaml";
import * as query from "./queries";

/** How loud an alert is; Alertmanager routes on it. */
export type AlertSeverity = "critical" | "warning";

/** One alerting rule, field for field as a Prometheus rule file writes it. */
export interface AlertRule {
  /** Alert name, in UpperCamelCase by Prometheus convention. */
  readonly alert: string;
  /** PromQL; every series it returns is one alert. */
  readonly expr: string;
  /** How long `expr` must keep returning a series before the alert fires, a Prometheus duration. */
  readonly for: string;
  readonly labels: { readonly severity: AlertSeverity };
  /** Texts for people; `{{ $labels.x }}` and `{{ $value }}` are filled in when the alert fires. */
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** Thresholds of the default alerts, and where their metrics come from. */
export interface DefaultAlertRulesProps extends query.MetricSources {
  /**
   * Job name of the scrape job for Traefik's metrics; TlsCertificateExpiring exists only with a proxy.
   * @default - no proxy, no certificate alert
   */
  readonly proxyJob?: string;
  /**
   * DockerDiskFilling fires when more than this percentage (0..100) of the Docker filesystem is used.
   * @default 85
   */
  readonly maxDockerDiskUsedPercent?: number;
  /**
   * MemoryPressure fires when less than this percentage (0..100) of memory stays available for 10 minutes.
   * @default 10
   */
  readonly minMemoryAvailablePercent?: number;
  /**
   * ContainerRestarting fires when a container restarts more often than this within 15 minutes.
   * @default 2
   */
  readonly maxContainerRestarts?: number;
  /**
   * TlsCertificateExpiring fires when a certificate has fewer days left. Traefik renews ACME
   * certificates 30 days before they expire, so a value below 30 only fires when renewal fails.
   * @default 14
   */
  readonly minCertificateDaysLeft?: number;
}

/** Name of the rule group in the rendered file. */
export const ALERT_RULE_GROUP = "dockhost";

/** Windows and `for` durations; each says why it is not shorter. */
const TIMING = {
  /** A reboot of the VM or a restart of node-exporter takes about a minute. */
  hostDownFor: "2m",
  /** An image pull or a build can fill and free space within minutes. */
  diskFor: "5m",
  /** The page cache gives memory back within minutes; only lasting pressure matters. */
  memoryFor: "10m",
  /** Docker backs off between restarts up to a minute, so a crash loop shows several restarts in 15 minutes. */
  restartWindow: "15m",
  /** Each OOM kill keeps the alert up for this long; the window itself debounces, so `for` is zero. */
  oomWindow: "10m",
  /** Days of warning are left; one odd scrape must not page. */
  certificateFor: "15m",
  /** Longer than a container recreate on deploy. */
  targetMissingFor: "5m",
  /** The alert condition is itself a count over a window. */
  immediately: "0s",
} as const;

const ALLOWED = {
  percentage: "a percentage from 0 to 100",
  restarts: "a whole number, 0 or more",
  days: "a number of days greater than 0",
} as const;

const DEFAULT_THRESHOLDS = {
  maxDockerDiskUsedPercent: 85,
  minMemoryAvailablePercent: 10,
  maxContainerRestarts: 2,
  minCertificateDaysLeft: 14,
} as const;

/** The default alert rules, after checking the thresholds; errors name `path` and the prop. */
export function defaultAlertRules(path: string, props: DefaultAlertRulesProps = {}): AlertRule[] {
  const { maxDiskUsed, minMemoryAvailable, maxRestarts, minDaysLeft } = checkThresholds(path, props);
  if (props.dockerMountpoint !== undefined) checkAbsolutePath({ path }, "dockerMountpoint", props.dockerMountpoint);
  const rules: AlertRule[] = [
    {
      alert: "HostDown",
      expr: query.nodeExporterDown(props),
      for: TIMING.hostDownFor,
      labels: { severity: "critical" },
      annotations: {
        summary: "Docker host {{ $labels.instance }} is down",
        description:
          `Prometheus has not reached node-exporter on {{ $labels.instance }} for ${TIMING.hostDownFor}: ` +
          "the host is down or unreachable, or node-exporter stopped.",
      },
    },
    {
      alert: "DockerDiskFilling",
      expr: `${query.dockerDiskUsedPercent(props)} > ${maxDiskUsed}`,
      for: TIMING.diskFor,
      labels: { severity: "warning" },
      annotations: {
        summary: "Docker disk on {{ $labels.instance }} is {{ $value | humanize }}% full",
        description:
          `The filesystem holding /var/lib/docker (mount point {{ $labels.mountpoint }}) is more than ${maxDiskUsed}% used. ` +
          "Remove unused images (docker image prune -a) and look for growing volumes.",
      },
    },
    {
      alert: "MemoryPressure",
      expr: `${query.memoryAvailablePercent(props)} < ${minMemoryAvailable}`,
      for: TIMING.memoryFor,
      labels: { severity: "warning" },
      annotations: {
        summary: "Memory is low on {{ $labels.instance }}",
        description:
          `Only {{ $value | humanize }}% of memory has been available for ${TIMING.memoryFor} (threshold ${minMemoryAvailable}%). ` +
          "The kernel will start killing processes next; containers without a memory limit go first.",
      },
    },
    {
      alert: "ContainerRestarting",
      expr: `${query.containerRestarts(props, TIMING.restartWindow)} > ${maxRestarts}`,
      for: TIMING.immediately,
      labels: { severity: "warning" },
      annotations: {
        summary: "Container {{ $labels.name }} is restarting",
        description:
          `{{ $labels.name }} ({{ $labels.image }}) restarted {{ $value }} times in the last ${TIMING.restartWindow}. ` +
          "See docker logs {{ $labels.name }}.",
      },
    },
    {
      alert: "ContainerOomKilled",
      expr: `${query.containerOomKills(props, TIMING.oomWindow)} > 0`,
      for: TIMING.immediately,
      labels: { severity: "warning" },
      annotations: {
        summary: "Out of memory in container {{ $labels.name }}",
        description:
          `The kernel killed a process in {{ $labels.name }} ({{ $labels.image }}) for lack of memory in the last ` +
          `${TIMING.oomWindow}. Raise the container's memory limit or find what grows.`,
      },
    },
  ];
  if (props.proxyJob !== undefined) rules.push(certificateExpiring(props.proxyJob, minDaysLeft));
  rules.push({
    alert: "TargetMissing",
    expr: query.otherTargetsDown(props),
    for: TIMING.targetMissingFor,
    labels: { severity: "warning" },
    annotations: {
      summary: "Scrape target {{ $labels.instance }} of job {{ $labels.job }} is down",
      description:
        `Prometheus has not scraped {{ $labels.instance }} ({{ $labels.job }}) for ${TIMING.targetMissingFor}; ` +
        "its metrics, and the alerts built on them, are missing.",
    },
  });
  return rules;
}

/** A Prometheus rule file with the rules as one group. */
export function renderAlertRules(rules: readonly AlertRule[]): string {
  return toGoYaml({ groups: [{ name: ALERT_RULE_GROUP, rules }] });
}

function certificateExpiring(proxyJob: string, minDaysLeft: number): AlertRule {
  return {
    alert: "TlsCertificateExpiring",
    expr: `${query.certificateDaysLeft(proxyJob)} < ${minDaysLeft}`,
    for: TIMING.certificateFor,
    labels: { severity: "warning" },
    annotations: {
      summary: "TLS certificate for {{ $labels.cn }} expires soon",
      description:
        "The certificate Traefik serves for {{ $labels.cn }} expires in {{ $value | humanize }} days. " +
        "ACME renewal should have happened 30 days before expiry: look for ACME errors in Traefik's log.",
    },
  };
}

/** Every threshold with its default, checked even when the rule that reads it is left out. */
function checkThresholds(path: string, props: DefaultAlertRulesProps) {
  const check = (key: keyof typeof DEFAULT_THRESHOLDS, isValid: (value: number) => boolean, allowed: string): number => {
    const value = props[key] ?? DEFAULT_THRESHOLDS[key];
    if (!isValid(value)) invalid({ path, key, value, allowed });
    return value;
  };
  return {
    maxDiskUsed: check("maxDockerDiskUsedPercent", isPercentage, ALLOWED.percentage),
    minMemoryAvailable: check("minMemoryAvailablePercent", isPercentage, ALLOWED.percentage),
    maxRestarts: check("maxContainerRestarts", (value) => Number.isInteger(value) && value >= 0, ALLOWED.restarts),
    minDaysLeft: check("minCertificateDaysLeft", (value) => Number.isFinite(value) && value > 0, ALLOWED.days),
  };
}

function isPercentage(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 100;
}
