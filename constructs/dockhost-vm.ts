import { Fn, Lazy, ref, TerraformCount, TerraformLocal, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { VirtualEnvironmentFile } from "../.gen/providers/proxmox/virtual-environment-file";
import { VirtualEnvironmentVm } from "../.gen/providers/proxmox/virtual-environment-vm";
import { checkInteger, integerCondition, describeBounds } from "../lib/bounds";
import { CloudConfig, jsonListExpression, TerraformExpression } from "../lib/cloud-config";
import { invalid } from "../lib/errors";
import { FRESH_CLONE_KEY_RESET, GUEST_AGENT_INSTALL } from "../lib/first-boot";
import { vmRetirements } from "../lib/ledger";
import { terraformName } from "../lib/naming";
import { checkLinuxUser } from "../lib/linux-user";
import { hostRange, hostAddress, hostNumber, Ipv4Cidr, parseAddress, parseCidr } from "../lib/ipv4";
import { SEED } from "../lib/seed";
import { checkSshPublicKeys, SSH_PUBLIC_KEY_PATTERN } from "../lib/ssh-key";
import { declareVariable } from "../lib/terraform-variable";
import {
  BRIDGE_NAME,
  ipHostRange,
  PROXMOX_NODE_NAME,
  PROXMOX_STORAGE_ID,
  PROXMOX_TAG_PATTERN,
  templateCollides,
  VM_LIMITS,
  VM_NAME_PATTERN,
  VM_NAMES_EXPRESSION,
  vmIdRange,
  vmName,
} from "../lib/vm-rules";

/** Where the VMs sit on the LAN. */
export interface LanProps {
  /**
   * The LAN, as an IPv4 network in CIDR notation. VM i gets host number `ipStart + i` in it.
   * @default "192.168.1.0/24"
   */
  readonly cidr?: string;
  /**
   * Default gateway.
   * @default host .1 of `cidr`
   */
  readonly gateway?: string;
  /**
   * DNS servers, in order.
   * @default the gateway, then 1.1.1.1
   */
  readonly dnsServers?: readonly string[];
  /**
   * Proxmox bridge the VM's network device is attached to.
   * @default "vmbr0"
   */
  readonly bridge?: string;
  /**
   * VLAN tag on the bridge port.
   * @default none (untagged)
   */
  readonly vlanId?: number;
}

/** Size, ids, network and storage of the dockhost VM(s); every default is the seed's. */
export interface DockhostVmProps {
  /**
   * Proxmox node that holds the template and runs the VMs.
   * @default "pve"
   */
  readonly nodeName?: string;
  /**
   * Number of VMs; the default of the `vm_count` variable.
   * @default 1
   */
  readonly count?: number;
  /**
   * VM id of the cloud-init template to clone; default of `vm_template_id`.
   * @default 9001
   */
  readonly templateId?: number;
  /**
   * VM id of the first VM (VM i gets `baseId + i`); default of `vm_baseid`.
   * @default 9010
   */
  readonly baseId?: number;
  /**
   * Host number of the first VM in the LAN (VM i gets `ipStart + i`); default of `vm_ip_start`.
   * @default 10
   */
  readonly ipStart?: number;
  /**
   * vCPU cores per VM; default of `vm_cpu_cores`.
   * @default 3
   */
  readonly cpuCores?: number;
  /**
   * Memory per VM in MB; default of `vm_memory`.
   * @default 10240
   */
  readonly memoryMb?: number;
  /**
   * Size of the first disk (scsi0) in GB; default of `vm_disk0_size`.
   * @default 50
   */
  readonly disk0SizeGb?: number;
  /**
   * VM name prefix; the first VM is named exactly this, VM i > 0 `prefix-(i+1)`. Default of `vm_name_prefix`.
   * @default "dockhost"
   */
  readonly namePrefix?: string;
  /**
   * Proxmox description; default of `project_description`.
   * @default "VM for dockhost project - All Docker apps"
   */
  readonly description?: string;
  /**
   * Network settings.
   * @default the seed's: 192.168.1.0/24 on vmbr0, gateway .1, DNS .1 and 1.1.1.1
   */
  readonly lan?: LanProps;
  /**
   * Datastore for the VM disk and the cloud-init drive.
   * @default "local-lvm"
   */
  readonly datastoreId?: string;
  /**
   * Datastore that receives the cloud-init user-data snippet. It must have the "snippets" content
   * type enabled (Datacenter > Storage > Edit > Content).
   * @default "local"
   */
  readonly snippetsDatastoreId?: string;
  /**
   * Proxmox tags.
   * @default ["dockhost", "docker", "terraform"]
   */
  readonly tags?: readonly string[];
  /**
   * SSH public keys of the admin user. They are user-specific, so by default none is written into
   * the output: the `ssh_public_keys` variable has no default and Terraform asks for it.
   * @default taken from the `ssh_public_keys` variable at plan time
   */
  readonly sshPublicKeys?: readonly string[];
  /**
   * Login of the admin user that cloud-init creates (sudo, key-only SSH).
   * @default "dockhost"
   */
  readonly adminUser?: string;
  /**
   * Proxmox deletion protection: the VM cannot be removed (by Terraform or the UI) until it is lifted.
   * @default true
   */
  readonly protection?: boolean;
  /**
   * QEMU CPU type. `host` gives the guest every host CPU feature; a single-node homelab has no
   * migration target to stay compatible with.
   * @default "host"
   */
  readonly cpuType?: string;
  /**
   * PCI devices passed through to the VM (a GPU for Jellyfin's `/dev/dri`). One VM only: a device
   * cannot be passed to two running VMs. PCIe needs the q35 machine type, which is then set.
   * @default none
   */
  readonly hostPci?: readonly HostPciDevice[];
}

/**
 * A host PCI device for the VM (bpg `hostpci` block). Name it by Proxmox resource mapping (works
 * with an API token) or by PCI id (bpg: needs root@pam), not both.
 */
export interface HostPciDevice {
  /** Proxmox device slot, `hostpci0` to `hostpci3`. */
  readonly device: string;
  /** Resource mapping name (Datacenter > Resource Mappings), e.g. `gpu`. */
  readonly mapping?: string;
  /** PCI id, e.g. `0000:01:00.0`. */
  readonly id?: string;
  /**
   * Attach as PCIe (q35 machine).
   * @default true
   */
  readonly pcie?: boolean;
}

/** One VM as other constructs see it. Values are Terraform references, resolved at plan time. */
export interface DockhostVmInstance {
  readonly index: number;
  readonly vmId: number;
  readonly name: string;
  /** The VM's static LAN address, without prefix length. */
  readonly address: string;
}

/** A VM's index: a number, or for a resource with one instance per VM an expression of `count.index`. */
export type VmIndex = number | "count.index" | `count.index + ${number}`;

/** The original module's variables, kept with their names and defaults. */
export type VmVariableName =
  | "vm_count"
  | "vm_template_id"
  | "vm_disk0_size"
  | "vm_cpu_cores"
  | "vm_memory"
  | "vm_name_prefix"
  | "vm_baseid"
  | "vm_ip_start"
  | "project_description";

/**
 * The dockhost VM(s): clones of a cloud-init template on Proxmox, with a static LAN address, the
 * admin user's SSH keys and the QEMU guest agent, booted from a user-data snippet that other
 * constructs (such as DockerHost) add to through {@link DockhostVm.cloudConfig}.
 *
 * The synthesized stack keeps the original Terraform module's variables (vm_count, vm_template_id,
 * ...), whose defaults are these props, so `-var` and tfvars overrides keep working. Declare one
 * DockhostVm per stack: the variable names are fixed.
 */
export class DockhostVm extends Construct {
  public readonly nodeName: string;
  public readonly count: number;
  public readonly templateId: number;
  public readonly baseId: number;
  public readonly ipStart: number;
  public readonly cpuCores: number;
  public readonly memoryMb: number;
  /** PCI devices passed through (empty: none). */
  public readonly hostPci: readonly HostPciDevice[];
  public readonly disk0SizeGb: number;
  public readonly namePrefix: string;
  public readonly lan: Ipv4Cidr;
  public readonly gateway: string;
  public readonly dnsServers: readonly string[];
  public readonly bridge: string;
  public readonly adminUser: string;
  /** The user-data every VM boots with; add packages, files and commands before synthesis. */
  public readonly cloudConfig: CloudConfig;
  /** Proxmox ids of the VMs the code declares: `baseId` .. `baseId + count - 1`. */
  public readonly vmIds: readonly number[];
  /** The VMs known at synth time (`count` of them); `-var vm_count` may add more at plan time. */
  public readonly instances: readonly DockhostVmInstance[];
  public readonly vm: VirtualEnvironmentVm;
  public readonly userData: VirtualEnvironmentFile;
  /** The Terraform variables, by name, for constructs that derive limits from them. */
  public readonly variables: Readonly<Record<VmVariableName, TerraformVariable>>;

  constructor(scope: Construct, id: string, props: DockhostVmProps = {}) {
    super(scope, id);
    const path = this.node.path;
    // The variables (vm_count, vm_baseid, ...) have fixed names: a second DockhostVm would share them.
    const other = TerraformStack.of(this).node.findAll().find((c) => c !== this && c instanceof DockhostVm);
    if (other) invalid({ path, key: "scope", value: TerraformStack.of(this).node.id, allowed: `one DockhostVm per stack (${other.node.path} is already in it): put more VMs in count, or another DockhostVm in its own stack` });
    this.nodeName = props.nodeName ?? "pve";
    if (!PROXMOX_NODE_NAME.test(this.nodeName)) invalid({ path, key: "nodeName", value: this.nodeName, allowed: `expected a Proxmox node name matching ${PROXMOX_NODE_NAME.source}` });
    this.count = checkInteger(path, "count", props.count ?? SEED.vmCount, VM_LIMITS.count);
    this.templateId = checkInteger(path, "templateId", props.templateId ?? SEED.templateId, VM_LIMITS.vmId);
    this.baseId = checkInteger(path, "baseId", props.baseId ?? SEED.baseId, VM_LIMITS.vmId);
    this.cpuCores = checkInteger(path, "cpuCores", props.cpuCores ?? SEED.cpuCores, VM_LIMITS.cpuCores);
    this.memoryMb = checkInteger(path, "memoryMb", props.memoryMb ?? SEED.memoryMb, VM_LIMITS.memoryMb);
    this.hostPci = checkHostPci(path, props.hostPci ?? [], this.count);
    this.disk0SizeGb = checkInteger(path, "disk0SizeGb", props.disk0SizeGb ?? SEED.disk0SizeGb, VM_LIMITS.disk0SizeGb);
    this.namePrefix = props.namePrefix ?? SEED.namePrefix;
    if (!new RegExp(VM_NAME_PATTERN).test(this.namePrefix)) {
      invalid({ path, key: "namePrefix", value: this.namePrefix, allowed: `expected a lowercase DNS label matching ${VM_NAME_PATTERN}` });
    }
    const lastId = vmIdRange(this.baseId, this.count).last;
    this.vmIds = Array.from({ length: this.count }, (_, i) => this.baseId + i);
    if (lastId > VM_LIMITS.vmId.max) {
      invalid({ path, key: "baseId", value: this.baseId, allowed: `VM ids run to ${lastId}; expected the last one <= ${VM_LIMITS.vmId.max}` });
    }
    if (templateCollides(this.templateId, this.baseId, this.count)) {
      invalid({ path, key: "templateId", value: this.templateId, allowed: `expected an id outside the VMs' ids ${this.baseId}..${lastId}` });
    }

    const lan = props.lan ?? {};
    this.lan = parseCidr(lan.cidr ?? SEED.lanCidr) ?? invalid({ path, key: "lan.cidr", value: lan.cidr, allowed: "expected an IPv4 network in CIDR notation, such as 192.168.1.0/24, whose address is the network address" });
    const hosts = hostRange(this.lan);
    this.gateway = lan.gateway ?? hostAddress(this.lan, SEED.gatewayHost);
    const gatewayHost = this.hostInLan("lan.gateway", this.gateway);
    this.dnsServers = lan.dnsServers ?? [this.gateway, SEED.publicDns];
    if (this.dnsServers.length === 0) invalid({ path, key: "lan.dnsServers", value: this.dnsServers, allowed: "expected at least one DNS server" });
    this.dnsServers.forEach((server, i) => parseAddress(server) ?? invalid({ path, key: `lan.dnsServers[${i}]`, value: server, allowed: "expected an IPv4 address" }));
    this.bridge = lan.bridge ?? SEED.bridge;
    if (!BRIDGE_NAME.test(this.bridge)) invalid({ path, key: "lan.bridge", value: this.bridge, allowed: `expected a Linux bridge name matching ${BRIDGE_NAME.source}` });
    if (lan.vlanId !== undefined) checkInteger(path, "lan.vlanId", lan.vlanId, { min: 1, max: 4094 });
    this.ipStart = checkInteger(path, "ipStart", props.ipStart ?? SEED.ipStart, hosts);
    const ips = ipHostRange(this.ipStart, this.count);
    if (ips.last > hosts.max) {
      invalid({ path, key: "ipStart", value: this.ipStart, allowed: `${this.count} VMs from host ${ips.first} run past the last host (${hosts.max}) of ${this.lan.text}` });
    }
    if (gatewayHost >= ips.first && gatewayHost <= ips.last) {
      invalid({ path, key: "ipStart", value: this.ipStart, allowed: `the VMs' addresses (hosts ${ips.first}..${ips.last}) must not include the gateway ${this.gateway}` });
    }
    const tags = props.tags ?? ["dockhost", "docker", "terraform"];
    tags.forEach((tag, i) => {
      if (!PROXMOX_TAG_PATTERN.test(tag)) invalid({ path, key: `tags[${i}]`, value: tag, allowed: `expected a Proxmox tag matching ${PROXMOX_TAG_PATTERN.source}` });
    });
    const datastoreId = props.datastoreId ?? "local-lvm";
    const snippetsDatastoreId = props.snippetsDatastoreId ?? "local";
    for (const [key, value] of [["datastoreId", datastoreId], ["snippetsDatastoreId", snippetsDatastoreId]]) {
      if (!PROXMOX_STORAGE_ID.test(value)) invalid({ path, key, value, allowed: `expected a Proxmox storage id matching ${PROXMOX_STORAGE_ID.source}` });
    }
    if (props.sshPublicKeys !== undefined) checkSshPublicKeys(path, "sshPublicKeys", props.sshPublicKeys);
    this.adminUser = checkLinuxUser(path, "adminUser", props.adminUser ?? "dockhost");

    this.variables = this.declareVariables(props, gatewayHost);
    const sshKeys = declareVariable(this, "ssh_public_keys", {
      type: "list(string)",
      description: "SSH public keys of the VM's admin user (OpenSSH format)",
      default: props.sshPublicKeys,
      validation: [
        { condition: "length(var.ssh_public_keys) >= 1", errorMessage: "ssh_public_keys needs at least one key." },
        {
          condition: `alltrue([for k in var.ssh_public_keys : can(regex(${JSON.stringify(SSH_PUBLIC_KEY_PATTERN)}, k))])`,
          errorMessage: "Each ssh_public_keys entry must be an OpenSSH public key line: <type> <base64> [comment].",
        },
      ],
    });
    const vmNames = new TerraformLocal(this, "vm_names", `\${${VM_NAMES_EXPRESSION}}`);
    vmNames.overrideLogicalId("vm_names");

    this.cloudConfig = new CloudConfig(path)
      .set("hostname", new TerraformExpression("local.vm_names[count.index]"))
      .set("manage_etc_hosts", true)
      .set("ssh_pwauth", false)
      .set("disable_root", true)
      .addUser({
        name: this.adminUser,
        groups: ["sudo"],
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        sshAuthorizedKeys: jsonListExpression(`var.${sshKeys.friendlyUniqueId}`),
      })
      // Host keys: see FRESH_CLONE_KEY_RESET.
      .set("ssh_deletekeys", false)
      .set("bootcmd", [FRESH_CLONE_KEY_RESET])
      // The guest agent (which bpg waits for) is a package, and again a command: cloud-init's
      // package step fails whole when one source (Docker's repository) is unreachable.
      .addPackages("qemu-guest-agent")
      .addCommands(GUEST_AGENT_INSTALL);

    const count = TerraformCount.of(this.variables.vm_count.numberValue);
    // Terraform addresses are public contract: short, stable names rather than hashed ids.
    const resourceName = terraformName(id);
    this.userData = new VirtualEnvironmentFile(this, "user_data", {
      count,
      nodeName: this.nodeName,
      datastoreId: snippetsDatastoreId,
      contentType: "snippets",
      sourceRaw: {
        fileName: `\${local.vm_names[count.index]}-user-data.yaml`,
        // Rendered at synth time, after every construct has added its part.
        data: Lazy.stringValue({ produce: () => this.cloudConfig.render() }),
      },
    });
    this.userData.overrideLogicalId(`${resourceName}_user_data`);


    this.vm = new VirtualEnvironmentVm(this, "vm", {
      count,
      nodeName: this.nodeName,
      vmId: Token.asNumber(`\${var.vm_baseid + count.index}`),
      name: `\${local.vm_names[count.index]}`,
      description: this.variables.project_description.stringValue,
      tags: [...tags],
      protection: props.protection ?? true,
      onBoot: true,
      started: true,
      clone: { vmId: this.variables.vm_template_id.numberValue, full: true, datastoreId },
      cpu: { cores: this.variables.vm_cpu_cores.numberValue, type: props.cpuType ?? "host" },
      memory: { dedicated: this.variables.vm_memory.numberValue },
      disk: [
        {
          interface: "scsi0",
          datastoreId,
          size: this.variables.vm_disk0_size.numberValue,
          fileFormat: "raw",
          ssd: true,
          discard: "on",
          iothread: true,
        },
      ],
      scsiHardware: "virtio-scsi-single",
      ...(this.hostPci.length > 0 && {
        hostpci: this.hostPci.map((d) => ({ device: d.device, mapping: d.mapping, id: d.id, pcie: d.pcie ?? true })),
        ...(this.hostPci.some((d) => d.pcie !== false) && { machine: "q35" }),
      }),
      agent: { enabled: true },
      operatingSystem: { type: "l26" },
      initialization: {
        datastoreId,
        ipConfig: [
          {
            ipv4: {
              address: `\${cidrhost("${this.lan.text}", var.vm_ip_start + count.index)}/${this.lan.prefixLength}`,
              gateway: this.gateway,
            },
          },
        ],
        dns: { servers: [...this.dnsServers] },
        userDataFileId: `\${${this.userData.terraformResourceType}.${this.userData.friendlyUniqueId}[count.index].id}`,
      },
      lifecycle: {
        // A VM holds every volume: Terraform refuses to destroy or replace one unless the code
        // retires a VM id (DockhostStack.retireVm), which also the ledger requires. bpg's vmDelete
        // shuts the VM down before Proxmox's protection refuses the delete
        // (bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/vm/vm.go): a plan that
        // destroys or replaces a protected VM must stop in Terraform, before the provider.
        preventDestroy: Lazy.anyValue({ produce: () => (props.protection ?? true) && vmRetirements(TerraformStack.of(this)).length === 0 }) as unknown as boolean,
        // The template and the user-data only matter when a VM is created: a new template or a
        // changed snippet must not replace a running VM (DockerHost re-applies host settings).
        ignoreChanges: ["clone", "initialization[0].user_data_file_id"],
      },
    });
    this.vm.overrideLogicalId(resourceName);
    // bpg's network_device is a list(object) attribute, not a block: in JSON every key of each
    // object must be present, null where unused, or Terraform rejects the stack.
    // The firewall flag makes Proxmox filter the VM's traffic on its bridge port (rules: HostFirewall),
    // where Docker's own iptables rules inside the VM cannot bypass them.
    this.vm.addOverride("network_device", [{ ...NETWORK_DEVICE_NULLS, bridge: this.bridge, model: "virtio", vlan_id: lan.vlanId ?? null, firewall: true }]);

    this.instances = Array.from({ length: this.count }, (_, index) => this.instance(index));
  }

  /** VM `index` as a set of Terraform references (usable from another stack). */
  public instance(index: number): DockhostVmInstance {
    return {
      index,
      vmId: this.vmIdOf(index),
      name: Token.asString(this.attribute(index, "name")),
      address: this.addressOf(index),
    };
  }

  /**
   * The static LAN address of VM `index`, without prefix length; `"count.index"` gives the
   * expression for a resource that has one instance per VM (`"count.index + 2"`: one per VM from the third).
   */
  public addressOf(index: VmIndex): string {
    return Fn.element(Fn.split("/", Token.asString(this.attribute(index, "initialization[0].ip_config[0].ipv4[0].address"))), 0);
  }

  /** The Proxmox VM id of VM `index` (or `"count.index"`), as a reference to the VM resource. */
  public vmIdOf(index: VmIndex): number {
    return Token.asNumber(this.attribute(index, "vm_id"));
  }

  // `ref` (not a plain "${...}" string) so that cdktf can carry the value into another stack.
  private attribute(index: VmIndex, name: string) {
    return ref(`${this.vm.terraformResourceType}.${this.vm.friendlyUniqueId}[${index}].${name}`, TerraformStack.of(this));
  }

  /** Name VM `index` gets with the props' prefix (for messages and reports). */
  public vmName(index: number): string {
    return vmName(this.namePrefix, index);
  }

  private hostInLan(key: string, address: string): number {
    const path = this.node.path;
    const value = parseAddress(address) ?? invalid({ path, key, value: address, allowed: "expected an IPv4 address" });
    const host = hostNumber(this.lan, value);
    const { min, max } = hostRange(this.lan);
    if (host === undefined || host < min || host > max) {
      invalid({ path, key, value: address, allowed: `expected a host address of ${this.lan.text} (not its network or broadcast address)` });
    }
    return host;
  }

  private declareVariables(props: DockhostVmProps, gatewayHost: number): DockhostVm["variables"] {
    const hosts = hostRange(this.lan);
    const number = (name: string, description: string, value: number, conditions: Array<[string, string]>) =>
      declareVariable(this, name, {
        type: "number",
        description,
        default: value,
        validation: conditions.map(([condition, errorMessage]) => ({ condition, errorMessage })),
      });
    const whole = (name: string, bounds: { min: number; max?: number }): [string, string] => [
      integerCondition(`var.${name}`, bounds),
      `${name} must be ${describeBounds(bounds)}.`,
    ];
    return {
      vm_count: number("vm_count", "Number of dockhost VMs", this.count, [
        whole("vm_count", VM_LIMITS.count),
        [
          `var.vm_count >= ${this.count}`,
          `vm_count may add VMs at plan time, not remove the ${this.count} the code declares: lower count in the code and retire the VM ids there (retireVm).`,
        ],
      ]),
      vm_template_id: number("vm_template_id", "Proxmox VM id of the cloud-init template that is cloned", this.templateId, [
        whole("vm_template_id", VM_LIMITS.vmId),
        [
          "var.vm_template_id < var.vm_baseid || var.vm_template_id >= var.vm_baseid + var.vm_count",
          "vm_template_id must not be one of the VMs' ids (vm_baseid .. vm_baseid + vm_count - 1).",
        ],
      ]),
      vm_disk0_size: number("vm_disk0_size", "First disk, GB", this.disk0SizeGb, [whole("vm_disk0_size", VM_LIMITS.disk0SizeGb)]),
      vm_cpu_cores: number("vm_cpu_cores", "vCPU cores", this.cpuCores, [whole("vm_cpu_cores", VM_LIMITS.cpuCores)]),
      vm_memory: number("vm_memory", "Memory, MB", this.memoryMb, [whole("vm_memory", VM_LIMITS.memoryMb)]),
      vm_name_prefix: declareVariable(this, "vm_name_prefix", {
        type: "string",
        description: "VM name prefix",
        default: this.namePrefix,
        validation: [{ condition: `can(regex("${VM_NAME_PATTERN}", var.vm_name_prefix))`, errorMessage: "vm_name_prefix must be a lowercase DNS label." }],
      }),
      vm_baseid: number("vm_baseid", "VM id of the first VM; VM i gets vm_baseid + i", this.baseId, [
        whole("vm_baseid", VM_LIMITS.vmId),
        [`var.vm_baseid + var.vm_count - 1 <= ${VM_LIMITS.vmId.max}`, `The last VM id (vm_baseid + vm_count - 1) must be <= ${VM_LIMITS.vmId.max}.`],
      ]),
      vm_ip_start: number("vm_ip_start", `Host number of the first VM in ${this.lan.text}; VM i gets host vm_ip_start + i`, this.ipStart, [
        whole("vm_ip_start", hosts),
        [`var.vm_ip_start + var.vm_count - 1 <= ${hosts.max}`, `The VMs' host numbers (vm_ip_start .. vm_ip_start + vm_count - 1) must stay within ${this.lan.text} (last host ${hosts.max}).`],
        [
          `!(var.vm_ip_start <= ${gatewayHost} && ${gatewayHost} <= var.vm_ip_start + var.vm_count - 1)`,
          `The VMs' addresses (hosts vm_ip_start .. vm_ip_start + vm_count - 1) must not include the gateway ${this.gateway}.`,
        ],
      ]),
      project_description: declareVariable(this, "project_description", {
        type: "string",
        description: "Proxmox description of the VMs",
        default: props.description ?? SEED.description,
      }),
    };
  }
}

/** Every key of bpg/proxmox's network_device object type, unset. */
const NETWORK_DEVICE_NULLS = {
  bridge: null,
  disconnected: null,
  enabled: null,
  firewall: null,
  mac_address: null,
  model: null,
  mtu: null,
  queues: null,
  rate_limit: null,
  trunks: null,
  vlan_id: null,
};

/** Checks passed-through devices: known slots, each named once, by mapping or id; one VM only. */
function checkHostPci(path: string, devices: readonly HostPciDevice[], count: number): readonly HostPciDevice[] {
  if (devices.length > 0 && count > 1) invalid({ path, key: "hostPci", value: devices.map((d) => d.device), allowed: `no passed-through devices with count ${count}: a PCI device can belong to one running VM only` });
  const seen = new Set<string>();
  devices.forEach((d, i) => {
    if (!/^hostpci[0-3]$/.test(d.device) || seen.has(d.device)) invalid({ path, key: `hostPci[${i}].device`, value: d.device, allowed: "one of hostpci0..hostpci3 (bpg 0.111.1), each used once" });
    seen.add(d.device);
    if ((d.mapping === undefined) === (d.id === undefined)) invalid({ path, key: `hostPci[${i}]`, value: { mapping: d.mapping, id: d.id }, allowed: "exactly one of mapping (a Proxmox resource mapping) or id (a PCI id such as 0000:01:00.0)" });
    if (d.id !== undefined && !/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}(\.[0-7])?$/i.test(d.id)) invalid({ path, key: `hostPci[${i}].id`, value: d.id, allowed: "a PCI id such as 0000:01:00.0 (or 0000:01:00 for every function)" });
  });
  return devices;
}
