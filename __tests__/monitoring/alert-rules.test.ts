import { parse, stringify } from "yaml";
import { AlertRule, defaultAlertRules, renderAlertRules } from "../../lib/monitoring/alert-rules";
import { promtoolCheckRules, promtoolTestRules } from "../support/validators";
import { needs } from "../support/requirements";

const PATH = "Homelab/Monitoring";
const RULE_FILE = "dockhost-alerts.yml";

function ruleNamed(rules: readonly AlertRule[], alert: string): AlertRule {
  const rule = rules.find((candidate) => candidate.alert === alert);
  if (rule === undefined) throw new Error(`no rule ${alert}`);
  return rule;
}

describe("defaultAlertRules", () => {
  const rules = defaultAlertRules(PATH, { proxyJob: "traefik" });

  it("has every default alert, each with for, severity, summary and description", () => {
    expect(rules.map((rule) => rule.alert)).toEqual([
      "HostDown",
      "DockerDiskFilling",
      "MemoryPressure",
      "ContainerRestarting",
      "ContainerOomKilled",
      "TlsCertificateExpiring",
      "TargetMissing",
    ]);
    for (const rule of rules) {
      expect(rule).toEqual({
        alert: expect.any(String),
        expr: expect.any(String),
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(/^(critical|warning)$/) },
        annotations: { summary: expect.any(String), description: expect.any(String) },
      });
    }
  });

  it("asks the expected questions, with the default thresholds", () => {
    expect(Object.fromEntries(rules.map((rule) => [rule.alert, [rule.expr, rule.for]]))).toEqual({
      HostDown: ['up{job="node-exporter"} == 0', "2m"],
      DockerDiskFilling: [
        '100 * (1 - node_filesystem_avail_bytes{job="node-exporter", mountpoint="/"} / node_filesystem_size_bytes{job="node-exporter", mountpoint="/"}) > 85',
        "5m",
      ],
      MemoryPressure: ['100 * node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"} < 10', "10m"],
      ContainerRestarting: ['changes(container_start_time_seconds{job="cadvisor", name!=""}[15m]) > 2', "0s"],
      ContainerOomKilled: ['increase(container_oom_events_total{job="cadvisor", name!=""}[10m]) > 0', "0s"],
      TlsCertificateExpiring: ['(traefik_tls_certs_not_after{job="traefik"} - time()) / 86400 < 14', "15m"],
      TargetMissing: ['up{job!="node-exporter"} == 0', "5m"],
    });
  });

  it("has no certificate alert without a proxy job", () => {
    expect(defaultAlertRules(PATH).map((rule) => rule.alert)).not.toContain("TlsCertificateExpiring");
  });

  it("takes thresholds, job names and the Docker mount point as inputs, quoting them as PromQL strings", () => {
    const custom = defaultAlertRules(PATH, {
      nodeJob: "node",
      cadvisorJob: 'c"advisor',
      dockerMountpoint: "/var/lib/docker",
      maxDockerDiskUsedPercent: 90,
      minMemoryAvailablePercent: 5.5,
      maxContainerRestarts: 0,
    });
    expect(ruleNamed(custom, "HostDown").expr).toBe('up{job="node"} == 0');
    expect(ruleNamed(custom, "DockerDiskFilling").expr).toMatch(/mountpoint="\/var\/lib\/docker"}\) > 90$/);
    expect(ruleNamed(custom, "DockerDiskFilling").annotations.description).toContain("more than 90% used");
    expect(ruleNamed(custom, "MemoryPressure").expr).toMatch(/ < 5\.5$/);
    expect(ruleNamed(custom, "ContainerRestarting").expr).toBe('changes(container_start_time_seconds{job="c\\"advisor", name!=""}[15m]) > 0');
  });
});

describe("renderAlertRules", () => {
  const yaml = renderAlertRules(defaultAlertRules(PATH, { proxyJob: "traefik" }));

  needs("promtool").it("passes `promtool check rules`", () => {
    const result = promtoolCheckRules(yaml);
    expect(result.stdout + result.stderr).toContain("SUCCESS: 7 rules found");
    expect(result.code).toBe(0);
  });

  needs("promtool").it("passes `promtool check rules` with odd job names and thresholds too", () => {
    const odd = defaultAlertRules(PATH, { proxyJob: "proxy\\1", cadvisorJob: 'c"a', maxDockerDiskUsedPercent: 0.000001 });
    const result = promtoolCheckRules(renderAlertRules(odd));
    expect(result.stdout + result.stderr).toContain("SUCCESS: 7 rules found");
    expect(result.code).toBe(0);
  });

  needs("promtool").it("the check can fail: a broken expression is reported", () => {
    const result = promtoolCheckRules(yaml.replace('up{job!="node-exporter"} == 0', 'up{job!="node-exporter"} === 0'));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("TargetMissing");
  });

  it("reads back as one group holding the rules", () => {
    const rules = defaultAlertRules(PATH);
    expect(parse(renderAlertRules(rules))).toEqual({ groups: [{ name: "dockhost", rules }] });
  });
});

