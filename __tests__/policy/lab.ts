import * as fs from "fs";
import * as path from "path";
import { ComposeServiceProps, ComposeStack, ComposeStackProps } from "../../constructs/compose-stack";
import { DockhostApp } from "../../constructs/dockhost-app";
import { buildReferenceHomelab, ReferenceHomelab } from "../../main";
import { ReportRow } from "../../lib/policy/evaluate";
import { evaluateHomelab } from "../../constructs/policy-model";
import { testApp } from "../support/synth";

/** A compliant service to start from: pinned, limited, restarting, no new privileges. */
export const GOOD: ComposeServiceProps = {
  image: "nginx:1.27.3-alpine",
  memoryLimitMb: 64,
  restart: "unless-stopped",
  securityOpt: ["no-new-privileges:true"],
};

/** The reference homelab plus one stack of test services. */
export function labWith(services: Record<string, ComposeServiceProps>, extra: Partial<ComposeStackProps> = {}): ReferenceHomelab & { test: ComposeStack; app: DockhostApp } {
  const homelab = buildReferenceHomelab(testApp());
  const test = new ComposeStack(homelab.apps, "test", { engine: homelab.engine, services, ...extra });
  return { ...homelab, app: homelab.app as DockhostApp, test };
}

/** Rows of `ruleId` in the policy report of the lab's app. */
export function rowsOf(app: DockhostApp, ruleId: string): ReportRow[] {
  return evaluateHomelab(app).rows.filter((r) => r.ruleId === ruleId);
}

/** True when the synth left any stack JSON behind. */
export function anyStackWritten(app: DockhostApp): boolean {
  const stacks = path.join(app.outdir, "stacks");
  return fs.existsSync(stacks) && fs.readdirSync(stacks).some((s) => fs.existsSync(path.join(stacks, s, "cdk.tf.json")));
}
