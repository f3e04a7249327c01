import { SEED } from "./seed";

/**
 * Everything personal about a homelab that is not a Terraform variable: where it runs on Proxmox,
 * the LAN, who reaches it, how big the VMs are. main.ts holds one of these at its top; secrets
 * (SSH keys, Proxmox token, passwords) and the domain stay Terraform variables, never in the code.
 * Sizes and ids are the defaults of the VM variables (vm_memory, vm_disk0_size, ...), which `-var`
 * or a tfvars file can still override at plan time.
 */
export interface HomelabSettings {
  readonly proxmox: {
    /** Proxmox node that holds the template and runs the VMs. */
    readonly node: string;
    /** Datastore of the VM disks and cloud-init drives. */
    readonly datastore: string;
    /** Datastore for cloud-init snippets: its "snippets" content type must be enabled. */
    readonly snippetsDatastore: string;
  };
  readonly lan: {
    /** The LAN in CIDR notation; VM i gets host number `vm.ipStart + i` in it. */
    readonly cidr: string;
    /** Default gateway; unset: host .1 of `cidr`. */
    readonly gateway?: string;
    /** DNS servers in order; unset: the gateway, then 1.1.1.1. */
    readonly dnsServers?: readonly string[];
    /** Proxmox bridge of the VMs' network device. */
    readonly bridge: string;
    /** VLAN tag on the bridge port; unset: untagged. */
    readonly vlanId?: number;
  };
  readonly vm: {
    /** Number of VMs (default of `vm_count`); each gets its own proxy, backup and monitoring. */
    readonly count: number;
    /** VM id of the cloud-init template to clone (`vm_template_id`). */
    readonly templateId: number;
    /** VM id of the first VM; VM i gets `baseId + i` (`vm_baseid`). */
    readonly baseId: number;
    /** Host number of the first VM in the LAN (`vm_ip_start`). */
    readonly ipStart: number;
    /** Name of the first VM; VM i > 0 is `namePrefix-(i+1)` (`vm_name_prefix`). */
    readonly namePrefix: string;
    /** vCPU cores per VM (`vm_cpu_cores`). */
    readonly cpuCores: number;
    /** Memory per VM in MB (`vm_memory`). */
    readonly memoryMb: number;
    /** First disk per VM in GB (`vm_disk0_size`). */
    readonly disk0SizeGb: number;
    /** Login of the admin user cloud-init creates. */
    readonly adminUser: string;
  };
  readonly access: {
    /** Networks allowed to SSH into the VMs; unset: the LAN. */
    readonly adminCidrs?: readonly string[];
    /**
     * Who reaches ports 80 and 443: "world" (the router forwards them; Let's Encrypt's HTTP-01
     * challenge needs it) or "lan".
     */
    readonly webAccess: "lan" | "world";
  };
  /**
   * Host names of the web apps, under the `domain` variable (asked by Terraform): app.<domain>,
   * api.<domain>, grafana.<domain>.
   */
  readonly hostNames: { readonly app: string; readonly api: string; readonly grafana: string; readonly cloud: string };
}

/**
 * The seed's settings (one VM "dockhost" on node "pve", 192.168.1.0/24): what main.ts ships and
 * what `dockhost init` scaffolds.
 */
export const DEFAULT_HOMELAB_SETTINGS: HomelabSettings = {
  proxmox: { node: "pve", datastore: "local-lvm", snippetsDatastore: "local" },
  lan: { cidr: SEED.lanCidr, bridge: SEED.bridge },
  vm: {
    count: SEED.vmCount,
    templateId: SEED.templateId,
    baseId: SEED.baseId,
    ipStart: SEED.ipStart,
    namePrefix: SEED.namePrefix,
    cpuCores: SEED.cpuCores,
    memoryMb: SEED.memoryMb,
    disk0SizeGb: SEED.disk0SizeGb,
    adminUser: "dockhost",
  },
  access: { webAccess: "world" },
  hostNames: { app: "app", api: "api", grafana: "grafana", cloud: "cloud" },
};
