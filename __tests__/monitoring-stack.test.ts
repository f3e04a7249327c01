import { parse } from "yaml";
import { ComposeStack } from "../constructs/compose-stack";
import { DockerHost, DockerHostProps } from "../constructs/docker-host";
import { DockhostStack } from "../constructs/dockhost-stack";
import { DockhostVm } from "../constructs/dockhost-vm";
import { MONITORING_IMAGES, MonitoringStack, MonitoringStackProps } from "../constructs/monitoring-stack";
import { Secret } from "../constructs/secret";
import { containersDashboard, hostDashboard } from "../lib/monitoring/dashboards";
import { evaluateHomelab } from "../constructs/policy-model";
import { buildReferenceHomelab } from "../main";
import { conformanceProblems } from "./support/schema-conformance";
import { StackJson, synthStack, testApp } from "./support/synth";
import { evaluateTemplate } from "./support/terraform-template";
import { promtoolCheckConfig, promtoolCheckRules } from "./support/validators";
import { needs } from "./support/requirements";

const DOCKER = "registry.terraform.io/kreuzwerker/docker";
const PROMETHEUS_YML = "/etc/prometheus/prometheus.yml";
const RULES_FILE = "dockhost-alerts.yml";

/** Files uploaded into a container, by path, as Terraform will write them. */
function uploads(container: any): Record<string, string> {
  return Object.fromEntries((container.upload ?? []).map((u: any) => [u.file, u.content.startsWith("${var.") ? u.content : evaluateTemplate(u.content, {})]));
}

/** The Prometheus container's config and rules, and its scrape targets by job. */
function prometheusOf(json: StackJson, stackName = "monitoring") {
  const files = uploads(json.resource.docker_container[`${stackName}_prometheus`]);
  const config = files[PROMETHEUS_YML];
  const rules = files[`/etc/prometheus/${RULES_FILE}`];
  const jobs = Object.fromEntries(parse(config).scrape_configs.map((job: any) => [job.job_name, job]));
  const targets = Object.fromEntries(Object.entries<any>(jobs).map(([name, job]) => [name, job.static_configs[0].targets]));
  return { config, rules, jobs, targets };
}

const networks = (json: StackJson, id: string): string[] => (json.resource.docker_container[id].networks_advanced ?? []).map((n: any) => n.name);

/** An app with one VM and its engine, and no stacks yet. */
function bareLab(hostProps: Partial<DockerHostProps> = {}, disk0SizeGb?: number) {
  const app = testApp();
  const infra = new DockhostStack(app, "dockhost-infra");
  const vm = new DockhostVm(infra, "dockhost", { disk0SizeGb });
  const dockerHost = new DockerHost(infra, "docker", { vm, ...hostProps });
  const apps = new DockhostStack(app, "dockhost-apps");
  const engine = dockerHost.connect(apps);
  const grafanaAdminPassword = new Secret(apps, "grafana_admin_password");
  const monitoring = (props: Partial<MonitoringStackProps> = {}) => new MonitoringStack(apps, "mon", { engine, grafanaAdminPassword, stackName: "mon", ...props });
  return { app, apps, engine, grafanaAdminPassword, monitoring };
}

