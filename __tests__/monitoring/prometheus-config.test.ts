import { parse } from "yaml";
import { defaultAlertRules, renderAlertRules } from "../../lib/monitoring/alert-rules";
import { PrometheusConfigSpec, ScrapeJob, renderPrometheusConfig } from "../../lib/monitoring/prometheus-config";
import { promtoolCheckConfig } from "../support/validators";
import { needs } from "../support/requirements";

const PATH = "Homelab/Monitoring";
const RULE_FILE = "dockhost-alerts.yml";

const spec: PrometheusConfigSpec = {
  scrapeInterval: "30s",
  evaluationInterval: "1m",
  scrapeJobs: [
    { jobName: "prometheus", targets: ["localhost:9090"] },
    { jobName: "node-exporter", targets: ["node-exporter:9100"], labels: { host: "dockhost-0" } },
    { jobName: "cadvisor", targets: ["cadvisor:8080"], scrapeInterval: "15s" },
    { jobName: "traefik", targets: ["traefik:8082"], metricsPath: "/metrics", scheme: "http" },
    { jobName: "lan", targets: ["192.168.1.10:9100", "[fd00::10]:9100"], scheme: "https", labels: { site: "yes" } },
  ],
  ruleFiles: [RULE_FILE],
  alertmanagers: ["alertmanager:9093"],
};

function render(overrides: Partial<PrometheusConfigSpec>): string {
  return renderPrometheusConfig(PATH, { ...spec, ...overrides });
}

function withJob(job: Partial<ScrapeJob>): string {
  return render({ scrapeJobs: [{ jobName: "app", targets: ["app:8080"], ...job }] });
}

describe("renderPrometheusConfig", () => {
  const yaml = renderPrometheusConfig(PATH, spec);

  needs("promtool").it("passes `promtool check config`, rule file included", () => {
    const rules = renderAlertRules(defaultAlertRules(PATH, { proxyJob: "traefik" }));
    const result = promtoolCheckConfig(yaml, { [RULE_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS: 1 rule files found");
    expect(result.stdout + result.stderr).toContain("is valid prometheus config file syntax");
    expect(result.code).toBe(0);
  });

  needs("promtool").it("fails `promtool check config` when a rule file it names is missing: the check reads them", () => {
    const result = promtoolCheckConfig(yaml);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(RULE_FILE);
  });

  it("writes Prometheus's keys", () => {
    expect(parse(yaml)).toEqual({
      global: { scrape_interval: "30s", evaluation_interval: "1m" },
      alerting: { alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] },
      rule_files: [RULE_FILE],
      scrape_configs: [
        { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
        { job_name: "node-exporter", static_configs: [{ targets: ["node-exporter:9100"], labels: { host: "dockhost-0" } }] },
        { job_name: "cadvisor", scrape_interval: "15s", static_configs: [{ targets: ["cadvisor:8080"] }] },
        { job_name: "traefik", metrics_path: "/metrics", scheme: "http", static_configs: [{ targets: ["traefik:8082"] }] },
        {
          job_name: "lan",
          scheme: "https",
          static_configs: [{ targets: ["192.168.1.10:9100", "[fd00::10]:9100"], labels: { site: "yes" } }],
        },
      ],
    });
  });

  it("quotes strings that YAML 1.1 (Go's reader) would take for booleans", () => {
    expect(yaml).toContain('site: "yes"');
  });

  needs("promtool").it("defaults both intervals to 15s and leaves out alerting and rule_files when there are none", () => {
    const minimal = parse(renderPrometheusConfig(PATH, { scrapeJobs: [] }));
    expect(minimal).toEqual({ global: { scrape_interval: "15s", evaluation_interval: "15s" }, scrape_configs: [] });
    const result = promtoolCheckConfig(renderPrometheusConfig(PATH, { scrapeJobs: [] }));
    expect(result.code).toBe(0);
  });
});

describe("renderPrometheusConfig refuses bad input, naming path, key and value", () => {
  it.each<[string, () => string, string]>([
    ["a scrape interval that is not a duration", () => render({ scrapeInterval: "15 seconds" }), 'invalid scrapeInterval = "15 seconds"'],
    ["a Docker-only duration", () => render({ evaluationInterval: "1.5m" }), 'invalid evaluationInterval = "1.5m"'],
    ["a zero interval", () => render({ scrapeInterval: "0s" }), 'invalid scrapeInterval = "0s"'],
    ["a bad job interval", () => withJob({ scrapeInterval: "10" }), 'invalid scrapeJobs[0].scrapeInterval = "10"'],
    ["a target without a port", () => withJob({ targets: ["app"] }), 'invalid scrapeJobs[0].targets[0] = "app"; host:port'],
    ["a port above 65535", () => withJob({ targets: ["app:1", "app:70000"] }), "invalid scrapeJobs[0].targets[1] = 70000; a whole number from 1 to 65535"],
    ["port 0", () => withJob({ targets: ["app:0"] }), "invalid scrapeJobs[0].targets[0] = 0"],
    ["an unbracketed IPv6 target", () => withJob({ targets: ["fd00::1:9100"] }), 'invalid scrapeJobs[0].targets[0] = "fd00::1:9100"'],
    ["an impossible IPv4 address", () => withJob({ targets: ["192.168.1.300:9100"] }), 'invalid scrapeJobs[0].targets[0] = "192.168.1.300:9100"'],
    ["a URL for a target", () => withJob({ targets: ["http://app:8080"] }), 'invalid scrapeJobs[0].targets[0] = "http://app:8080"'],
    ["no targets", () => withJob({ targets: [] }), "invalid scrapeJobs[0].targets = []; at least one host:port target"],
    ["an empty job name", () => withJob({ jobName: "" }), 'invalid scrapeJobs[0].jobName = ""'],
    ["a relative metrics path", () => withJob({ metricsPath: "metrics" }), 'invalid scrapeJobs[0].metricsPath = "metrics"'],
    ["an unknown scheme", () => withJob({ scheme: "ftp" as "http" }), 'invalid scrapeJobs[0].scheme = "ftp"; one of http, https'],
    ["a reserved label name", () => withJob({ labels: { __address__: "x" } }), 'invalid scrapeJobs[0].labels.__address__ = "__address__"'],
    ["a label name with a dash", () => withJob({ labels: { "the-host": "x" } }), 'invalid scrapeJobs[0].labels.the-host = "the-host"'],
    ["a bad Alertmanager target", () => render({ alertmanagers: ["alertmanager"] }), 'invalid alertmanagers[0] = "alertmanager"'],
    ["an empty rule file path", () => render({ ruleFiles: [""] }), 'invalid ruleFiles[0] = ""'],
  ])("%s", (_, renderBadInput, message) => {
    expect(renderBadInput).toThrow(`${PATH}: ${message}`);
  });

  it("a duplicate job name, naming the job and where it was first used", () => {
    const twice = () =>
      render({
        scrapeJobs: [
          { jobName: "node-exporter", targets: ["node-exporter:9100"] },
          { jobName: "cadvisor", targets: ["cadvisor:8080"] },
          { jobName: "node-exporter", targets: ["other:9100"] },
        ],
      });
    expect(twice).toThrow(`${PATH}: invalid scrapeJobs[2].jobName = "node-exporter"; a job name not already used by scrapeJobs[0]`);
  });
});
