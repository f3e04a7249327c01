import { Annotations, Lazy, TerraformCount, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { checkInteger } from "../lib/bounds";
import { escapeTerraformTemplate } from "../lib/cloud-config";
import { invalid } from "../lib/errors";
import { renderHostTemplate } from "../lib/host-template";
import { vmRetirements } from "../lib/ledger";
import { terraformName } from "../lib/naming";
import { sshCommand } from "../lib/ssh";
import type { SwarmNode, SwarmRole, SwarmTopology } from "../lib/swarm";
import { VM_NAMES_EXPRESSION } from "../lib/vm-rules";
import { DockerEngine } from "./docker-engine";
import { DockerHost } from "./docker-host";
import { DockhostVm, VmIndex } from "./dockhost-vm";

/** Node labels of one VM: what `node.labels.<key> == <value>` placement constraints match. */
export type SwarmNodeLabels = Readonly<Record<string, string>>;

/** A Docker Swarm formed from every VM of one DockerHost. */
export interface SwarmClusterProps {
  /** The Docker hosts (the VMs of one DockhostVm) that become the Swarm's nodes. */
  readonly host: DockerHost;
  /**
   * How many VMs are managers: the first ones by VM index; the others are workers. 1, 3 or 5 (an
   * odd number: the Raft quorum is a majority, so a fourth manager adds no failure tolerance).
   * @default 3 when there are 3 VMs or more, else 1
   */
  readonly managers?: number;
  /**
   * Node labels by VM index, for placement constraints. The code owns every label of a node:
   * labels set on it by hand are removed at the next apply.
   * @default none
   */
  readonly labels?: Readonly<Record<number, SwarmNodeLabels>>;
}

/**
 * The Swarm's ports (docs.docker.com/engine/swarm/swarm-tutorial, "Open protocols and ports between
 * the hosts"): cluster management on the managers, gossip between every node, VXLAN for overlay
 * networks. HostFirewall opens them to the cluster's VMs only.
 */
export const SWARM_PORTS = [
  { proto: "tcp", port: 2377, comment: "Swarm cluster management (managers)" },
  { proto: "tcp", port: 7946, comment: "Swarm node gossip" },
  { proto: "udp", port: 7946, comment: "Swarm node gossip" },
  { proto: "udp", port: 4789, comment: "Swarm overlay networks (VXLAN)" },
] as const;

/** Port of the managers' cluster management API (`docker swarm join <manager>:2377`). */
const MANAGER_PORT = SWARM_PORTS[0].port;
const MANAGER_COUNTS = [1, 3, 5];
/** Docker's node label keys (reverse-DNS style) and plain values: both reach the shell unquoted. */
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9._:/@+-]{1,100}$/;

/**
 * A Docker Swarm of the dockhost VMs, formed over SSH by the infra stack's Terraform steps, after
 * DockerHost's readiness gate and day-2 apply: `docker swarm init` on VM 0, then one join per VM
 * (managers one after the other, then the workers together), then a gate that waits until
 * `docker node ls` shows every VM Ready. Each step is idempotent: a VM already in the Swarm is not
 * joined again, its role and labels are brought to what the code says; a VM added later (a higher
 * `vm_count`) joins at the next apply.
 *
 * Join tokens are read on the first manager while the step runs and piped over SSH into the
 * joining VM: they are never in the synthesized JSON, Terraform's state or its output.
 *
 * A VM leaves the Swarm (demote, drain, leave, `docker node rm`) only when the code retires it
 * (`DockhostStack.retireVm`); a join step that goes away for any other reason leaves the node as
 * it is. With `ssh_provisioners_enabled` false nothing runs.
 */
export class SwarmCluster extends Construct {
  public readonly host: DockerHost;
  public readonly vm: DockhostVm;
  public readonly managers: number;
  /** The Swarm as the apps stack sees it: the VMs the code declares, managers first. */
  public readonly topology: SwarmTopology;
  /** `docker swarm init` on VM 0. */
  public readonly init: NullResource;
  /** The joins of managers 2..N, in order. */
  public readonly managerJoins: readonly NullResource[];
  /** The workers' joins, one per VM from index `managers` (count follows `vm_count`). */
  public readonly workerJoins: NullResource;
  /** Done when every VM is a Ready node. */
  public readonly readiness: NullResource;

