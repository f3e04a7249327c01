import { App } from "cdktf";
import { HomelabSettings } from "../lib/homelab-settings";
import { EMAIL_PATTERN, HOSTNAME_PATTERN } from "../lib/hostname";
import { stateBackendFromEnv } from "../lib/state-backend";
import { declareVariable } from "../lib/terraform-variable";
import { DockerEngine } from "./docker-engine";
import { DockerHost, DockerHostProps } from "./docker-host";
import { DockhostStack } from "./dockhost-stack";
import { DockhostVm } from "./dockhost-vm";
import { HostFirewall } from "./host-firewall";
import { MonitoringStack } from "./monitoring-stack";
import { ProxmoxConnection } from "./proxmox-connection";
import { ReverseProxy } from "./reverse-proxy";
import { Secret } from "./secret";
import { VmAdoption } from "./vm-adoption";
import { VmBackup } from "./vm-backup";
import { VolumeBackup, VolumeBackupTarget } from "./volume-backup";

/** Options of {@link buildHomelabFoundation}. */
export interface HomelabFoundationOptions {
  /**
   * DockerHost props besides the VM (the host tier boots Debian with `distribution`).
   * @default the DockerHost defaults
   */
  readonly dockerHost?: Omit<DockerHostProps, "vm">;
}

/** One VM's engine and what every VM runs. */
export interface HomelabVmServices {
  readonly engine: DockerEngine;
  readonly proxy: ReverseProxy;
  readonly volumeBackup: VolumeBackup;
  readonly monitoring: MonitoringStack;
}

/** What {@link buildHomelabFoundation} made; your apps go into `apps`, on `engine` behind `proxy`. */
export interface HomelabFoundation {
  readonly app: App;
  readonly infra: DockhostStack;
  readonly vm: DockhostVm;
  readonly dockerHost: DockerHost;
  readonly vmBackup: VmBackup;
  readonly firewall: HostFirewall;
  readonly apps: DockhostStack;
  /** The `domain` variable: web apps are `<name>.<domain>`. */
  readonly domain: string;
  /** The first VM's engine and proxy, where apps go by default. */
  readonly engine: DockerEngine;
  readonly proxy: ReverseProxy;
  /** Every VM's engine, proxy, volume backup and monitoring (index 0 first). */
  readonly perVm: readonly HomelabVmServices[];
}

/**
 * Everything of a homelab but its apps, as `main.ts` and `dockhost init`'s scaffold both build it:
 * the `dockhost-infra` stack (Proxmox connection, `settings.vm.count` VMs running Docker, weekly VM
 * backups, firewall, adoption of a running VM) and the `dockhost-apps` stack with, on every VM, a
 * reverse proxy, nightly volume backups and monitoring (each scrapes services added later too).
 * The construct ids are the Terraform addresses of the releases: keep them.
 *
 * From the environment: DOCKHOST_BACKEND (state backend), DOCKHOST_VM_MOVED_FROM (comma-separated
 * state addresses to move the VM from), DOCKHOST_BACKUP_NFS (`server:/export` for volume archives;
 * default /var/backups/dockhost on the VM, which the VM backup carries off it).
 */
export function buildHomelabFoundation(app: App, settings: HomelabSettings, options: HomelabFoundationOptions = {}): HomelabFoundation {
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
  const dockerHost = new DockerHost(infra, "docker", { ...options.dockerHost, vm });
  // Weekly Proxmox snapshots, kept on the node's "local" storage.
  const vmBackup = new VmBackup(infra, "dockhost_backup", { vm });
  // Inbound: SSH from the admin networks and what the stacks publish. Let's Encrypt's HTTP-01
  // challenge (the proxy's acme-http mode) needs 80 and 443 from the internet, forwarded by the router.
  const firewall = new HostFirewall(infra, "firewall", { vm, ...settings.access });
  // Adopting a running VM: TF_VAR_vm_import_existing=true imports it.
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
  const grafanaAdminPassword = new Secret(apps, "grafana_admin_password", { description: "Password of Grafana's admin user", minLength: 12 });
  const target = volumeBackupTarget();
  // The first VM's services keep the plain names (proxy, backup, monitoring), the others' carry the
  // VM's name (see "Apps on more than one VM").
  const perVm = Array.from({ length: vm.count }, (_, index): HomelabVmServices => {
    const engine = dockerHost.connect(apps, { vmIndex: index });
    const suffix = index === 0 ? "" : `-${vm.vmName(index)}`;
    // Only one VM can receive the router's ports 80 and 443: the others' proxies use their own
    // certificate authority (internal), for the LAN.
    const proxy = new ReverseProxy(apps, `proxy${suffix}`, { engine, tls: index === 0 ? { mode: "acme-http", email: acmeEmail } : { mode: "internal" } });
    const volumeBackup = new VolumeBackup(apps, `backup${suffix}`, { engine, target });
    const monitoring = new MonitoringStack(apps, `monitoring${suffix}`, { engine, proxy, grafanaHost: `${settings.hostNames.grafana}${suffix}.${domain}`, grafanaAdminPassword });
    return { engine, proxy, volumeBackup, monitoring };
  });
  return { app, infra, vm, dockerHost, vmBackup, firewall, apps, domain, engine: perVm[0].engine, proxy: perVm[0].proxy, perVm };
}

function volumeBackupTarget(): VolumeBackupTarget {
  const nfs = process.env.DOCKHOST_BACKUP_NFS;
  if (!nfs) return { kind: "local", path: "/var/backups/dockhost" };
  const [server, ...exported] = nfs.split(":");
  return { kind: "nfs", server, export: exported.join(":") };
}

function listFromEnv(name: string): string[] {
  return (process.env[name] ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}
