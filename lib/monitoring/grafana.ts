/**
 * Grafana's provisioning files: the Prometheus datasource, the dashboard provider and the
 * dashboards it loads, each with the path it takes in the Grafana container. Grafana reads them
 * at start, so a fresh container comes up with its datasource and dashboards and no clicking.
 */
import { checkAbsolutePath } from "../compose/validate";
import { invalid } from "../errors";
import { containersDashboard, dashboardJson, hostDashboard, PROMETHEUS_DATASOURCE } from "./dashboards";
import { toGoYaml } from "./go-yaml";
import { checkPrometheusInterval } from "./prometheus-duration";
import { MetricSources } from "./queries";

/** Where the official Grafana image looks for provisioning files (`GF_PATHS_PROVISIONING`). */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";

/**
 * Directory of the dashboard files. Beside Grafana's configuration rather than under
 * /var/lib/grafana, which is the data volume: files that Terraform writes stay apart from state.
 */
export const DEFAULT_DASHBOARDS_DIR = "/etc/grafana/dashboards";

/** Grafana folder the provisioned dashboards appear in. */
export const DEFAULT_DASHBOARD_FOLDER = "Dockhost";

/** Version of Grafana's provisioning file format. */
const PROVISIONING_API_VERSION = 1;
/** Name of the provisioned datasource and dashboard provider files. */
const PROVISIONING_FILE_NAME = "dockhost.yaml";

/** The Prometheus datasource. */
export interface GrafanaDatasourceProps {
  /** URL Grafana's backend reaches Prometheus at, e.g. `http://prometheus:9090` on the stack network. */
  readonly prometheusUrl: string;
  /**
   * Prometheus's scrape interval, which Grafana needs to size `$__rate_interval` (no shorter than
   * four scrapes).
   * @default - Grafana's own default of 15s
   */
  readonly scrapeInterval?: string;
}

/** Where the dashboards come from. */
export interface DashboardProviderProps {
  /**
   * Grafana folder of the dashboards.
   * @default "Dockhost"
   */
  readonly folder?: string;
  /**
   * Absolute directory in the Grafana container holding the dashboard JSON files.
   * @default "/etc/grafana/dashboards"
   */
  readonly dashboardsDir?: string;
}

/** Everything Grafana is provisioned with. */
export interface GrafanaProvisioningProps extends GrafanaDatasourceProps, DashboardProviderProps {
  /**
   * Scrape jobs and mount point the dashboards' queries read.
   * @default - the defaults of `MetricSources`
   */
  readonly sources?: MetricSources;
}

/** A file to place in the Grafana container. */
export interface ProvisionedFile {
  /** Absolute path in the container. */
  readonly containerPath: string;
  readonly content: string;
}

/** The datasource provisioning file: one Prometheus datasource, the default, with a fixed uid. */
export function grafanaDatasourceYaml(path: string, props: GrafanaDatasourceProps): string {
  checkPrometheusUrl(path, props.prometheusUrl);
  if (props.scrapeInterval !== undefined) checkPrometheusInterval(path, "scrapeInterval", props.scrapeInterval);
  return toGoYaml({
    apiVersion: PROVISIONING_API_VERSION,
    datasources: [
      {
        name: "Prometheus",
        type: PROMETHEUS_DATASOURCE.type,
        uid: PROMETHEUS_DATASOURCE.uid,
        // Grafana's backend queries Prometheus; browsers never need to reach it.
        access: "proxy",
        url: props.prometheusUrl,
        isDefault: true,
        editable: false,
        jsonData: props.scrapeInterval === undefined ? undefined : { timeInterval: props.scrapeInterval },
      },
    ],
  });
}

/** The dashboard provider file: dashboards read from files, in one folder, not editable in the UI. */
export function grafanaDashboardProviderYaml(path: string, props: DashboardProviderProps = {}): string {
  const folder = props.folder ?? DEFAULT_DASHBOARD_FOLDER;
  if (folder.trim().length === 0) invalid({ path, key: "folder", value: folder, allowed: "a non-empty folder name" });
  const dashboardsDir = props.dashboardsDir ?? DEFAULT_DASHBOARDS_DIR;
  checkAbsolutePath({ path }, "dashboardsDir", dashboardsDir);
  return toGoYaml({
    apiVersion: PROVISIONING_API_VERSION,
    providers: [
      {
        name: "dockhost",
        orgId: 1,
        folder,
        type: "file",
        // The files are the source of truth: deleting or saving in the UI would not survive a deploy.
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: dashboardsDir },
      },
    ],
  });
}

/** Every provisioning file with its place in the container: datasource, provider, both dashboards. */
export function grafanaProvisioningFiles(path: string, props: GrafanaProvisioningProps): ProvisionedFile[] {
  const dashboardsDir = props.dashboardsDir ?? DEFAULT_DASHBOARDS_DIR;
  const dashboards = [hostDashboard(props.sources), containersDashboard(props.sources)];
  return [
    { containerPath: `${GRAFANA_PROVISIONING_DIR}/datasources/${PROVISIONING_FILE_NAME}`, content: grafanaDatasourceYaml(path, props) },
    { containerPath: `${GRAFANA_PROVISIONING_DIR}/dashboards/${PROVISIONING_FILE_NAME}`, content: grafanaDashboardProviderYaml(path, props) },
    ...dashboards.map((model) => ({ containerPath: `${dashboardsDir}/${model.uid}.json`, content: dashboardJson(model) })),
  ];
}

function checkPrometheusUrl(path: string, url: string): void {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol !== "http:" && protocol !== "https:") {
    invalid({ path, key: "prometheusUrl", value: url, allowed: "an http:// or https:// URL, such as http://prometheus:9090" });
  }
}