describe("the reference homelab's monitoring", () => {
  const homelab = buildReferenceHomelab(testApp());
  const json = synthStack(homelab.apps);
  const container = (service: string) => json.resource.docker_container[`monitoring_${service}`];
  const { config, rules, targets, jobs } = prometheusOf(json);
  const grafanaFiles = uploads(container("grafana"));

  needs("promtool").test("prometheus.yml passes `promtool check config` with the rule file it loads", () => {
    const result = promtoolCheckConfig(config, { [RULES_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS: 1 rule files found");
    expect(result.code).toBe(0);
  });

  needs("promtool").test("the alert rules pass `promtool check rules`: the defaults, certificate alert included", () => {
    const result = promtoolCheckRules(rules);
    // The seven defaults and the two volume backup alerts.
    expect(result.stdout + result.stderr).toContain("SUCCESS: 9 rules found");
    expect(result.code).toBe(0);
    expect(parse(rules).groups[0].rules.map((r: any) => r.alert)).toEqual([
      "HostDown", "DockerDiskFilling", "MemoryPressure", "ContainerRestarting", "ContainerOomKilled", "TlsCertificateExpiring", "TargetMissing", "VolumeBackupFailed", "VolumeBackupNeverSucceeded",
    ]);
  });

  test("every exporter, the engine, Traefik and the API's declared endpoint are scrape targets", () => {
    expect(targets).toEqual({
      prometheus: ["monitoring-prometheus:9090"],
      "node-exporter": ["172.30.0.1:9100"],
      cadvisor: ["monitoring-cadvisor:8080"],
      "docker-engine": ["172.30.0.1:9323"],
      traefik: ["proxy-traefik:8082"],
      // Declared on the service (metrics: { port: 3001 }), before the MonitoringStack existed.
      "app-api": ["app-api:3001"],
    });
    expect(jobs["node-exporter"].static_configs[0].labels).toEqual({ instance: "dockhost" });
    expect(homelab.monitoring.scrapeJobs.map((j) => j.jobName)).toEqual(Object.keys(targets));
  });

  test("every job the rules and dashboards query is scraped", () => {
    const queried = [rules, JSON.stringify([hostDashboard(), containersDashboard()])].join("\n").match(/job=\\*"[^"\\]+/g)!;
    const names = new Set(queried.map((m) => m.replace(/job=\\*"/, "")));
    expect([...names].sort()).toEqual(["cadvisor", "node-exporter", "traefik"]);
    for (const name of names) expect(targets[name]).toBeDefined();
  });

  test("Prometheus joins the network of each stack it scrapes; the stacks stay apart", () => {
    expect(networks(json, "monitoring_prometheus")).toEqual([
      "${docker_network.monitoring_network.name}",
      "${docker_network.proxy_network.name}",
      "${docker_network.app_network.name}",
    ]);
    expect(container("prometheus").networks_advanced[2].aliases).toEqual([]);
    expect(networks(json, "app_api")).toEqual(["${docker_network.app_network.name}", "${docker_network.proxy_network.name}"]);
    expect(networks(json, "app_db")).toEqual(["${docker_network.app_network.name}"]);
  });

  test("Grafana's datasource is Prometheus on the stack network, where Prometheus has that alias", () => {
    const datasource = parse(grafanaFiles["/etc/grafana/provisioning/datasources/dockhost.yaml"]).datasources[0];
    expect(datasource).toMatchObject({ type: "prometheus", url: "http://prometheus:9090", isDefault: true, jsonData: { timeInterval: "15s" } });
    expect(container("prometheus").networks_advanced[0]).toEqual({ name: "${docker_network.monitoring_network.name}", aliases: ["prometheus"] });
    expect(networks(json, "monitoring_grafana")).toContain("${docker_network.monitoring_network.name}");
  });

  test("the dashboards ship as valid JSON files with the host and container panels' queries", () => {
    const host = JSON.parse(grafanaFiles["/etc/grafana/dashboards/dockhost-host.json"]);
    const containers = JSON.parse(grafanaFiles["/etc/grafana/dashboards/dockhost-containers.json"]);
    expect(host.panels.map((p: any) => p.title)).toEqual(["CPU busy", "Memory available", "Docker disk used", "Network"]);
    expect(host.panels[2].targets[0].expr).toBe('100 * (1 - node_filesystem_avail_bytes{job="node-exporter", mountpoint="/"} / node_filesystem_size_bytes{job="node-exporter", mountpoint="/"})');
    expect(containers.panels.map((p: any) => p.targets[0].expr)).toEqual([
      'sum by (name) (rate(container_cpu_usage_seconds_total{job="cadvisor", name!=""}[$__rate_interval]))',
      'sum by (name) (container_memory_working_set_bytes{job="cadvisor", name!=""})',
      'changes(container_start_time_seconds{job="cadvisor", name!=""}[1h])',
      'increase(container_oom_events_total{job="cadvisor", name!=""}[1h])',
    ]);
    expect(parse(grafanaFiles["/etc/grafana/provisioning/dashboards/dockhost.yaml"]).providers[0].options.path).toBe("/etc/grafana/dashboards");
  });

  test("Grafana's admin password is a sensitive variable, uploaded as a file for GF_SECURITY_ADMIN_PASSWORD__FILE", () => {
    expect(container("grafana").env).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin_password");
    expect(grafanaFiles["/run/secrets/grafana_admin_password"]).toBe("${var.grafana_admin_password}");
    expect(json.variable.grafana_admin_password).toMatchObject({ sensitive: true, type: "string" });
    expect(json.variable.grafana_admin_password.default).toBeUndefined();
  });

  test("Grafana is served through the proxy at grafana.<domain>, and publishes no port", () => {
    const labels = Object.fromEntries(container("grafana").labels.map((l: any) => [l.label, l.value]));
    expect(labels["traefik.http.routers.monitoring-grafana.rule"]).toBe("Host(`grafana.${var.domain}`)");
    expect(labels["traefik.http.services.monitoring-grafana.loadbalancer.server.port"]).toBe("3000");
    expect(container("grafana").env).toContain("GF_SERVER_ROOT_URL=https://grafana.${var.domain}");
    expect(networks(json, "monitoring_grafana")).toContain("${docker_network.proxy_network.name}");
    expect(container("grafana").ports).toBeUndefined();
  });

  test("pinned images, memory limits, healthchecks, log rotation and protected volumes", () => {
    for (const service of ["prometheus", "grafana", "node-exporter", "cadvisor"]) {
      const c = container(service);
      expect(c.memory).toBeGreaterThan(0);
      expect(c.healthcheck.test[0]).toBe("CMD");
      expect(c.restart).toBe("unless-stopped");
      expect(c.log_opts).toEqual({ "max-size": "10m", "max-file": "3" });
      expect(c.security_opts).toEqual(["no-new-privileges:true"]);
    }
    for (const image of Object.values(MONITORING_IMAGES)) expect(image).toMatch(/:v?\d+\.\d+\.\d+$/);
    expect(container("prometheus").volumes).toContainEqual({ volume_name: "monitoring_prometheus-data", container_path: "/prometheus" });
    expect(container("grafana").volumes).toContainEqual({ volume_name: "monitoring_grafana-data", container_path: "/var/lib/grafana" });
    // 5 GB of the Docker disk for Prometheus: 80 % of it for blocks, the rest for the WAL.
    expect(container("prometheus").command).toContain("--storage.tsdb.retention.size=4GB");
    // Metrics history is not backed up (it churns and scraping rebuilds it); Grafana's data is.
    expect(homelab.monitoring.stack.toSpec().volumes).toMatchObject({ "prometheus-data": { sizeBudgetGb: 5, backup: false }, "grafana-data": { sizeBudgetGb: 1 } });
    expect(homelab.monitoring.stack.toSpec().volumes!["grafana-data"].backup).toBeUndefined();
  });

  test("exporters get read-only host access: node-exporter on the host network, on docker0 only; cAdvisor unprivileged", () => {
    const node = container("node-exporter");
    expect(node).toMatchObject({ network_mode: "host", read_only: true, capabilities: { drop: ["ALL"] } });
    expect(node.command).toEqual(["--path.rootfs=/host", "--web.listen-address=172.30.0.1:9100", "--collector.textfile.directory=/host/var/lib/node_exporter/textfile"]);
    // rslave: mounts the host makes later (a new disk) show inside; docker_container volumes cannot say it.
    expect(node.volumes).toBeUndefined();
    expect(node.mounts).toEqual([{ type: "bind", source: "/", target: "/host", read_only: true, bind_options: { propagation: "rslave" } }]);
    const cadvisor = container("cadvisor");
    expect(cadvisor.privileged).toBeUndefined();
    expect(cadvisor.volumes.every((v: any) => v.read_only === true)).toBe(true);
    // Written as the engine reads them back: an explicit container path keeps "r" (kreuzwerker
    // would otherwise send rwm), and the client's CAP_ prefix.
    expect(cadvisor.devices).toEqual([{ host_path: "/dev/kmsg", container_path: "/dev/kmsg", permissions: "r" }]);
    expect(cadvisor.capabilities).toEqual({ add: ["CAP_SYSLOG"] });
    expect(cadvisor.ports).toBeUndefined();
  });

  test("the policy pack passes: the exporter rules it trips and the metrics volume's backup opt-out are suppressed with reasons", () => {
    const report = evaluateHomelab(homelab.app);
    expect(report.errors).toEqual([]);
    const suppressed = report.rows.filter((r) => r.status === "suppressed" && r.path.includes("/monitoring/"));
    expect(suppressed.map((r) => [r.ruleId, r.path.split("/").pop()]).sort()).toEqual([
      // docker.sock and containerd's socket, one finding each.
      ["DH-DOCKER-SOCKET", "service-cadvisor"],
      ["DH-DOCKER-SOCKET", "service-cadvisor"],
      ["DH-HOST-NAMESPACE", "service-node-exporter"],
      ["DH-VOLUME-BACKUP", "volume-prometheus-data"],
    ]);
  });

  test("every docker_* block conforms to the provider schema", () => {
    expect(conformanceProblems(json, DOCKER, "docker_")).toEqual([]);
  });
});

describe("scrape targets from the homelab model", () => {
  needs("promtool").test("services added after the MonitoringStack, declared or passed to scrape(), are scraped at synth", () => {
    const { apps, engine, monitoring } = bareLab();
    const mon = monitoring();
    const shop = new ComposeStack(apps, "shop", {
      engine,
      services: {
        api: { image: "postgrest/postgrest:v12.2.3", expose: [3000, 3001], metrics: { port: 3001, interval: "30s" } },
        queue: { image: "nginx:1.27.3-alpine", expose: [9419] },
      },
    });
    const job = mon.scrape(shop.service("queue"), { port: 9419, path: "/stats/metrics", jobName: "queue" });
    expect(job).toEqual({ jobName: "queue", targets: ["shop-queue:9419"], metricsPath: "/stats/metrics", scrapeInterval: undefined, labels: undefined });
    const json = synthStack(apps);
    const { config, rules, jobs } = prometheusOf(json, "mon");
    expect(jobs["shop-api"]).toEqual({ job_name: "shop-api", scrape_interval: "30s", static_configs: [{ targets: ["shop-api:3001"] }] });
    expect(jobs.queue).toEqual({ job_name: "queue", metrics_path: "/stats/metrics", static_configs: [{ targets: ["shop-queue:9419"] }] });
    expect(networks(json, "mon_prometheus")).toEqual(["${docker_network.mon_network.name}", "${docker_network.shop_network.name}"]);
    expect(promtoolCheckConfig(config, { [RULES_FILE]: rules }).code).toBe(0);
  });

  needs("promtool").test("a host-network service is scraped on docker0's address; without a proxy there is no Traefik job", () => {
    const { apps, engine, monitoring } = bareLab();
    new ComposeStack(apps, "edge", { engine, services: { dns: { image: "nginx:1.27.3-alpine", networkMode: "host", expose: [9153], metrics: { port: 9153 } } } });
    const mon = monitoring();
    const { targets, rules } = prometheusOf(synthStack(apps), "mon");
    expect(targets["edge-dns"]).toEqual(["172.30.0.1:9153"]);
    expect(targets.traefik).toBeUndefined();
    expect(mon.alertRules.map((r) => r.alert)).not.toContain("TlsCertificateExpiring");
    expect(promtoolCheckRules(rules).code).toBe(0);
  });

  test("without a proxy, Grafana listens on the VM's loopback only", () => {
    const { apps, monitoring } = bareLab();
    monitoring();
    expect(synthStack(apps).resource.docker_container.mon_grafana.ports).toEqual([{ internal: 3000, external: 3000, ip: "127.0.0.1" }]);
  });

  test("with the engine's metrics off, no docker-engine job; other address pools move the host targets", () => {
    const { apps, monitoring } = bareLab({ engineMetrics: false, addressPools: [{ base: "10.99.0.0/16", size: 24 }] });
    monitoring();
    const { targets } = prometheusOf(synthStack(apps), "mon");
    expect(targets["docker-engine"]).toBeUndefined();
    expect(targets["node-exporter"]).toEqual(["10.99.0.1:9100"]);
  });

  test("retention follows the VM's disk: a bigger disk allows a bigger budget", () => {
    const { monitoring } = bareLab({}, 80);
    expect(monitoring({ retentionSizeGb: 40 }).retentionSize).toBe("32GB");
  });
});

describe("Alertmanager", () => {
  needs("promtool").test("webhook and e-mail receivers read their credentials from uploaded files; Prometheus sends to it", () => {
    const { apps, monitoring } = bareLab();
    const webhookUrl = new Secret(apps, "alert_webhook_url");
    const password = new Secret(apps, "smtp_password");
    monitoring({ alertmanager: { webhookUrl, email: { to: "me@example.com", from: "dockhost@example.com", smarthost: "smtp.example.com:587", username: "dockhost", password } } });
    const json = synthStack(apps);
    const alertmanager = json.resource.docker_container.mon_alertmanager;
    const files = uploads(alertmanager);
    const config = parse(files["/etc/alertmanager/alertmanager.yml"]);
    expect(config.route.receiver).toBe("dockhost");
    expect(config.receivers[0].webhook_configs).toEqual([{ url_file: "/run/secrets/alert_webhook_url", send_resolved: true }]);
    expect(config.receivers[0].email_configs[0]).toMatchObject({ to: "me@example.com", smarthost: "smtp.example.com:587", auth_password_file: "/run/secrets/smtp_password", require_tls: true });
    expect(files["/run/secrets/alert_webhook_url"]).toBe("${var.alert_webhook_url}");
    expect(alertmanager.volumes).toContainEqual({ volume_name: "mon_alertmanager-data", container_path: "/alertmanager" });
    const prometheus = prometheusOf(json, "mon");
    expect(parse(prometheus.config).alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] });
    expect(prometheus.targets.alertmanager).toEqual(["mon-alertmanager:9093"]);
    expect(promtoolCheckConfig(prometheus.config, { [RULES_FILE]: prometheus.rules }).code).toBe(0);
  });

  test("is off by default: no container, no alerting section", () => {
    const { apps, monitoring } = bareLab();
    monitoring();
    const json = synthStack(apps);
    expect(json.resource.docker_container.mon_alertmanager).toBeUndefined();
    expect(parse(prometheusOf(json, "mon").config).alerting).toBeUndefined();
  });
});

describe("MonitoringStack bad input: clear errors naming path, key and value, before anything is synthesized", () => {
  test.each<[string, Partial<MonitoringStackProps>, string]>([
    ["a scrape interval that is not a duration", { scrapeInterval: "15" }, 'invalid scrapeInterval = "15"; a Prometheus duration greater than zero'],
    ["a retention budget larger than the Docker disk", { retentionSizeGb: 40 }, "invalid retentionSizeGb = 40; retention budget larger than the docker disk; expected at most the 35 GB Docker has"],
    ["a disk threshold above 100 %", { maxDockerDiskUsedPercent: 120 }, "invalid maxDockerDiskUsedPercent = 120; a percentage from 0 to 100"],
    ["a memory threshold below 0 %", { minMemoryAvailablePercent: -5 }, "invalid minMemoryAvailablePercent = -5; a percentage from 0 to 100"],
    ["a Grafana host without a proxy", { grafanaHost: "grafana.example.com" }, 'invalid grafanaHost = "grafana.example.com"; no grafanaHost without a proxy'],
    ["Alertmanager without a receiver", { alertmanager: {} }, "invalid alertmanager = {}; at least one receiver"],
  ])("%s", (_, props, message) => {
    const { monitoring } = bareLab();
    expect(() => monitoring(props)).toThrow(`dockhost-apps/mon: ${message}`);
  });

  test("a proxy without a Grafana host", () => {
    const homelab = buildReferenceHomelab(testApp());
    const password = new Secret(homelab.apps, "other_password");
    expect(() => new MonitoringStack(homelab.apps, "mon", { engine: homelab.engine, grafanaAdminPassword: password, proxy: homelab.proxy })).toThrow(
      /^dockhost-apps\/mon: invalid grafanaHost = \(missing\); a host name for Grafana/,
    );
  });

  test("a bad alert e-mail address or SMTP server", () => {
    expect(() => bareLab().monitoring({ alertmanager: { email: { to: "me", from: "a@example.com", smarthost: "smtp.example.com:25" } } })).toThrow(/invalid alertmanager\.email\.to = "me"/);
    expect(() => bareLab().monitoring({ alertmanager: { email: { to: "me@example.com", from: "a@example.com", smarthost: "smtp.example.com" } } })).toThrow(
      /invalid alertmanager\.email\.smarthost = "smtp\.example\.com"; an SMTP server as host:port/,
    );
  });

  test("a declared metrics port the service does not expose, or a bad interval, stops the stack", () => {
    const { apps, engine } = bareLab();
    expect(() => new ComposeStack(apps, "shop", { engine, services: { api: { image: "nginx:1.27.3-alpine", expose: [3000], metrics: { port: 9999 } } } })).toThrow(
      "dockhost-apps/shop: invalid services.api.metrics.port = 9999; a port the service exposes: 3000",
    );
    expect(() => new ComposeStack(apps, "shop2", { engine, services: { api: { image: "nginx:1.27.3-alpine", expose: [3000], metrics: { port: 3000, interval: "1.5m" } } } })).toThrow(
      'dockhost-apps/shop2: invalid services.api.metrics.interval = "1.5m"; a Prometheus duration',
    );
    expect(() => new ComposeStack(apps, "shop3", { engine, services: { api: { image: "nginx:1.27.3-alpine", expose: [3000], metrics: { port: 3000, path: "metrics" } } } })).toThrow(
      /invalid services\.api\.metrics\.path = "metrics"/,
    );
  });

  test("scrape(): a port not exposed, the same service twice, a job name taken, a service on another engine", () => {
    const { apps, engine, monitoring } = bareLab();
    const mon = monitoring();
    const shop = new ComposeStack(apps, "shop", { engine, services: { api: { image: "nginx:1.27.3-alpine", expose: [3000] }, web: { image: "nginx:1.27.3-alpine", expose: [80] } } });
    expect(() => mon.scrape(shop.service("api"), { port: 9999 })).toThrow("dockhost-apps/mon: invalid scrape.port = 9999; a port the service exposes: 3000");
    expect(() => mon.scrape(shop.service("api"), { port: 3000, interval: "soon" })).toThrow('dockhost-apps/mon: invalid scrape.interval = "soon"');
    mon.scrape(shop.service("api"), { port: 3000 });
    expect(() => mon.scrape(shop.service("api"), { port: 3000 })).toThrow('invalid scrape.service = "shop-api"; a service not already scraped (job shop-api scrapes it)');
    expect(() => mon.scrape(shop.service("web"), { port: 80, jobName: "cadvisor" })).toThrow('invalid scrape.jobName = "cadvisor"; a job name not already used');
    const other = buildReferenceHomelab(testApp());
    expect(() => mon.scrape(other.appStack.service("web"), { port: 80 })).toThrow(/invalid scrape\.service = "app-web"; a service on engine/);
  });
});
