import { IConstruct } from "constructs";
import { ServiceSpec } from "../compose/service";
import { AddressPool } from "../docker-daemon";
import { Ipv4Cidr } from "../ipv4";

/** An error stops synthesis; a warning is reported. */
export type RuleLevel = "error" | "warning";

/** One problem a rule found: the offending key and a message that never echoes a secret. */
export interface Finding {
  /** Key of the subject, e.g. `environment.DB_PASSWORD` or `ports[0]`. */
  readonly key: string;
  readonly message: string;
  /** Overrides the rule's level for this finding (e.g. `:latest` is an error only for databases). */
  readonly level?: RuleLevel;
}

export type RuleResult =
  | { readonly status: "compliant" }
  | { readonly status: "not-applicable" }
  | { readonly status: "non-compliant"; readonly findings: readonly Finding[] };

export const COMPLIANT: RuleResult = { status: "compliant" };
export const NOT_APPLICABLE: RuleResult = { status: "not-applicable" };

/** Non-compliant when there are findings, compliant otherwise. */
export function resultOf(findings: readonly Finding[]): RuleResult {
  return findings.length > 0 ? { status: "non-compliant", findings } : COMPLIANT;
}

/**
 * The policy pack judges plain data, never constructs: constructs/policy-model.ts walks the
 * construct tree and describes each construct with the types below (lib/ never imports constructs/).
 * `construct` is only where a finding is reported and suppressions are looked up.
 */

/** A container of a ComposeStack, as its compose spec. */
export interface PolicyService {
  /** Files written into the container before it starts, by path (ComposeStack's `files`). */
  readonly files?: Readonly<Record<string, string>>;
  readonly name: string;
  /** The container's name on the host. */
  readonly containerName: string;
  readonly spec: ServiceSpec;
  /** The container construct. */
  readonly construct: IConstruct;
}

/** A named volume a ComposeStack creates (external volumes are not listed). */
export interface PolicyVolume {
  /** The Docker volume's name on the host. */
  readonly name: string;
  readonly construct: IConstruct;
  readonly sizeBudgetGb?: number;
  /** Marked for backup (true unless the stack opted out). */
  readonly backup: boolean;
  readonly noBackupReason?: string;
}

/** A ComposeStack: its services and volumes, and the VM they run on. */
export interface PolicyStack {
  readonly construct: IConstruct;
  /** Id of the Terraform stack it is in. */
  readonly terraformStack: string;
  /** The VM, as a key shared by every engine that reaches it. */
  readonly vmKey: string;
  readonly services: readonly PolicyService[];
  readonly volumes: readonly PolicyVolume[];
  /**
   * Its services are Swarm services, placed across the Swarm's nodes: their memory is checked per
   * node and placement group by ComposeStack (lib/capacity.ts swarmShortfall), not against one VM.
   * @default false
   */
  readonly swarm?: boolean;
}

/** A ReverseProxy's routes. */
export interface PolicyProxy {
  readonly construct: IConstruct;
  readonly routes: ReadonlyArray<{ readonly host: string; readonly pathPrefix?: string; readonly containerName: string }>;
}

/**
 * One VM that runs containers, with everything every engine (one per Terraform stack) puts on it:
 * what the capacity plan and the per-VM rules read.
 */
export interface PolicyVm {
  readonly kind: "docker-vm";
  /** Where its findings are reported: its first Docker engine. */
  readonly construct: IConstruct;
  /** `<DockhostVm path>[<index>]`. */
  readonly key: string;
  readonly name: string;
  /** The DockhostVm the VM belongs to (capacity minimums are per DockhostVm). */
  readonly owner: IConstruct;
  readonly memoryMb: number;
  readonly disk0SizeGb: number;
  readonly cpuCores: number;
  readonly stacks: readonly PolicyStack[];
  /** Every image pulled on the VM. */
  readonly images: readonly string[];
  /** A MonitoringStack scrapes the VM. */
  readonly monitored: boolean;
  /** A VolumeBackup archives the VM's volumes. */
  readonly volumeBackup: boolean;
}

