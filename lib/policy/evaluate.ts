import { TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { CAPACITY_RULES, CapacityLine, CapacityPlan, planCapacity } from "./capacity-planner";
import { CrossFinding, findConflicts } from "./conflicts";
import { HOMELAB_RULES } from "./rules";
import { LedgerData } from "../ledger";
import { checkLedger } from "./ledger-check";
import { findVmConflicts } from "./vm-conflicts";
import { allSuppressions, MIN_REASON_LENGTH, Suppression, suppressionsFor } from "./suppressions";
import { HomelabModel, PolicyRule, RuleLevel, Subject } from "./types";

/** What a rule concluded about one construct. */
export type RowStatus = "compliant" | "non-compliant" | "suppressed" | "not-applicable";

/** One rule applied to one construct, as the report lists it. */
export interface ReportRow {
  /** Terraform stack the construct is in. */
  readonly stack: string;
  readonly ruleId: string;
  readonly level: RuleLevel;
  /** Construct path. */
  readonly path: string;
  readonly status: RowStatus;
  readonly key?: string;
  readonly message?: string;
  /** Why it is suppressed. */
  readonly reason?: string;
}

/** Everything one policy pass found: every row, the capacity plan, and the open findings. */
export interface PolicyReport {
  readonly rows: readonly ReportRow[];
  readonly capacity: readonly CapacityLine[];
  /** Unsuppressed non-compliant errors: any of them stops synthesis. */
  readonly errors: readonly ReportRow[];
  readonly warnings: readonly ReportRow[];
  /** The ledger after this synth (when one was given): what DockhostApp writes back. */
  readonly ledger?: LedgerData;
}

export const SUPPRESSION_RULE = "DH-SUPPRESSION";
/** Construct validations (input judged once the app is built, and cdktf's own checks). */
export const VALIDATION_RULE = "DH-INPUT";

/** The report, and what the capacity plan says each DockhostVm needs at least. */
export interface PolicyEvaluation {
  readonly report: PolicyReport;
  readonly minimums: CapacityPlan["minimums"];
}

/**
 * Runs the policy pack over the whole homelab: every rule on every subject, the cross-stack
 * conflicts, the capacity plan and, given the ledger, what the code no longer declares.
 */
export function evaluatePolicy(model: HomelabModel, options: { readonly ledger?: LedgerData; readonly rules?: readonly PolicyRule[] } = {}): PolicyEvaluation {
  const rules = options.rules ?? HOMELAB_RULES;
  const rows: ReportRow[] = [];
  for (const subject of model.subjects) {
    for (const rule of rules) {
      if (rule.appliesTo === subject.kind) rows.push(...applyRule(rule, subject));
    }
  }
  const capacity = planCapacity(model);
  const ledger = options.ledger ? checkLedger(model, options.ledger) : undefined;
  rows.push(...[...findConflicts(model), ...findVmConflicts(model), ...capacity.findings, ...(ledger?.findings ?? [])].map(crossRow));
  rows.push(...validationRows(model.constructs));
  rows.push(...checkSuppressions(allSuppressions(model.constructs), new Set([...rules.map((r) => r.id), ...Object.values(CAPACITY_RULES)])));
  const open = rows.filter((r) => r.status === "non-compliant");
  const report = { rows, capacity: capacity.lines, errors: open.filter((r) => r.level === "error"), warnings: open.filter((r) => r.level === "warning"), ledger: ledger?.next };
  return { report, minimums: capacity.minimums };
}

function applyRule(rule: PolicyRule, subject: Subject): ReportRow[] {
  const base = { stack: stackOf(subject.construct), ruleId: rule.id, level: rule.level, path: subject.construct.node.path };
  const result = (rule.check as (s: Subject) => ReturnType<PolicyRule["check"]>)(subject);
  if (result.status !== "non-compliant") return [{ ...base, status: result.status }];
  const suppression = suppressionsFor(subject.construct).find((s) => s.ruleId === rule.id && s.reason.trim().length >= MIN_REASON_LENGTH);
  return result.findings.map((f) => ({
    ...base,
    level: f.level ?? rule.level,
    key: f.key,
    message: f.message,
    ...(suppression ? { status: "suppressed" as const, reason: suppression.reason } : { status: "non-compliant" as const }),
  }));
}

function crossRow(finding: CrossFinding): ReportRow {
  const base = { stack: stackOf(finding.construct), ruleId: finding.ruleId, level: finding.level, path: finding.construct.node.path, key: finding.key, message: finding.message };
  const suppression = finding.suppressible ? suppressionsFor(finding.construct).find((s) => s.ruleId === finding.ruleId && s.reason.trim().length >= MIN_REASON_LENGTH) : undefined;
  return suppression ? { ...base, status: "suppressed", reason: suppression.reason } : { ...base, status: "non-compliant" };
}

/** Every construct's validations, run here so that a failure stops synth before any stack is written. */
function validationRows(constructs: readonly IConstruct[]): ReportRow[] {
  return constructs.flatMap((c) =>
    c.node.validate().map((message) => ({ stack: stackOf(c), ruleId: VALIDATION_RULE, level: "error" as const, path: c.node.path, status: "non-compliant" as const, key: "validation", message })),
  );
}

/** A suppression must give a reason, and name a rule that can be suppressed. */
function checkSuppressions(suppressions: readonly Suppression[], ruleIds: ReadonlySet<string>): ReportRow[] {
  return suppressions.flatMap((s) => {
    const base = { stack: "-", ruleId: SUPPRESSION_RULE, level: "error" as const, path: s.path, key: `suppress(${s.ruleId})`, status: "non-compliant" as const };
    if (s.reason.trim().length < MIN_REASON_LENGTH) return [{ ...base, message: `suppression of ${s.ruleId} needs a reason of at least ${MIN_REASON_LENGTH} characters` }];
    if (s.ruleId.startsWith("DH-CONFLICT-")) return [{ ...base, message: `${s.ruleId} is a hard conflict and cannot be suppressed` }];
    if (!ruleIds.has(s.ruleId)) return [{ ...base, message: `${s.ruleId} is not a rule of the policy pack` }];
    return [];
  });
}

function stackOf(construct: IConstruct): string {
  // The app itself (and anything outside a stack) has none.
  return construct.node.scopes.find((scope): scope is TerraformStack => TerraformStack.isStack(scope))?.node.id ?? "-";
}
