import { App } from "cdktf";
import { ComposeStack } from "./constructs/compose-stack";
import { DockerEngine } from "./constructs/docker-engine";
import { DockerHost, DockerHostProps } from "./constructs/docker-host";
import { DockhostApp } from "./constructs/dockhost-app";
import { DockhostStack } from "./constructs/dockhost-stack";
import { DockhostVm } from "./constructs/dockhost-vm";
import { HostFirewall } from "./constructs/host-firewall";
import { Nextcloud } from "./constructs/nextcloud";
import { MonitoringStack } from "./constructs/monitoring-stack";
import { ProxmoxConnection } from "./constructs/proxmox-connection";
import { ReverseProxy } from "./constructs/reverse-proxy";
import { Secret } from "./constructs/secret";
import { VmAdoption } from "./constructs/vm-adoption";
import { VmBackup } from "./constructs/vm-backup";
import { VolumeBackup, VolumeBackupTarget } from "./constructs/volume-backup";
import { WebApp } from "./constructs/web-app";
import { HomelabSettings } from "./lib/homelab-settings";
import { EMAIL_PATTERN, HOSTNAME_PATTERN } from "./lib/hostname";
import { stateBackendFromEnv } from "./lib/state-backend";
import { declareVariable } from "./lib/terraform-variable";

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

/** What the homelab is made of, for tests. Per-VM pieces are listed VM by VM (index 0 first). */
export interface ReferenceHomelab {
  readonly app: App;
  readonly infra: DockhostStack;
  readonly vm: DockhostVm;
  readonly dockerHost: DockerHost;
  readonly vmBackup: VmBackup;
  readonly firewall: HostFirewall;
  readonly apps: DockhostStack;
  /** The first VM's engine, proxy, backup and monitoring (the apps run there). */
  readonly engine: DockerEngine;
  readonly appStack: ComposeStack;
  readonly webApp: WebApp;
  readonly nextcloud: Nextcloud;
  readonly proxy: ReverseProxy;
  readonly volumeBackup: VolumeBackup;
  readonly monitoring: MonitoringStack;
  /** Every VM's engine, proxy, backup and monitoring. */
  readonly perVm: ReadonlyArray<{ readonly engine: DockerEngine; readonly proxy: ReverseProxy; readonly volumeBackup: VolumeBackup; readonly monitoring: MonitoringStack }>;
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
  // Where the state lives comes from the environment (DOCKHOST_BACKEND=s3|pg, ...): local by default.
  const backend = stateBackendFromEnv();
  const infra = new DockhostStack(app, "dockhost-infra", { backend });
  new ProxmoxConnection(infra, "proxmox");
  const vm = new DockhostVm(infra, "dockhost", {
    ...settings.vm,
    nodeName: settings.proxmox.node,
    datastoreId: settings.proxmox.datastore,
    snippetsDatastoreId: settings.proxmox.snippetsDatastore,
    lan: settings.lan,
  });
  const dockerHost = new DockerHost(infra, "docker", { ...dockerHostProps, vm });
  // The seed's weekly Proxmox snapshots, kept on the node's "local" storage.
  const vmBackup = new VmBackup(infra, "dockhost_backup", { vm });
  // Inbound: SSH from the admin networks and what the stacks publish. Let's Encrypt's HTTP-01
  // challenge (the proxy's acme-http mode) needs 80 and 443 from the internet, forwarded by the router.
  const firewall = new HostFirewall(infra, "firewall", { vm, ...settings.access });
  // Adopting a running dockhost: TF_VAR_vm_import_existing=true imports it; DOCKHOST_VM_MOVED_FROM
  // (comma-separated addresses) moves it from the original module's state.
  new VmAdoption(infra, "adopt", { vm, movedFrom: listFromEnv("DOCKHOST_VM_MOVED_FROM") });

  const apps = new DockhostStack(app, "dockhost-apps", { backend });
  apps.addDependency(infra);

  // Personal values stay out of the output: Terraform asks for them.
  const domain = declareVariable(apps, "domain", {
    type: "string",
    description: "DNS domain of the homelab's web apps, e.g. home.example.com",
    validation: [{ condition: `can(regex(${JSON.stringify(HOSTNAME_PATTERN)}, var.domain))`, errorMessage: "domain must be a lowercase DNS name such as home.example.com." }],
  }).stringValue;
  const acmeEmail = declareVariable(apps, "acme_email", {
    type: "string",
    description: "E-mail of the Let's Encrypt account (expiry notices)",
    validation: [{ condition: `can(regex(${JSON.stringify(EMAIL_PATTERN)}, var.acme_email))`, errorMessage: "acme_email must be an e-mail address." }],
  }).stringValue;
  // Every VM gets its own proxy, volume backup and monitoring; the first VM's keep the plain names
  // (proxy, backup, monitoring), the others' carry the VM's name (see "Apps on more than one VM").
  const vms = Array.from({ length: vm.count }, (_, index) => {
    const engine = dockerHost.connect(apps, { vmIndex: index });
    const suffix = index === 0 ? "" : `-${vm.vmName(index)}`;
    // Only one VM can receive the router's ports 80 and 443: the others' proxies use their own
    // certificate authority (internal), for the LAN.
    const proxy = new ReverseProxy(apps, `proxy${suffix}`, { engine, tls: index === 0 ? { mode: "acme-http", email: acmeEmail } : { mode: "internal" } });
    return { engine, proxy, suffix, grafanaHost: `${settings.hostNames.grafana}${suffix}.${domain}` };
  });
  const { engine, proxy } = vms[0];

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

  // Nightly archives of every volume not opted out; databases are dumped first.
  const backups = vms.map((v) => new VolumeBackup(apps, `backup${v.suffix}`, { engine: v.engine, target: volumeBackupTarget() }));

  // Created after the apps, each still scrapes every service of its VM that declares metrics.
  const grafanaAdminPassword = new Secret(apps, "grafana_admin_password", { description: "Password of Grafana's admin user", minLength: 12 });
  const perVm = vms.map((v, index) => ({
    engine: v.engine,
    proxy: v.proxy,
    volumeBackup: backups[index],
    monitoring: new MonitoringStack(apps, `monitoring${v.suffix}`, { engine: v.engine, proxy: v.proxy, grafanaHost: v.grafanaHost, grafanaAdminPassword }),
  }));
  const { volumeBackup, monitoring } = perVm[0];
  return { app, infra, vm, dockerHost, vmBackup, firewall, apps, engine, appStack, webApp, nextcloud, proxy, volumeBackup, monitoring, perVm };
}

/**
 * Volume archives go to /var/backups/dockhost on the VM (which the weekly VM backup then carries
 * off it), or to an NFS export when DOCKHOST_BACKUP_NFS=<server>:<export> is set.
 */
function volumeBackupTarget(): VolumeBackupTarget {
  const nfs = process.env.DOCKHOST_BACKUP_NFS;
  if (!nfs) return { kind: "local", path: "/var/backups/dockhost" };
  const [server, ...exported] = nfs.split(":");
  return { kind: "nfs", server, export: exported.join(":") };
}

function listFromEnv(name: string): string[] {
  return (process.env[name] ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** Synthesizes the homelab into cdktf.out (scripts/synth-app.js calls it; so does `ts-node main.ts`). */
export function synth(): void {
  const app = new DockhostApp();
  buildReferenceHomelab(app);
  app.synth();
}

if (require.main === module) synth();
