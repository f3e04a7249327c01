import { App } from "cdktf";
import { ComposeStack } from "./constructs/compose-stack";
import { DockerHostProps } from "./constructs/docker-host";
import { DockhostApp } from "./constructs/dockhost-app";
import { buildHomelabFoundation, HomelabFoundation } from "./constructs/homelab";
import { Nextcloud } from "./constructs/nextcloud";
import { MonitoringStack } from "./constructs/monitoring-stack";
import { Secret } from "./constructs/secret";
import { VolumeBackup } from "./constructs/volume-backup";
import { WebApp } from "./constructs/web-app";
import { HomelabSettings } from "./lib/homelab-settings";

/**
 * Your homelab: edit these settings (and the apps below) to make it yours. Secrets (SSH keys,
 * Proxmox endpoint and token, passwords) and the domain are Terraform variables: Terraform asks
 * for them, or reads them from terraform.tfvars; nothing personal is synthesized.
 */
export const SETTINGS: HomelabSettings = {
  proxmox: { node: "pve", datastore: "local-lvm", snippetsDatastore: "local" },
  // gateway and dnsServers default to host .1 of the LAN (then 1.1.1.1); vlanId to untagged.
  lan: { cidr: "192.168.1.0/24", bridge: "vmbr0" },
  vm: {
    count: 1,
    templateId: 9001,
    baseId: 9010,
    ipStart: 10,
    namePrefix: "dockhost",
    cpuCores: 3,
    memoryMb: 10240,
    disk0SizeGb: 50,
    adminUser: "dockhost",
  },
  // adminCidrs defaults to the LAN.
  access: { webAccess: "world" },
  hostNames: { app: "app", api: "api", grafana: "grafana", cloud: "cloud" },
};

/** What the homelab is made of, for tests: the foundation (VMs, engines, proxies, backups, monitoring) and the apps. */
export interface ReferenceHomelab extends HomelabFoundation {
  readonly appStack: ComposeStack;
  readonly webApp: WebApp;
  readonly nextcloud: Nextcloud;
  /** The first VM's backup and monitoring (the apps run there). */
  readonly volumeBackup: VolumeBackup;
  readonly monitoring: MonitoringStack;
}

/** PostgREST's anonymous role: no login, read-only on the public schema, switched to by `app`. */
const WEB_ANON_SQL = `CREATE ROLE web_anon NOLOGIN;
GRANT USAGE ON SCHEMA public TO web_anon;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO web_anon;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO web_anon;
GRANT web_anon TO app;
`;

/**
 * The homelab: one Proxmox server, `settings.vm.count` VMs running Docker, each with its own reverse
 * proxy, volume backup and monitoring, and the seed's application stack (web app, API,
 * PostgreSQL, Redis) and Nextcloud on the first VM, from the catalog.
 */
export function buildReferenceHomelab(app: App = new DockhostApp(), settings: HomelabSettings = SETTINGS, dockerHostProps: Omit<DockerHostProps, "vm"> = {}): ReferenceHomelab {
  // The VMs, their engines, proxies, backups and monitoring: the part `dockhost init`'s main.ts
  // builds the same way (constructs/homelab.ts).
  const foundation = buildHomelabFoundation(app, settings, { dockerHost: dockerHostProps });
  const { apps, engine, proxy, domain } = foundation;

  const dbPassword = new Secret(apps, "app_db_password", { description: "PostgreSQL password of the app database", minLength: 16 });
  // The seed's web app and API, with PostgreSQL and Redis, from the catalog.
  const webApp = new WebApp(apps, "app", {
    engine,
    proxy,
    database: { password: dbPassword, initSql: { "10-web-anon.sql": WEB_ANON_SQL }, urlVariable: "PGRST_DB_URI" },
    cache: {},
    api: {
      host: `${settings.hostNames.api}.${domain}`,
      port: 3000,
      middlewares: [proxy.securityHeaders, proxy.rateLimit],
      service: {
        // PostgREST: a REST API straight from the database schema.
        image: "postgrest/postgrest:v12.2.3",
        // The admin server (3001) serves health and Prometheus metrics, never the API.
        // Anonymous requests run as web_anon (read-only), never as the owner of the database.
        environment: { PGRST_DB_ANON_ROLE: "web_anon", PGRST_SERVER_PORT: "3000", PGRST_ADMIN_SERVER_PORT: "3001" },
        memoryLimitMb: 256,
        expose: [3000, 3001],
        metrics: { port: 3001 },
      },
    },
    web: {
      host: `${settings.hostNames.app}.${domain}`,
      service: {
        image: "nginx:1.27.3-alpine",
        memoryLimitMb: 128,
        expose: [80],
        healthcheck: { test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1/"], interval: "30s", timeout: "5s", retries: 3 },
      },
    },
  });
  const appStack = webApp.stack;
  // The seed's Nextcloud, with its own database and cache.
  const nextcloud = new Nextcloud(apps, "nextcloud", {
    engine,
    proxy,
    host: `${settings.hostNames.cloud}.${domain}`,
    // The seed's 35 GB Docker disk holds 5 GB of files next to the rest; larger libraries belong on a NAS.
    dataSizeGb: 5,
    adminPassword: new Secret(apps, "nextcloud_admin_password", { description: "Password of Nextcloud's admin account", minLength: 12 }),
    databasePassword: new Secret(apps, "nextcloud_db_password", { description: "PostgreSQL password of Nextcloud's database", minLength: 16 }),
  });

  const { volumeBackup, monitoring } = foundation.perVm[0];
  return { ...foundation, appStack, webApp, nextcloud, volumeBackup, monitoring };
}

/** Synthesizes the homelab into cdktf.out (scripts/synth-app.js calls it; so does `ts-node main.ts`). */
export function synth(): void {
  const app = new DockhostApp();
  buildReferenceHomelab(app);
  app.synth();
}

if (require.main === module) synth();