/** A container and what rules need to judge it in context. */
export interface ServiceSubject {
  readonly kind: "service";
  readonly construct: IConstruct;
  readonly service: PolicyService;
  /** Another service of the stack waits for this one to be healthy. */
  readonly waitedOnHealthy: boolean;
  /** Another service waits for this one to finish (a one-shot job). */
  readonly isJob: boolean;
  /** Every service on the same VM (for rules that look at neighbours). */
  readonly neighbours: readonly PolicyService[];
}

export interface DockerHostSubject {
  readonly kind: "docker-host";
  readonly construct: IConstruct;
  /** Where SSH pins the VM's host key. */
  readonly knownHostsFile: string;
  readonly addressPools: readonly AddressPool[];
  readonly lan: Ipv4Cidr;
}

export interface DockerEngineSubject {
  readonly kind: "docker-engine";
  readonly construct: IConstruct;
  /** Options of the `ssh` command the Docker provider runs. */
  readonly sshOptions: readonly string[];
}

export interface VmSubject {
  readonly kind: "vm";
  readonly construct: IConstruct;
  /** `agent.enabled` of the Proxmox VM: true, false, unset or a Terraform expression. */
  readonly agentEnabled: unknown;
  /** Packages cloud-init installs. */
  readonly packages: readonly string[];
}

/** A HostFirewall: who reaches the VM's SSH. */
export interface FirewallSubject {
  readonly kind: "firewall";
  readonly construct: IConstruct;
  readonly adminCidrs: readonly string[];
}

export interface ProxmoxSubject {
  readonly kind: "proxmox";
  readonly construct: IConstruct;
  /** Credentials of the provider block as written in the code (unset, a literal or a token). */
  readonly credentials: Readonly<Record<"password" | "apiToken" | "ssh.privateKey", unknown>>;
}

/** A named volume a stack creates, and whether a VolumeBackup runs on its VM. */
export interface VolumeSubject {
  readonly kind: "volume";
  readonly construct: IConstruct;
  readonly volume: PolicyVolume;
  readonly vmName: string;
  readonly backedUp: boolean;
}

export type Subject = ServiceSubject | DockerHostSubject | DockerEngineSubject | VmSubject | ProxmoxSubject | VolumeSubject | PolicyVm | FirewallSubject;
export type SubjectKind = Subject["kind"];

/** A rule: a pure function of one subject. */
export interface PolicyRule<K extends SubjectKind = SubjectKind> {
  /** Stable id, used in reports and suppressions, e.g. `DH-PRIVILEGED`. */
  readonly id: string;
  readonly level: RuleLevel;
  /** One line: what the rule wants, and why. */
  readonly description: string;
  readonly appliesTo: K;
  check(subject: Extract<Subject, { kind: K }>): RuleResult;
}

/** Everything the policy pass looks at, gathered in one walk of the construct tree. */
/** A DockhostVm: the Proxmox ids and LAN hosts it claims. */
export interface PolicyDockhostVm {
  readonly construct: IConstruct;
  /** Its Terraform stack's name. */
  readonly terraformStack: string;
  /** `<terraform stack>/<construct id>`, its key in the ledger. */
  readonly ledgerKey: string;
  readonly vmIds: readonly number[];
  readonly templateId: number;
  /** The LAN in CIDR notation and the host numbers of its VMs. */
  readonly lan: string;
  readonly hosts: readonly number[];
}

/** A Terraform stack of the app, for checks against the ledger. */
export interface PolicyTerraformStack {
  readonly id: string;
  readonly construct: IConstruct;
}

export interface HomelabModel {
  /** The app. */
  readonly root: IConstruct;
  /** Every construct, for their validations and suppressions. */
  readonly constructs: readonly IConstruct[];
  readonly subjects: readonly Subject[];
  readonly stacks: readonly PolicyStack[];
  readonly proxies: readonly PolicyProxy[];
  readonly vms: readonly PolicyVm[];
  readonly dockhostVms: readonly PolicyDockhostVm[];
  readonly terraformStacks: readonly PolicyTerraformStack[];
}
