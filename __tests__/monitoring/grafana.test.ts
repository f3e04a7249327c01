import { parse, stringify } from "yaml";
import { containersDashboard, Dashboard, dashboardJson, hostDashboard, PROMETHEUS_DATASOURCE } from "../../lib/monitoring/dashboards";
import { grafanaDashboardProviderYaml, grafanaDatasourceYaml, grafanaProvisioningFiles } from "../../lib/monitoring/grafana";
import { promtoolCheckRules } from "../support/validators";
import { needs } from "../support/requirements";

const PATH = "Homelab/Monitoring";

/** The expressions of every panel, in order. */
function panelExprs(model: Dashboard): string[][] {
  return model.panels.map((panel) => panel.targets.map((target) => target.expr));
}

describe("grafanaDatasourceYaml", () => {
  it("provisions Prometheus on the stack network as the default datasource, with the uid dashboards use", () => {
    const yaml = grafanaDatasourceYaml(PATH, { prometheusUrl: "http://prometheus:9090", scrapeInterval: "30s" });
    expect(parse(yaml)).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          type: "prometheus",
          uid: PROMETHEUS_DATASOURCE.uid,
          access: "proxy",
          url: "http://prometheus:9090",
          isDefault: true,
          editable: false,
          jsonData: { timeInterval: "30s" },
        },
      ],
    });
  });

  it("leaves timeInterval to Grafana when no scrape interval is given", () => {
    const datasource = parse(grafanaDatasourceYaml(PATH, { prometheusUrl: "https://metrics.example.org" })).datasources[0];
    expect(datasource).not.toHaveProperty("jsonData");
  });

  it.each<[string, { prometheusUrl: string; scrapeInterval?: string }, string]>([
    ["a URL without a scheme", { prometheusUrl: "prometheus:9090x" }, 'invalid prometheusUrl = "prometheus:9090x"'],
    ["not a URL", { prometheusUrl: "prometheus" }, 'invalid prometheusUrl = "prometheus"; an http:// or https:// URL'],
    ["another scheme", { prometheusUrl: "ftp://prometheus:9090" }, 'invalid prometheusUrl = "ftp://prometheus:9090"'],
    ["a scrape interval that is not a duration", { prometheusUrl: "http://prometheus:9090", scrapeInterval: "30" }, 'invalid scrapeInterval = "30"'],
  ])("refuses %s, naming path, key and value", (_, props, message) => {
    expect(() => grafanaDatasourceYaml(PATH, props)).toThrow(`${PATH}: ${message}`);
  });
});

describe("grafanaDashboardProviderYaml", () => {
  it("loads the dashboard files into one folder, read-only", () => {
    expect(parse(grafanaDashboardProviderYaml(PATH))).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: "dockhost",
          orgId: 1,
          folder: "Dockhost",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: "/etc/grafana/dashboards" },
        },
      ],
    });
  });

  it("takes another folder and directory", () => {
    const provider = parse(grafanaDashboardProviderYaml(PATH, { folder: "Homelab", dashboardsDir: "/var/lib/grafana/dashboards" })).providers[0];
    expect(provider).toMatchObject({ folder: "Homelab", options: { path: "/var/lib/grafana/dashboards" } });
  });

  it.each<[string, object, string]>([
    ["a relative directory", { dashboardsDir: "dashboards" }, 'invalid dashboardsDir = "dashboards"'],
    ["an empty folder", { folder: " " }, 'invalid folder = " "; a non-empty folder name'],
  ])("refuses %s, naming path, key and value", (_, props, message) => {
    expect(() => grafanaDashboardProviderYaml(PATH, props)).toThrow(`${PATH}: ${message}`);
  });
});