// `promtool test rules`: series in, alerts out, at given times (one sample a minute from t=0).
describe("the alerts fire on the series they are meant for, and only then", () => {
  const rules = renderAlertRules(defaultAlertRules(PATH, { proxyJob: "traefik" }));
  const node = { job: "node-exporter", instance: "node-exporter:9100" };
  const rootFs = { ...node, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" };
  const bootFs = { ...node, device: "/dev/sda15", fstype: "vfat", mountpoint: "/boot/efi" };
  const flaky = { job: "cadvisor", instance: "cadvisor:8080", id: "/system.slice/docker-1.scope", image: "flaky:1", name: "flaky" };
  const hungry = { job: "cadvisor", instance: "cadvisor:8080", id: "/system.slice/docker-2.scope", image: "hungry:1", name: "hungry" };
  const systemSlice = { job: "cadvisor", instance: "cadvisor:8080", id: "/system.slice" };
  const oldCert = { job: "traefik", instance: "traefik:8082", cn: "old.example.org", sans: "old.example.org", serial: "1" };
  const newCert = { job: "traefik", instance: "traefik:8082", cn: "new.example.org", sans: "new.example.org", serial: "2" };
  const tenDays = 10 * 86400;

  const series = (metric: string, labels: Record<string, string>, values: string) => ({
    series: `${metric}{${Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(", ")}}`,
    values,
  });
  const alertAt = (minute: number, alertname: string, expAlerts: object[]) => ({ eval_time: `${minute}m`, alertname, exp_alerts: expAlerts });

  const tests = {
    rule_files: [RULE_FILE],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          // node-exporter answers twice, then not at all from minute 2.
          series("up", node, "1 1 0x10"),
          series("up", { job: "cadvisor", instance: "cadvisor:8080" }, "1x12"),
          // Traefik's metrics stop answering from minute 2 too.
          series("up", { job: "traefik", instance: "traefik:8082" }, "1 1 0x10"),
          // The root filesystem is 90% used; the EFI partition is 95% used, but it is not where Docker lives.
          series("node_filesystem_avail_bytes", rootFs, "10x12"),
          series("node_filesystem_size_bytes", rootFs, "100x12"),
          series("node_filesystem_avail_bytes", bootFs, "5x12"),
          series("node_filesystem_size_bytes", bootFs, "100x12"),
          // 5% of memory available from the start.
          series("node_memory_MemAvailable_bytes", node, "5x12"),
          series("node_memory_MemTotal_bytes", node, "100x12"),
          // flaky restarts at minutes 2, 4 and 5: its start time changes each time.
          series("container_start_time_seconds", flaky, "100 100 220 220 340 400 400 400"),
          // hungry has one OOM kill at minute 3; a system cgroup (no container name) has several.
          series("container_oom_events_total", hungry, "0x2 1x25"),
          series("container_oom_events_total", systemSlice, "0 1 2 3 4 5"),
          // One certificate expires 10 days after t=0, the other 60 days after.
          series("traefik_tls_certs_not_after", oldCert, `${tenDays}x20`),
          series("traefik_tls_certs_not_after", newCert, `${6 * tenDays}x20`),
        ],
        alert_rule_test: [
          alertAt(3, "HostDown", []),
          alertAt(4, "HostDown", [
            {
              exp_labels: { severity: "critical", ...node },
              exp_annotations: {
                summary: "Docker host node-exporter:9100 is down",
                description:
                  "Prometheus has not reached node-exporter on node-exporter:9100 for 2m: the host is down or unreachable, or node-exporter stopped.",
              },
            },
          ]),
          alertAt(4, "DockerDiskFilling", []),
          alertAt(5, "DockerDiskFilling", [
            {
              exp_labels: { severity: "warning", ...rootFs },
              exp_annotations: {
                summary: "Docker disk on node-exporter:9100 is 90% full",
                description:
                  "The filesystem holding /var/lib/docker (mount point /) is more than 85% used. Remove unused images (docker image prune -a) and look for growing volumes.",
              },
            },
          ]),
          alertAt(9, "MemoryPressure", []),
          alertAt(10, "MemoryPressure", [
            {
              exp_labels: { severity: "warning", ...node },
              exp_annotations: {
                summary: "Memory is low on node-exporter:9100",
                description:
                  "Only 5% of memory has been available for 10m (threshold 10%). The kernel will start killing processes next; containers without a memory limit go first.",
              },
            },
          ]),
          alertAt(4, "ContainerRestarting", []),
          alertAt(5, "ContainerRestarting", [
            {
              exp_labels: { severity: "warning", ...flaky },
              exp_annotations: {
                summary: "Container flaky is restarting",
                description: "flaky (flaky:1) restarted 3 times in the last 15m. See docker logs flaky.",
              },
            },
          ]),
          alertAt(2, "ContainerOomKilled", []),
          alertAt(3, "ContainerOomKilled", [
            {
              exp_labels: { severity: "warning", ...hungry },
              exp_annotations: {
                summary: "Out of memory in container hungry",
                description:
                  "The kernel killed a process in hungry (hungry:1) for lack of memory in the last 10m. Raise the container's memory limit or find what grows.",
              },
            },
          ]),
          // Ten minutes after the kill the window holds no increase any more.
          alertAt(20, "ContainerOomKilled", []),
          alertAt(14, "TlsCertificateExpiring", []),
          alertAt(15, "TlsCertificateExpiring", [
            {
              exp_labels: { severity: "warning", ...oldCert },
              exp_annotations: {
                summary: "TLS certificate for old.example.org expires soon",
                description:
                  "The certificate Traefik serves for old.example.org expires in 9.99 days. ACME renewal should have happened 30 days before expiry: look for ACME errors in Traefik's log.",
              },
            },
          ]),
          alertAt(6, "TargetMissing", []),
          // Only Traefik: node-exporter being down is HostDown's to report, not a second alert.
          alertAt(7, "TargetMissing", [
            {
              exp_labels: { severity: "warning", job: "traefik", instance: "traefik:8082" },
              exp_annotations: {
                summary: "Scrape target traefik:8082 of job traefik is down",
                description:
                  "Prometheus has not scraped traefik:8082 (traefik) for 5m; its metrics, and the alerts built on them, are missing.",
              },
            },
          ]),
        ],
      },
    ],
  };

  needs("promtool").it("passes `promtool test rules`", () => {
    const result = promtoolTestRules(stringify(tests), { [RULE_FILE]: rules });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  needs("promtool").it("the unit test can fail: a HostDown that fires a minute early is caught", () => {
    const early = rules.replace("for: 2m", "for: 1m");
    const result = promtoolTestRules(stringify(tests), { [RULE_FILE]: early });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("HostDown");
  });
});