  constructor(scope: Construct, id: string, props: SwarmClusterProps) {
    super(scope, id);
    const path = this.node.path;
    this.host = props.host;
    this.vm = props.host.vm;
    const stack = TerraformStack.of(this);
    if (TerraformStack.of(this.host) !== stack) invalid({ path, key: "host", value: this.host.node.path, allowed: `a DockerHost in this stack (${stack.node.id}): the Swarm is formed by the infra stack's SSH steps` });
    const other = this.node.root.node.findAll().find((c) => c !== this && c instanceof SwarmCluster && c.vm === this.vm);
    if (other) invalid({ path, key: "host", value: this.host.node.path, allowed: `a DockerHost no other SwarmCluster uses (${other.node.path} forms a Swarm of these VMs already)` });

    // moby daemon/config (isSwarmCompatible): "--live-restore daemon configuration is incompatible
    // with swarm mode"; `docker swarm init` and `join` fail with that message.
    if (this.host.liveRestore) invalid({ path, key: "host.liveRestore", value: true, allowed: `false (set liveRestore: false on ${this.host.node.path}): dockerd refuses Swarm mode with live-restore on` });
    const count = this.vm.count;
    this.managers = checkManagers(path, props.managers ?? (count >= 3 ? 3 : 1), count);
    if (this.managers === 1 && count >= 3) {
      Annotations.of(this).addWarning(
        `${path}: 1 manager on ${count} VMs: if VM 0 fails, the Swarm cannot be managed (running tasks go on, nothing is rescheduled or updated) until it is back. 3 managers keep a quorum through one failure.`,
      );
    }
    const labels = checkLabels(path, props.labels ?? {}, count);
    const roleOf = (index: number): SwarmRole => (index < this.managers ? "manager" : "worker");
    this.topology = {
      nodes: Array.from({ length: count }, (_, vmIndex): SwarmNode => ({
        vmIndex,
        hostname: this.vm.vmName(vmIndex),
        role: roleOf(vmIndex),
        labels: labels[vmIndex] ?? {},
        memoryMb: this.vm.memoryMb,
        cpuCores: this.vm.cpuCores,
      })),
    };

    const admin = this.vm.adminUser;
    const enabled = "var.ssh_provisioners_enabled";
    const once = TerraformCount.of(Token.asNumber(`\${${enabled} ? 1 : 0}`));
    // The helpers (on, say, poll) go into each step's script: a local-exec command is one string.
    const helpers = renderHostTemplate("swarm-helpers.sh", { SSH: sshCommand(this.host.knownHostsFile) });
    const script = (name: string, values: Record<string, string | number> = {}) => escapeTerraformTemplate(renderHostTemplate(name, { HELPERS: helpers, ...values }));
    const managerAddress = this.vm.addressOf(0);
    const retired = Lazy.stringValue({ produce: () => vmRetirements(stack).map((r) => r.vmId).join(", ") });
    const name = terraformName(id);

    /** One VM's membership step: `role` init on VM 0, else a join; `labels` a label string or expression. */
    const member = (resourceId: string, index: VmIndex, role: "init" | SwarmRole, nodeLabels: string, options: { count: TerraformCount; dependsOn: NullResource[] }): NullResource => {
      const resource = new NullResource(this, resourceId, {
        count: options.count,
        // Any change re-runs the step; the leave step below keeps a VM that is not retired.
        triggers: { vm_id: Token.asString(this.vm.vmIdOf(index)), address: this.vm.addressOf(index), manager: managerAddress, role, labels: nodeLabels },
        dependsOn: options.dependsOn,
        provisioners: [
          {
            type: "local-exec",
            interpreter: ["/bin/sh", "-c"],
            command: script("swarm-node.sh", { MANAGER_PORT }),
            environment: {
              DOCKHOST_TARGET: `${admin}@${this.vm.addressOf(index)}`,
              DOCKHOST_ADDRESS: this.vm.addressOf(index),
              DOCKHOST_MANAGER: `${admin}@${managerAddress}`,
              DOCKHOST_MANAGER_ADDRESS: managerAddress,
              DOCKHOST_ROLE: role,
              DOCKHOST_LABELS: nodeLabels,
            },
          },
          ...(role === "init"
            ? []
            : [
                {
                  // At destroy time only `self` is in scope: the addresses come from the triggers.
                  type: "local-exec" as const,
                  when: "destroy" as const,
                  interpreter: ["/bin/sh", "-c"],
                  command: script("swarm-leave.sh"),
                  environment: {
                    DOCKHOST_TARGET: `${admin}@\${self.triggers.address}`,
                    DOCKHOST_MANAGER: `${admin}@\${self.triggers.manager}`,
                    DOCKHOST_RETIRED: `\${contains([${retired}], tonumber(self.triggers.vm_id))}`,
                  },
                },
              ]),
        ],
      });
      resource.overrideLogicalId(`${name}_${terraformName(resourceId)}`);
      return resource;
    };

    const labelText = (index: number): string => Object.entries(labels[index] ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(" ");
    this.init = member("init", 0, "init", labelText(0), { count: once, dependsOn: [this.host.dayTwoApply] });
    const joins: NullResource[] = [];
    for (let index = 1; index < this.managers; index++) {
      // One manager at a time: each join changes the Raft membership the next one joins.
      joins.push(member(`manager_${index + 1}`, index, "manager", labelText(index), { count: once, dependsOn: [joins[joins.length - 1] ?? this.init] }));
    }
    this.managerJoins = joins;
    const workerLabels = Object.fromEntries(Array.from({ length: count }, (_, i) => i).filter((i) => i >= this.managers).map((i) => [String(i), labelText(i)]));
    this.workerJoins = member("worker", `count.index + ${this.managers}`, "worker", `\${lookup(${JSON.stringify(workerLabels)}, count.index + ${this.managers}, "")}`, {
      count: TerraformCount.of(Token.asNumber(`\${${enabled} ? var.vm_count - ${this.managers} : 0}`)),
      dependsOn: [joins[joins.length - 1] ?? this.init],
    });

    this.readiness = new NullResource(this, "ready", {
      count: once,
      triggers: { nodes: `\${join(" ", ${VM_NAMES_EXPRESSION})}`, managers: String(this.managers) },
      dependsOn: [this.init, ...joins, this.workerJoins],
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: script("swarm-wait-ready.sh"),
          environment: { DOCKHOST_MANAGER: `${admin}@${managerAddress}`, DOCKHOST_NODES: `\${join(" ", ${VM_NAMES_EXPRESSION})}`, DOCKHOST_MANAGERS: String(this.managers) },
        },
      ],
    });
    this.readiness.overrideLogicalId(`${name}_ready`);
  }

  /**
   * Every VM's LAN address, comma-separated (a Proxmox firewall source list), for the `vm_count`
   * VMs of the plan: HostFirewall opens the Swarm's ports to these only.
   */
  public get peerAddresses(): string {
    return `\${join(",", [for i in range(var.vm_count) : cidrhost("${this.vm.lan.text}", var.vm_ip_start + i)])}`;
  }

  /**
   * The Docker provider for the Swarm, in another stack (the apps stack): the first manager's
   * engine, carrying the topology, so that stacks on it become Swarm services.
   */
  public connect(scope: Construct, options: { readonly id?: string } = {}): DockerEngine {
    return this.host.connect(scope, { vmIndex: 0, id: options.id ?? `swarm-${this.vm.vmName(0)}`, swarm: this.topology });
  }
}