describe("dashboards", () => {
  const host = hostDashboard();
  const containers = containersDashboard();

  it("are JSON models with a schemaVersion, a uid, panels on the grid and targets on the fixed datasource", () => {
    for (const model of [host, containers]) {
      const json = JSON.parse(dashboardJson(model)) as Dashboard;
      expect(json).toMatchObject({ uid: model.uid, title: model.title, schemaVersion: 39, editable: false });
      for (const panel of json.panels) {
        expect(["timeseries", "stat"]).toContain(panel.type);
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        expect(panel.datasource).toEqual({ type: "prometheus", uid: "dockhost-prometheus" });
        for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
      }
      expect(new Set(json.panels.map((panel) => panel.id)).size).toBe(json.panels.length);
    }
  });

  it("do not overlap on the grid", () => {
    for (const model of [host, containers]) {
      const cells = model.panels.flatMap(({ gridPos: { x, y, w, h } }) =>
        Array.from({ length: w * h }, (_, i) => `${x + (i % w)},${y + Math.floor(i / w)}`),
      );
      expect(new Set(cells).size).toBe(cells.length);
    }
  });

  it('"Dockhost host" shows CPU, memory, the Docker filesystem and network from node-exporter', () => {
    expect(host.title).toBe("Dockhost host");
    expect(host.panels.map((panel) => [panel.title, panel.type])).toEqual([
      ["CPU busy", "timeseries"],
      ["Memory available", "timeseries"],
      ["Docker disk used", "stat"],
      ["Network", "timeseries"],
    ]);
    expect(panelExprs(host)).toEqual([
      ['100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{job="node-exporter", mode="idle"}[$__rate_interval])))'],
      ['100 * node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"}'],
      ['100 * (1 - node_filesystem_avail_bytes{job="node-exporter", mountpoint="/"} / node_filesystem_size_bytes{job="node-exporter", mountpoint="/"})'],
      [
        'rate(node_network_receive_bytes_total{job="node-exporter", device!~"lo|docker.*|br-.*|veth.*"}[$__rate_interval])',
        'rate(node_network_transmit_bytes_total{job="node-exporter", device!~"lo|docker.*|br-.*|veth.*"}[$__rate_interval])',
      ],
    ]);
  });

  it('"Dockhost containers" shows CPU, memory, restarts and OOM kills per container from cAdvisor', () => {
    expect(containers.title).toBe("Dockhost containers");
    expect(panelExprs(containers)).toEqual([
      ['sum by (name) (rate(container_cpu_usage_seconds_total{job="cadvisor", name!=""}[$__rate_interval]))'],
      ['sum by (name) (container_memory_working_set_bytes{job="cadvisor", name!=""})'],
      ['changes(container_start_time_seconds{job="cadvisor", name!=""}[1h])'],
      ['increase(container_oom_events_total{job="cadvisor", name!=""}[1h])'],
    ]);
    expect(containers.panels.map((panel) => panel.fieldConfig.defaults.unit)).toEqual(["short", "bytes", "short", "short"]);
  });

  it("follow the job names and mount point they are given", () => {
    const custom = hostDashboard({ nodeJob: "node", dockerMountpoint: "/var/lib/docker" });
    expect(panelExprs(custom)[2][0]).toBe(
      '100 * (1 - node_filesystem_avail_bytes{job="node", mountpoint="/var/lib/docker"} / node_filesystem_size_bytes{job="node", mountpoint="/var/lib/docker"})',
    );
    expect(panelExprs(containersDashboard({ cadvisorJob: "containers" }))[1][0]).toContain('{job="containers", name!=""}');
  });

  needs("promtool").it("query valid PromQL: every expression passes `promtool check rules` as a recording rule", () => {
    // $__rate_interval is Grafana's; Prometheus sees the window Grafana puts in its place.
    const rules = [host, containers].flatMap((model) =>
      panelExprs(model).flatMap((exprs, panel) =>
        exprs.map((expr, query) => ({
          record: `dockhost:${model.uid.replace("-", "_")}_${panel}_${query}`,
          expr: expr.replaceAll("$__rate_interval", "1m"),
        })),
      ),
    );
    const result = promtoolCheckRules(stringify({ groups: [{ name: "dashboards", rules }] }));
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });
});

describe("grafanaProvisioningFiles", () => {
  it("places the datasource, the provider and both dashboards where the Grafana image reads them", () => {
    const files = grafanaProvisioningFiles(PATH, { prometheusUrl: "http://prometheus:9090", dashboardsDir: "/var/lib/grafana/dashboards" });
    expect(files.map((file) => file.containerPath)).toEqual([
      "/etc/grafana/provisioning/datasources/dockhost.yaml",
      "/etc/grafana/provisioning/dashboards/dockhost.yaml",
      "/var/lib/grafana/dashboards/dockhost-host.json",
      "/var/lib/grafana/dashboards/dockhost-containers.json",
    ]);
    expect(parse(files[1].content).providers[0].options.path).toBe("/var/lib/grafana/dashboards");
    expect(JSON.parse(files[2].content)).toEqual(hostDashboard());
  });

  it("hands the metric sources to the dashboards", () => {
    const files = grafanaProvisioningFiles(PATH, { prometheusUrl: "http://prometheus:9090", sources: { cadvisorJob: "containers" } });
    expect(JSON.parse(files[3].content)).toEqual(containersDashboard({ cadvisorJob: "containers" }));
  });

  it("checks its input", () => {
    expect(() => grafanaProvisioningFiles(PATH, { prometheusUrl: "prometheus" })).toThrow(`${PATH}: invalid prometheusUrl`);
  });
});