describe("defaultAlertRules refuses bad thresholds, naming path, key and value", () => {
  it.each<[string, object, string]>([
    ["a disk threshold above 100%", { maxDockerDiskUsedPercent: 120 }, "invalid maxDockerDiskUsedPercent = 120; a percentage from 0 to 100"],
    ["a negative memory threshold", { minMemoryAvailablePercent: -1 }, "invalid minMemoryAvailablePercent = -1; a percentage from 0 to 100"],
    ["a threshold that is not a number", { minMemoryAvailablePercent: Number.NaN }, "invalid minMemoryAvailablePercent = null"],
    ["a fractional restart count", { maxContainerRestarts: 1.5 }, "invalid maxContainerRestarts = 1.5; a whole number, 0 or more"],
    ["zero certificate days, even without a proxy", { minCertificateDaysLeft: 0 }, "invalid minCertificateDaysLeft = 0"],
    ["a relative mount point", { dockerMountpoint: "var/lib/docker" }, 'invalid dockerMountpoint = "var/lib/docker"'],
  ])("%s", (_, props, message) => {
    expect(() => defaultAlertRules(PATH, props)).toThrow(`${PATH}: ${message}`);
  });

  it.each([0, 100])("accepts the bounds: %d%%", (percent) => {
    expect(() => defaultAlertRules(PATH, { maxDockerDiskUsedPercent: percent, minMemoryAvailablePercent: percent })).not.toThrow();
  });
});
