import * as path from "path";
import { App, AppConfig } from "cdktf";
import { PolicyReport } from "../lib/policy/evaluate";
import { setTokenStackTraces } from "../lib/token-stack-traces";
import { describeErrors, REPORT_FILES, writePolicyReport } from "../lib/policy/report";
import { ledgerFile, readLedger, writeLedger } from "../lib/ledger";
import { evaluateHomelab } from "./policy-model";

/** Options of a {@link DockhostApp}: cdktf's, and where the ledger lives. */
export interface DockhostAppConfig extends AppConfig {
  /**
   * The ledger of volumes and VM ids (commit it): a synth that drops one the ledger holds is refused
   * until the code retires it (`retireVolume`, `retireVm`). `false` switches it off.
   * @default $DOCKHOST_LEDGER_FILE, else "dockhost.ledger.json" in the folder cdktf runs in
   */
  readonly ledgerFile?: string | false;
}

/** Raised when the policy pack finds errors: nothing has been synthesized. */
export class PolicyError extends Error {
  public readonly report!: PolicyReport;

  constructor(report: PolicyReport, reportFile: string) {
    super(`Dockhost policy: ${report.errors.length} error(s); no stack was written (report: ${reportFile}):\n${describeErrors(report.errors)}`);
    this.name = "PolicyError";
    // What the user needs is the message: no stack trace, and no report dump when uncaught.
    this.stack = `${this.name}: ${this.message}`;
    Object.defineProperty(this, "report", { value: report, enumerable: false });
  }
}

/**
 * The CDKTF app of a homelab. Before any stack is written, it runs the homelab policy pack over
 * every stack at once (cdktf writes stacks one by one and the CLI goes on past error annotations,
 * so a check inside synthesis would leave some stacks written). Errors stop the synth, so
 * `cdktf diff` and `cdktf deploy` stop before Terraform runs; the report is written either way.
 */
export class DockhostApp extends App {
  /** The report of the last synth. */
  public policyReport?: PolicyReport;

  /**
   * @param config cdktf's App settings. `stackTraces` defaults to false here: cdktf would capture a
   * stack trace for every token and construct, a third of a large synth, for metadata nobody reads.
   */
  /** The ledger file, or undefined when switched off. */
  public readonly ledgerFile?: string;

  constructor(config: DockhostAppConfig = {}) {
    const { ledgerFile: ledgerOption, ...appConfig } = config;
    super({ stackTraces: false, ...appConfig });
    this.ledgerFile = ledgerFile(ledgerOption);
    setTokenStackTraces(config.stackTraces ?? false);
  }

  public synth(): void {
    const report = evaluateHomelab(this, { ledger: this.ledgerFile === undefined ? undefined : readLedger(this.ledgerFile) });
    this.policyReport = report;
    writePolicyReport(this.outdir, report);
    if (report.errors.length > 0) throw new PolicyError(report, path.join(this.outdir, REPORT_FILES.markdown));
    super.synth();
    if (this.ledgerFile !== undefined && report.ledger) writeLedger(this.ledgerFile, report.ledger);
  }
}
