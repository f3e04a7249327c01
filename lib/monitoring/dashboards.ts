/**
 * The two Grafana dashboards every Dockhost gets, as Grafana's JSON model: "Dockhost host"
 * (node-exporter) and "Dockhost containers" (cAdvisor). Small on purpose: the few panels that
 * explain the default alerts, with the alerts' own queries from `./queries`.
 */
import * as query from "./queries";

/** How a panel or query names its datasource in Grafana's JSON model. */
export interface DatasourceRef {
  readonly type: "prometheus";
  readonly uid: string;
}

/** The provisioned Prometheus datasource; its uid is fixed so that dashboards can name it. */
export const PROMETHEUS_DATASOURCE: DatasourceRef = { type: "prometheus", uid: "dockhost-prometheus" };

/** Dashboard JSON schema version that Grafana 11.0 to 11.2 write; newer Grafana migrates it on load. */
export const DASHBOARD_SCHEMA_VERSION = 39;

/** One PromQL query of a panel. */
export interface PanelQuery {
  readonly refId: string;
  readonly expr: string;
  /** Series name in the legend; `{{label}}` takes a label's value. */
  readonly legendFormat: string;
  readonly datasource: DatasourceRef;
}

/** Place of a panel on Grafana's grid: 24 columns wide, rows of 30 px. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A panel of the JSON model, with the fields these dashboards use. */
export interface DashboardPanel {
  readonly id: number;
  readonly type: "timeseries" | "stat";
  readonly title: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly PanelQuery[];
  readonly fieldConfig: {
    readonly defaults: { readonly unit: string; readonly min?: number; readonly max?: number };
    readonly overrides: readonly never[];
  };
}

/** A dashboard of the JSON model, as a provisioning file holds it. */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly version: number;
  readonly editable: boolean;
  readonly timezone: string;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly never[] };
  readonly annotations: { readonly list: readonly never[] };
  readonly panels: readonly DashboardPanel[];
}

/** What a panel shows, before it is placed on the grid. */
interface PanelSpec {
  readonly type: DashboardPanel["type"];
  readonly title: string;
  /** A Grafana unit id: `percent` (0..100), `bytes`, `Bps`, `short`. */
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  readonly queries: readonly { readonly expr: string; readonly legendFormat: string }[];
}

/** Grafana sizes this window from the scrape interval (the datasource's timeInterval) and the zoom. */
const RATE_WINDOW = "$__rate_interval";
/** Window of the count panels: a stat shows one number, so it covers a fixed recent hour. */
const COUNT_WINDOW = "1h";
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;
const GRID_COLUMNS = 24;
const PERCENT = { unit: "percent", min: 0, max: 100 } as const;
/** Grafana names the queries of a panel A, B, C... */
const FIRST_REF_ID = "A".charCodeAt(0);
const TAGS = ["dockhost"];

/** "Dockhost host": CPU, memory, the Docker filesystem and network of each host, from node-exporter. */
export function hostDashboard(sources: query.MetricSources = {}): Dashboard {
  const perHost = "{{instance}}";
  return dashboard("dockhost-host", "Dockhost host", [
    {
      type: "timeseries",
      title: "CPU busy",
      ...PERCENT,
      queries: [{ expr: query.cpuBusyPercent(sources, RATE_WINDOW), legendFormat: perHost }],
    },
    {
      type: "timeseries",
      title: "Memory available",
      ...PERCENT,
      queries: [{ expr: query.memoryAvailablePercent(sources), legendFormat: perHost }],
    },
    {
      type: "stat",
      title: "Docker disk used",
      ...PERCENT,
      queries: [{ expr: query.dockerDiskUsedPercent(sources), legendFormat: perHost }],
    },
    {
      type: "timeseries",
      title: "Network",
      unit: "Bps",
      queries: [
        { expr: query.networkBytesPerSecond(sources, "receive", RATE_WINDOW), legendFormat: "{{instance}} {{device}} in" },
        { expr: query.networkBytesPerSecond(sources, "transmit", RATE_WINDOW), legendFormat: "{{instance}} {{device}} out" },
      ],
    },
  ]);
}

/** "Dockhost containers": CPU, memory, restarts and OOM kills of each container, from cAdvisor. */
export function containersDashboard(sources: query.MetricSources = {}): Dashboard {
  const perContainer = "{{name}}";
  return dashboard("dockhost-containers", "Dockhost containers", [
    {
      type: "timeseries",
      title: "CPU (cores)",
      unit: "short",
      queries: [{ expr: query.containerCpuCores(sources, RATE_WINDOW), legendFormat: perContainer }],
    },
    {
      type: "timeseries",
      title: "Memory (working set)",
      unit: "bytes",
      queries: [{ expr: query.containerMemoryBytes(sources), legendFormat: perContainer }],
    },
    {
      type: "stat",
      title: "Restarts (last hour)",
      unit: "short",
      queries: [{ expr: query.containerRestarts(sources, COUNT_WINDOW), legendFormat: perContainer }],
    },
    {
      type: "stat",
      title: "OOM kills (last hour)",
      unit: "short",
      queries: [{ expr: query.containerOomKills(sources, COUNT_WINDOW), legendFormat: perContainer }],
    },
  ]);
}

/** A dashboard as the JSON text of a provisioned dashboard file. */
export function dashboardJson(model: Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

function dashboard(uid: string, title: string, panels: readonly PanelSpec[]): Dashboard {
  return {
    uid,
    title,
    tags: TAGS,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    // Provisioned from code: edits in the UI would be lost on the next deploy.
    editable: false,
    timezone: "browser",
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: { list: [] },
    annotations: { list: [] },
    panels: panels.map(placePanel),
  };
}

/** Two panels per row, in the order given; ids are positions, stable as long as the order is. */
function placePanel(spec: PanelSpec, index: number): DashboardPanel {
  const perRow = GRID_COLUMNS / PANEL_WIDTH;
  return {
    id: index + 1,
    type: spec.type,
    title: spec.title,
    gridPos: { x: (index % perRow) * PANEL_WIDTH, y: Math.floor(index / perRow) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
    datasource: PROMETHEUS_DATASOURCE,
    targets: spec.queries.map((q, i) => ({ refId: String.fromCharCode(FIRST_REF_ID + i), ...q, datasource: PROMETHEUS_DATASOURCE })),
    fieldConfig: { defaults: { unit: spec.unit, min: spec.min, max: spec.max }, overrides: [] },
  };
}
