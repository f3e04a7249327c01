import { Lazy, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { dockerDiskBudgetGb } from "../lib/capacity";
import { escapeTerraformTemplate } from "../lib/cloud-config";
import { invalid } from "../lib/errors";
import { EMAIL_PATTERN, isEmail } from "../lib/hostname";
import { renderAlertmanagerConfig } from "../lib/monitoring/alertmanager-config";
import { AlertRule, DefaultAlertRulesProps, defaultAlertRules, renderAlertRules } from "../lib/monitoring/alert-rules";
import { backupAlertRules, TEXTFILE_DIR } from "../lib/monitoring/backup-metric";
import { VolumeBackup } from "./volume-backup";
import { grafanaProvisioningFiles } from "../lib/monitoring/grafana";
import { checkMetricsEndpoint, MetricsEndpoint } from "../lib/monitoring/metrics-endpoint";
import { DEFAULT_PROMETHEUS_INTERVAL, PrometheusConfigSpec, renderPrometheusConfig, ScrapeJob } from "../lib/monitoring/prometheus-config";
import { checkPrometheusInterval } from "../lib/monitoring/prometheus-duration";
import { DEFAULT_CADVISOR_JOB, DEFAULT_NODE_EXPORTER_JOB, MetricSources } from "../lib/monitoring/queries";
import { prometheusRetentionSize } from "../lib/monitoring/retention";
import { CADVISOR_IMAGE } from "../lib/images";
import { suppress } from "../lib/policy/suppressions";
import { ENTRYPOINTS } from "../lib/traefik/static-config";
import { ComposeService, ComposeServiceProps, ComposeStack } from "./compose-stack";
import { DockerEngine } from "./docker-engine";
import { dockerSocketProxy } from "./docker-socket-proxy";
import { ProxyRoute, ReverseProxy } from "./reverse-proxy";
import { Secret } from "./secret";

/** Pinned images. cAdvisor 0.53 and later are published on ghcr.io; older ones cannot read Docker 29. */
export const MONITORING_IMAGES = {
  prometheus: "prom/prometheus:v2.55.1",
  grafana: "grafana/grafana:11.3.1",
  nodeExporter: "prom/node-exporter:v1.8.2",
  cadvisor: CADVISOR_IMAGE,
  alertmanager: "prom/alertmanager:v0.27.0",
} as const;

/** Job names the alert rules and dashboards expect, and those of the other built-in jobs. */
export const MONITORING_JOBS = {
  prometheus: "prometheus",
  nodeExporter: DEFAULT_NODE_EXPORTER_JOB,
  cadvisor: DEFAULT_CADVISOR_JOB,
  dockerEngine: "docker-engine",
  traefik: "traefik",
  alertmanager: "alertmanager",
} as const;

/** E-mail delivery of alerts. */
export interface AlertEmailProps {
  /** Recipient, e.g. `me@example.com`. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** SMTP server as `host:port`, e.g. `smtp.example.com:587`. */
  readonly smarthost: string;
  /**
   * SMTP user.
   * @default no login
   */
  readonly username?: string;
  /**
   * SMTP password.
   * @default none
   */
  readonly password?: Secret;
  /**
   * Send only over STARTTLS.
   * @default true
   */
  readonly requireTls?: boolean;
}

/** Where Alertmanager sends alerts: a webhook, e-mail, or both. */
export interface AlertmanagerProps {
  /**
   * URL that receives each notification as Alertmanager's webhook JSON (an ntfy bridge, Gotify, a
   * chat webhook). A secret, since such URLs often carry a token; Alertmanager reads it from a file.
   * @default none
   */
  readonly webhookUrl?: Secret;
  /**
   * E-mail receiver.
   * @default none
   */
  readonly email?: AlertEmailProps;
}

/** The thresholds of the default alerts, each with its default (README, "Monitoring"). */
export type AlertThresholds = Omit<DefaultAlertRulesProps, keyof MetricSources | "proxyJob">;

/** The engine and proxy the monitoring stack runs with, its hosts, retention and alerting. */
export interface MonitoringStackProps extends AlertThresholds {
  /** The Docker engine (VM) to monitor; the stack runs there too. */
  readonly engine: DockerEngine;
  /**
   * Password of Grafana's `admin` user. Grafana reads it (from a file) when it creates its database,
   * on the first start; later changes need `grafana cli admin reset-admin-password`.
   */
  readonly grafanaAdminPassword: Secret;
  /**
   * Stack name: prefix of the containers, network and volumes.
   * @default "monitoring" for the first in its Terraform stack, "monitoring-<vm name>" for the next ones (other VMs)
   */
  readonly stackName?: string;
  /**
   * How often every target is scraped and the rules evaluated, a Prometheus duration.
   * @default "15s"
   */
  readonly scrapeInterval?: string;
  /**
   * GB of the Docker disk that Prometheus's data may take: the volume's size budget, from which
   * the size-based retention is derived. At most the VM's Docker disk budget.
   * @default 5
   */
  readonly retentionSizeGb?: number;
  /**
   * The homelab's reverse proxy: Traefik's metrics are scraped (with the certificate alert), and
   * Grafana is served through it at `grafanaHost`.
   * @default none: Grafana listens on 127.0.0.1:3000 of the VM (reach it with `ssh -L`)
   */
  readonly proxy?: ReverseProxy;
  /**
   * Host name Grafana answers on through the proxy, e.g. `grafana.example.com`.
   * @default none (required with proxy)
   */
  readonly grafanaHost?: string;
  /**
   * Run Alertmanager and send alerts to these receivers.
   * @default none: alerts show in Prometheus and Grafana but are not sent
   */
  readonly alertmanager?: AlertmanagerProps;
}

/** Options of {@link MonitoringStack.scrape}. */
export interface ScrapeOptions extends MetricsEndpoint {
  /**
   * Job name, the `job` label of the series.
   * @default the container name, e.g. `app-api`
   */
  readonly jobName?: string;
}

/**
 * Policy rules the exporters trip on purpose, and why; applied with the policy pack's `suppress()`
 * on their containers.
 */
export const MONITORING_POLICY_SUPPRESSIONS = {
  cadvisor: {
    "DH-DOCKER-SOCKET":
      "cAdvisor names containers from the Docker API and, on Docker 29's containerd image store, from containerd's gRPC socket, " +
      "which no socket proxy can filter; it also registers its Docker source once at start and never retries, so behind a proxy " +
      "that starts after it (any reboot) it would silently lose every container name. It sits on the monitoring network only.",
  },
  "node-exporter": {
    "DH-HOST-NAMESPACE":
      "node-exporter reads the VM's own network interfaces only from the host network namespace (the Network panel); " +
      "it listens on docker0's address, which the LAN has no route to, runs as nobody with no capabilities and a read-only root.",
  },
} as const;

const PORTS = { prometheus: 9090, grafana: 3000, nodeExporter: 9100, cadvisor: 8080, alertmanager: 9093 } as const;
/** Memory limits (MiB), each well above what the component needs for a homelab's few thousand series. */
const MEMORY_MB = { prometheus: 1024, grafana: 512, nodeExporter: 64, cadvisor: 256, alertmanager: 128 } as const;
const DEFAULT_RETENTION_SIZE_GB = 5;
const GRAFANA_DATA_BUDGET_GB = 1;
const ALERTMANAGER_DATA_BUDGET_GB = 1;
const PROMETHEUS_DIR = "/etc/prometheus";
/** Beside prometheus.yml, where the relative name in `rule_files` resolves. */
const RULES_FILE = "dockhost-alerts.yml";
/** A service with a task on every node, reached by its tasks' addresses (no virtual IP). */
const GLOBAL = { mode: "global", endpointMode: "dnsrr" } as const;
const ALERTMANAGER_CONFIG = "/etc/alertmanager/alertmanager.yml";
const SMARTHOST = /^[A-Za-z0-9.-]+:\d{1,5}$/;
/** Settings every long-running service here shares (a Swarm service has no security_opt: lib/compose/swarm-service.ts). */
function hardened(swarm: boolean): Pick<ComposeServiceProps, "restart" | "securityOpt"> {
  return { restart: "unless-stopped", securityOpt: swarm ? undefined : ["no-new-privileges:true"] };
}

/**
 * Monitoring for one Docker host: Prometheus with the default alert rules, Grafana provisioned with
 * its datasource and dashboards, node-exporter for the VM, cAdvisor for the containers, and
 * optionally Alertmanager. Prometheus scrapes the exporters, itself, the Docker engine's endpoint,
 * Traefik when a proxy is given, and every service on the engine that declares `metrics` (whenever
 * it is added) or is passed to `scrape()`; it joins the network of each scraped stack, so that
 * stacks stay apart from each other. prometheus.yml is rendered at synth time from those targets.
 */
export class MonitoringStack extends Construct {
  public readonly engine: DockerEngine;
  /** The ComposeStack that runs every component. */
  public readonly stack: ComposeStack;
  public readonly prometheus: ComposeService;
  public readonly grafana: ComposeService;
  public readonly nodeExporter: ComposeService;
  public readonly cadvisor: ComposeService;
  public readonly alertmanager?: ComposeService;
  /** Grafana's route through the proxy, when there is one. */
  public readonly grafanaRoute?: ProxyRoute;
  public readonly scrapeInterval: string;
  /** Prometheus's `--storage.tsdb.retention.size`, derived from `retentionSizeGb`. */
  public readonly retentionSize: string;
  public readonly alertRules: readonly AlertRule[];
  /** Alerts for the volume backup of the engine, if there is one (it may be created after this stack). */
  public backupAlertRules(): AlertRule[] {
    const backup = VolumeBackup.onEngine(this.engine);
    return backup ? backupAlertRules(backup.watchedBackups) : [];
  }

  /** Rules other constructs add (the VM backup check), rendered with the rest at synth. */
  private readonly extraAlertRules: AlertRule[] = [];

  /** Adds alert rules to Prometheus's rule file (rendered at synth, so any time before it). */
  public addAlertRules(rules: readonly AlertRule[]): void {
    this.extraAlertRules.push(...rules);
  }

  private readonly jobs = new Map<string, ScrapeJob>();
  /** The socket proxy Prometheus asks for Swarm tasks, on a Swarm engine. */
  private readonly swarmApi?: ReturnType<typeof dockerSocketProxy>;
  private readonly scraped = new Map<ComposeService, string>();
  private readonly joinedStacks = new Set<ComposeStack>();

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    const path = this.node.path;
    this.engine = props.engine;
    const swarm = this.engine.swarm !== undefined;
    const HARDENED = hardened(swarm);
    if (swarm && props.proxy === undefined) {
      invalid({ path, key: "proxy", value: undefined, allowed: "a ReverseProxy on a Swarm engine: Grafana is served through it (a Swarm port cannot be bound to 127.0.0.1)" });
    }
    const host = this.engine.dockerHost;
    // node-exporter listens on docker0's address on one host, on its task's addresses on a Swarm.
    const exporterAddress = swarm ? "" : host.bridgeAddress;
    this.scrapeInterval = props.scrapeInterval ?? DEFAULT_PROMETHEUS_INTERVAL;
    checkPrometheusInterval(path, "scrapeInterval", this.scrapeInterval);
    const retentionSizeGb = props.retentionSizeGb ?? DEFAULT_RETENTION_SIZE_GB;
    this.retentionSize = prometheusRetentionSize(path, { retentionSizeGb, dockerDiskGb: dockerDiskBudgetGb(host.vm.disk0SizeGb) });
    if (props.proxy !== undefined && props.grafanaHost === undefined) {
      invalid({ path, key: "grafanaHost", value: props.grafanaHost, allowed: "a host name for Grafana, such as grafana.example.com: with a proxy, Grafana is served through it" });
    }
    if (props.proxy === undefined && props.grafanaHost !== undefined) {
      invalid({ path, key: "grafanaHost", value: props.grafanaHost, allowed: "no grafanaHost without a proxy to serve it (set proxy)" });
    }
    const { maxDockerDiskUsedPercent, minMemoryAvailablePercent, maxContainerRestarts, minCertificateDaysLeft } = props;
    this.alertRules = defaultAlertRules(path, {
      maxDockerDiskUsedPercent,
      minMemoryAvailablePercent,
      maxContainerRestarts,
      minCertificateDaysLeft,
      proxyJob: props.proxy && MONITORING_JOBS.traefik,
    });
    if (props.alertmanager !== undefined) checkAlertmanager(path, props.alertmanager);

    const services: Record<string, ComposeServiceProps> = {
      prometheus: {
        ...HARDENED,
        image: MONITORING_IMAGES.prometheus,
        command: [`--config.file=${PROMETHEUS_DIR}/prometheus.yml`, "--storage.tsdb.path=/prometheus", `--storage.tsdb.retention.size=${this.retentionSize}`],
        expose: [PORTS.prometheus],
        // Rendered at synth time: services added after this construct are scraped too.
        files: {
          [`${PROMETHEUS_DIR}/prometheus.yml`]: Lazy.stringValue({ produce: () => escapeTerraformTemplate(this.prometheusConfig()) }),
          // With the backup of the engine's volumes, whenever it is created.
          [`${PROMETHEUS_DIR}/${RULES_FILE}`]: Lazy.stringValue({ produce: () => escapeTerraformTemplate(renderAlertRules([...this.alertRules, ...this.backupAlertRules(), ...this.extraAlertRules])) }),
        },
        volumes: [{ volume: "prometheus-data", target: "/prometheus" }],
        healthcheck: httpCheck(`http://127.0.0.1:${PORTS.prometheus}/-/healthy`),
        // Not read-only: Docker refuses to upload files into a read-only root filesystem.
        capDrop: ["ALL"],
        memoryLimitMb: MEMORY_MB.prometheus,
      },
      grafana: {
        ...HARDENED,
        image: MONITORING_IMAGES.grafana,
        expose: [PORTS.grafana],
        ports: props.proxy ? undefined : [{ hostIp: "127.0.0.1", hostPort: PORTS.grafana, containerPort: PORTS.grafana }],
        environment: {
          ...(props.grafanaHost !== undefined && { GF_SERVER_ROOT_URL: `https://${props.grafanaHost}` }),
          // Pinned images are upgraded in code: no calls home.
          GF_ANALYTICS_REPORTING_ENABLED: "false",
          GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
          GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
        },
        secrets: { GF_SECURITY_ADMIN_PASSWORD__FILE: props.grafanaAdminPassword },
        files: Object.fromEntries(
          grafanaProvisioningFiles(path, { prometheusUrl: `http://prometheus:${PORTS.prometheus}`, scrapeInterval: this.scrapeInterval }).map((f) => [f.containerPath, f.content]),
        ),
        volumes: [{ volume: "grafana-data", target: "/var/lib/grafana" }],
        dependsOn: { prometheus: "service_healthy" },
        healthcheck: httpCheck(`http://127.0.0.1:${PORTS.grafana}/api/health`),
        capDrop: ["ALL"],
        memoryLimitMb: MEMORY_MB.grafana,
      },
      "node-exporter": {
        ...HARDENED,
        image: MONITORING_IMAGES.nodeExporter,
        // The host network shows the VM's real interfaces; docker0's address keeps it off the LAN.
        // A Swarm service has no host network: one task per node on the monitoring overlay, whose
        // network series are then the task's own (README, Docker Swarm).
        networkMode: swarm ? undefined : "host",
        // The textfile directory holds the volume backup's success metric (lib/monitoring/backup-metric.ts).
        command: ["--path.rootfs=/host", `--web.listen-address=${exporterAddress}:${PORTS.nodeExporter}`, `--collector.textfile.directory=/host${TEXTFILE_DIR}`],
        expose: [PORTS.nodeExporter],
        // rslave: file systems mounted on the host later (a new disk) show up for the collector.
        volumes: [{ hostPath: "/", target: "/host", readOnly: true, propagation: "rslave" }],
        healthcheck: httpCheck(`http://${swarm ? "127.0.0.1" : host.bridgeAddress}:${PORTS.nodeExporter}/`),
        readOnly: true,
        capDrop: ["ALL"],
        memoryLimitMb: MEMORY_MB.nodeExporter,
        deploy: swarm ? GLOBAL : undefined,
      },
      cadvisor: {
        ...HARDENED,
        image: MONITORING_IMAGES.cadvisor,
        // Container labels would become series labels (every Traefik rule, for one): leave them out.
        command: ["--docker_only=true", "--store_container_labels=false"],
        expose: [PORTS.cadvisor],
        volumes: [
          { hostPath: "/", target: "/rootfs", readOnly: true },
          { hostPath: "/sys", target: "/sys", readOnly: true },
          { hostPath: "/var/lib/docker", target: "/var/lib/docker", readOnly: true },
          { hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
          { hostPath: "/run/containerd/containerd.sock", target: "/run/containerd/containerd.sock", readOnly: true },
        ],
        // OOM kills come from the kernel log: read access to /dev/kmsg, which Ubuntu's dmesg_restrict
        // opens only with CAP_SYSLOG. No privileged mode.
        // A Swarm service cannot map a device: on Swarm, cAdvisor reports no OOM events.
        devices: swarm ? undefined : [{ hostPath: "/dev/kmsg", permissions: "r" }],
        capAdd: swarm ? undefined : ["SYSLOG"],
        healthcheck: httpCheck(`http://127.0.0.1:${PORTS.cadvisor}/healthz`),
        readOnly: true,
        tmpfs: ["/tmp"],
        memoryLimitMb: MEMORY_MB.cadvisor,
        deploy: swarm ? GLOBAL : undefined,
      },
    };
    if (props.alertmanager !== undefined) services.alertmanager = alertmanagerService(props.alertmanager, HARDENED);

    const stackName = ComposeStack.perVmStackName(this, this.engine, props.stackName, "monitoring", swarm ? ["-socket"] : []);
    this.stack = new ComposeStack(this, "stack", {
      engine: this.engine,
      stackName,
      volumes: {
        "prometheus-data": { sizeBudgetGb: retentionSizeGb, backup: false, noBackupReason: "metrics history: gigabytes that churn hourly; scraping rebuilds it" },
        "grafana-data": { sizeBudgetGb: GRAFANA_DATA_BUDGET_GB },
        ...(props.alertmanager !== undefined && { "alertmanager-data": { sizeBudgetGb: ALERTMANAGER_DATA_BUDGET_GB } }),
      },
      services,
    });
    this.prometheus = this.stack.service("prometheus");
    this.grafana = this.stack.service("grafana");
    this.nodeExporter = this.stack.service("node-exporter");
    this.cadvisor = this.stack.service("cadvisor");
    this.alertmanager = props.alertmanager && this.stack.service("alertmanager");
    for (const [service, rules] of Object.entries(MONITORING_POLICY_SUPPRESSIONS)) {
      for (const [ruleId, reason] of Object.entries(rules)) suppress(this.stack.service(service).resource, ruleId, reason);
    }
    // Prometheus finds the exporters' tasks on every node through the Swarm API (dockerswarm_sd_configs).
    this.swarmApi = swarm
      ? dockerSocketProxy(this, "socket-proxy", { engine: this.engine, stackName: `${stackName}-socket`, allow: ["TASKS", "SERVICES", "NODES", "NETWORKS"], client: "Prometheus" })
      : undefined;
    this.swarmApi?.serve(this.prometheus);

    // The host's own series are labelled with the VM's name rather than an address.
    // On a Swarm, each task's instance is its node's hostname (the relabelling of dockerswarm_sd_configs).
    const hostLabels = swarm ? undefined : { instance: this.engine.vmName };
    this.addService(this.prometheus, { port: PORTS.prometheus, jobName: MONITORING_JOBS.prometheus });
    this.addService(this.nodeExporter, { port: PORTS.nodeExporter, jobName: MONITORING_JOBS.nodeExporter }, hostLabels);
    this.addService(this.cadvisor, { port: PORTS.cadvisor, jobName: MONITORING_JOBS.cadvisor }, hostLabels);
    // The daemon's endpoint is on each VM's docker0, out of an overlay's reach.
    if (host.engineMetricsEndpoint !== undefined && !swarm) {
      this.jobs.set(MONITORING_JOBS.dockerEngine, { jobName: MONITORING_JOBS.dockerEngine, targets: [host.engineMetricsEndpoint], labels: hostLabels });
    }
    if (this.alertmanager) this.addService(this.alertmanager, { port: PORTS.alertmanager, jobName: MONITORING_JOBS.alertmanager });
    if (props.proxy !== undefined) {
      this.addService(props.proxy.stack.service("traefik"), { port: ENTRYPOINTS.metrics.port, jobName: MONITORING_JOBS.traefik });
      this.grafanaRoute = props.proxy.expose(this.grafana, { host: props.grafanaHost! });
    }
    // Every service that declares an endpoint, those already on the engine and those to come.
    ComposeStack.forEachService(this.engine, (service) => {
      if (service.spec.metrics !== undefined && !this.scraped.has(service)) this.scrape(service, service.spec.metrics);
    });
  }

  /**
   * Scrapes a service's metrics endpoint: Prometheus joins the service's stack network and scrapes
   * the container by name. The port must be one the service exposes.
   */
  public scrape(service: ComposeService, options: ScrapeOptions): ScrapeJob {
    checkMetricsEndpoint(this.node.path, "scrape", service.spec, options);
    return this.addService(service, options);
  }

  /** Every scrape job so far, in the order they were added. */
  public get scrapeJobs(): readonly ScrapeJob[] {
    return [...this.jobs.values()];
  }

  /** prometheus.yml for the scrape jobs so far. */
  public prometheusConfig(): string {
    const spec: PrometheusConfigSpec = {
      scrapeInterval: this.scrapeInterval,
      evaluationInterval: this.scrapeInterval,
      ruleFiles: [RULES_FILE],
      alertmanagers: this.alertmanager && [`alertmanager:${PORTS.alertmanager}`],
      scrapeJobs: this.scrapeJobs,
    };
    return renderPrometheusConfig(this.node.path, spec);
  }

  private addService(service: ComposeService, options: ScrapeOptions, labels?: Readonly<Record<string, string>>): ScrapeJob {
    const path = this.node.path;
    if (TerraformStack.of(service.resource) !== TerraformStack.of(this) || service.stack.engine !== this.engine) {
      invalid({ path, key: "scrape.service", value: service.containerName, allowed: `a service on engine ${this.engine.node.path} in stack ${TerraformStack.of(this).node.id}` });
    }
    const earlier = this.scraped.get(service);
    if (earlier !== undefined) invalid({ path, key: "scrape.service", value: service.containerName, allowed: `a service not already scraped (job ${earlier} scrapes it)` });
    const jobName = options.jobName ?? service.containerName;
    if (this.jobs.has(jobName)) invalid({ path, key: "scrape.jobName", value: jobName, allowed: "a job name not already used: it becomes the job label of the series" });
    const onHost = service.spec.networkMode === "host";
    if (!onHost && service.stack !== this.stack && !this.joinedStacks.has(service.stack)) {
      this.stack.attachNetwork(this.prometheus.name, service.stack.network, []);
      this.joinedStacks.add(service.stack);
    }
    // A global Swarm service has a task per node: discovered, not named.
    const swarmTasks = this.swarmApi && service.spec.deploy?.mode === "global" ? { host: this.swarmApi.endpoint, service: service.containerName, network: service.stack.stackName, port: options.port } : undefined;
    const job: ScrapeJob = {
      jobName,
      targets: swarmTasks ? [] : [`${onHost ? this.engine.dockerHost.bridgeAddress : service.containerName}:${options.port}`],
      swarmTasks,
      metricsPath: options.path,
      scrapeInterval: options.interval,
      labels,
    };
    this.jobs.set(jobName, job);
    this.scraped.set(service, jobName);
    return job;
  }
}

/** A healthcheck that asks `url` with the busybox wget every one of these images has. */
function httpCheck(url: string): ComposeServiceProps["healthcheck"] {
  return { test: ["CMD", "wget", "-q", "--spider", url], interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" };
}

function alertmanagerService(props: AlertmanagerProps, HARDENED: Pick<ComposeServiceProps, "restart" | "securityOpt">): ComposeServiceProps {
  const email = props.email;
  // Credentials reach Alertmanager as files; the variable names only carry them to /run/secrets.
  const secrets: Record<string, Secret> = {
    ...(props.webhookUrl && { DOCKHOST_WEBHOOK_URL_FILE: props.webhookUrl }),
    ...(email?.password && { DOCKHOST_SMTP_PASSWORD_FILE: email.password }),
  };
  return {
    ...HARDENED,
    image: MONITORING_IMAGES.alertmanager,
    // One instance: no cluster port.
    command: [`--config.file=${ALERTMANAGER_CONFIG}`, "--storage.path=/alertmanager", "--cluster.listen-address="],
    expose: [PORTS.alertmanager],
    secrets,
    files: {
      [ALERTMANAGER_CONFIG]: renderAlertmanagerConfig({
        webhookUrlFile: props.webhookUrl && `/run/secrets/${props.webhookUrl.name}`,
        email: email && {
          to: email.to,
          from: email.from,
          smarthost: email.smarthost,
          username: email.username,
          passwordFile: email.password && `/run/secrets/${email.password.name}`,
          requireTls: email.requireTls ?? true,
        },
      }),
    },
    volumes: [{ volume: "alertmanager-data", target: "/alertmanager" }],
    healthcheck: httpCheck(`http://127.0.0.1:${PORTS.alertmanager}/-/healthy`),
    capDrop: ["ALL"],
    memoryLimitMb: MEMORY_MB.alertmanager,
  };
}

function checkAlertmanager(path: string, props: AlertmanagerProps): void {
  if (props.webhookUrl === undefined && props.email === undefined) {
    invalid({ path, key: "alertmanager", value: props, allowed: "at least one receiver: webhookUrl or email" });
  }
  // A webhook URL carries its token: it must be a Secret (a plain string from JavaScript would not be).
  if (props.webhookUrl !== undefined && !(props.webhookUrl instanceof Secret)) {
    invalid({ path, key: "alertmanager.webhookUrl", value: props.webhookUrl, secret: true, allowed: "expected a Secret holding the URL" });
  }
  const email = props.email;
  if (email === undefined) return;
  for (const key of ["to", "from"] as const) {
    if (!Token.isUnresolved(email[key]) && !isEmail(email[key])) invalid({ path, key: `alertmanager.email.${key}`, value: email[key], allowed: `an e-mail address (pattern ${EMAIL_PATTERN})` });
  }
  if (!Token.isUnresolved(email.smarthost) && !SMARTHOST.test(email.smarthost)) {
    invalid({ path, key: "alertmanager.email.smarthost", value: email.smarthost, allowed: "an SMTP server as host:port, such as smtp.example.com:587" });
  }
}
