import { IConstruct } from "constructs";
import type { ComposeService, ComposeStack, StackVolume } from "../../constructs/compose-stack";
import type { DockerEngine } from "../../constructs/docker-engine";
import type { DockerHost } from "../../constructs/docker-host";
import type { DockhostVm } from "../../constructs/dockhost-vm";
import type { HostFirewall } from "../../constructs/host-firewall";
import type { ProxmoxConnection } from "../../constructs/proxmox-connection";
import type { VolumeBackup } from "../../constructs/volume-backup";

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

/** A container of a ComposeStack, with what rules need to judge it in context. */
export interface ServiceSubject {
  readonly kind: "service";
  readonly construct: IConstruct;
  readonly stack: ComposeStack;
  readonly service: ComposeService;
  readonly engine: DockerEngine;
  /** Another service of the stack waits for this one to be healthy. */
  readonly waitedOnHealthy: boolean;
  /** Another service waits for this one to finish (a one-shot job). */
  readonly isJob: boolean;
  /** Every service on the same engine (for rules that look at neighbours). */
  readonly neighbours: readonly ComposeService[];
}

export interface DockerHostSubject {
  readonly kind: "docker-host";
  readonly construct: DockerHost;
}

export interface DockerEngineSubject {
  readonly kind: "docker-engine";
  readonly construct: DockerEngine;
}

export interface VmSubject {
  readonly kind: "vm";
  readonly construct: DockhostVm;
}

export interface FirewallSubject {
  readonly kind: "firewall";
  readonly construct: HostFirewall;
}

export interface ProxmoxSubject {
  readonly kind: "proxmox";
  readonly construct: ProxmoxConnection;
}

/** A named volume a ComposeStack creates, and the VolumeBackup of its engine, if any. */
export interface VolumeSubject {
  readonly kind: "volume";
  readonly construct: IConstruct;
  readonly volume: StackVolume;
  readonly backup?: VolumeBackup;
}

export type Subject = ServiceSubject | DockerHostSubject | DockerEngineSubject | VmSubject | ProxmoxSubject | VolumeSubject | FirewallSubject;
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
