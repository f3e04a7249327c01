import * as fs from "fs";
import * as path from "path";
import { CrossFinding } from "./conflicts";
import { HomelabModel } from "./types";

export const VOLUME_RENAME_RULE = "DH-VOLUME-RENAME";

/**
 * Volumes the previous synth in `outdir` declared and this one no longer does, stack by stack: a
 * renamed ComposeStack (or volume) re-creates its volume empty under the new name. prevent_destroy
 * makes Terraform refuse the plan; this finding says why before Terraform runs. Deleting a volume
 * on purpose is a suppression on the Terraform stack, with its reason.
 */
export function findVolumeRenames(model: HomelabModel, outdir: string): CrossFinding[] {
  const current = new Set(model.stacks.flatMap((stack) => stack.volumes.map((v) => `${stack.terraformStack}|${v.name}`)));
  const findings: CrossFinding[] = [];
  for (const [stackId, names] of previousVolumes(outdir)) {
    const stack = model.root.node.tryFindChild(stackId) ?? model.root;
    for (const name of names) {
      if (current.has(`${stackId}|${name}`)) continue;
      findings.push({
        ruleId: VOLUME_RENAME_RULE,
        level: "error",
        construct: stack,
        key: `docker_volume ${name}`,
        message: `volume ${name} was in the last synth and is gone now: a renamed stack or volume would start empty (move the data, or suppress this if the volume is meant to go)`,
        suppressible: true,
      });
    }
  }
  return findings;
}

/** Docker volume names of the last synth's stacks, by stack. */
function previousVolumes(outdir: string): Map<string, string[]> {
  const stacksDir = path.join(outdir, "stacks");
  const volumes = new Map<string, string[]>();
  if (!fs.existsSync(stacksDir)) return volumes;
  for (const stackId of fs.readdirSync(stacksDir)) {
    const file = path.join(stacksDir, stackId, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    volumes.set(stackId, Object.values<{ name?: string }>(json.resource?.docker_volume ?? {}).flatMap((v) => (typeof v.name === "string" ? [v.name] : [])));
  }
  return volumes;
}
