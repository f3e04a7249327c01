import * as fs from "fs";
import * as path from "path";
import { PolicyReport, ReportRow } from "./evaluate";

export const REPORT_FILES = { json: "policy-report.json", markdown: "policy-report.md" } as const;

/** Writes the report beside the stacks, on every synth, passing or not. */
export function writePolicyReport(outdir: string, report: PolicyReport): void {
  fs.mkdirSync(outdir, { recursive: true });
  // Compact: a large homelab has tens of thousands of rows; the Markdown file is the readable one.
  fs.writeFileSync(path.join(outdir, REPORT_FILES.json), `${JSON.stringify(report)}\n`);
  fs.writeFileSync(path.join(outdir, REPORT_FILES.markdown), renderMarkdown(report));
}

/** The report as Markdown: a summary, the capacity table, then every rule x construct per stack. */
export function renderMarkdown(report: PolicyReport): string {
  const lines = [
    "# Dockhost policy report",
    "",
    `${report.errors.length} errors, ${report.warnings.length} warnings, ${report.rows.filter((r) => r.status === "suppressed").length} suppressed.`,
    "",
    "## Capacity",
    "",
    "| VM | resource | need | capacity | use | status |",
    "| --- | --- | --- | --- | --- | --- |",
    ...report.capacity.map((c) => `| ${cell(c.vm)} | ${c.resource} | ${c.need} ${c.unit} | ${c.capacity} ${c.unit} | ${Math.round((c.need / c.capacity) * 100)} % | ${c.status} |`),
  ];
  const byStack = new Map<string, string[]>();
  for (const r of report.rows) {
    const rows = byStack.get(r.stack) ?? [];
    rows.push(row(r));
    byStack.set(r.stack, rows);
  }
  for (const stack of [...byStack.keys()].sort()) {
    lines.push("", `## Stack ${stack}`, "", "| rule | level | construct | status | key | detail |", "| --- | --- | --- | --- | --- | --- |", ...byStack.get(stack)!);
  }
  return `${lines.join("\n")}\n`;
}

function row(r: ReportRow): string {
  const detail = r.status === "suppressed" ? `${r.message ?? ""} (suppressed: ${r.reason})` : (r.message ?? "");
  return `| ${r.ruleId} | ${r.level} | ${cell(r.path)} | ${r.status} | ${cell(r.key ?? "")} | ${cell(detail)} |`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** One line per error, naming rule id, construct path and key. */
export function describeErrors(errors: readonly ReportRow[]): string {
  return errors.map((e) => `  [${e.ruleId}] ${e.path}: ${e.key ?? ""}: ${e.message ?? ""}`).join("\n");
}