function checkManagers(path: string, managers: number, vms: number): number {
  checkInteger(path, "managers", managers, { min: 1, max: 5 });
  if (!MANAGER_COUNTS.includes(managers)) invalid({ path, key: "managers", value: managers, allowed: "1, 3 or 5: the Raft quorum is a majority of the managers, so an even count tolerates no more failures than one fewer (docs.docker.com/engine/swarm/admin_guide)" });
  if (managers > vms) invalid({ path, key: "managers", value: managers, allowed: `at most the number of VMs (${vms}): managers are the first VMs by index` });
  return managers;
}

function checkLabels(path: string, labels: Readonly<Record<number, SwarmNodeLabels>>, vms: number): Record<number, SwarmNodeLabels> {
  for (const [index, nodeLabels] of Object.entries(labels)) {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= vms) invalid({ path, key: `labels[${index}]`, value: nodeLabels, allowed: `a VM index from 0 to ${vms - 1} (the VMs the code declares)` });
    for (const [key, value] of Object.entries(nodeLabels)) {
      if (!LABEL_KEY.test(key)) invalid({ path, key: `labels[${index}]`, value: key, allowed: `label keys matching ${LABEL_KEY.source} (letters, digits, . _ -; e.g. storage or com.example.zone)` });
      if (typeof value !== "string" || !LABEL_VALUE.test(value)) invalid({ path, key: `labels[${index}].${key}`, value, allowed: `a value matching ${LABEL_VALUE.source} (no spaces, quotes or shell characters: it reaches the node over SSH)` });
    }
  }
  return labels;
}
