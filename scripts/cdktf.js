#!/usr/bin/env node
// `npm run synth`, `npm run diff` and `npm run deploy` run the cdktf CLI through this script, which
// fixes the ways a run could go wrong before Terraform says anything useful:
// - TF_INPUT=0: terraform never prompts. cdktf 0.21 runs `terraform apply` in a pseudo-terminal
//   without -input=false (@cdktf/cli-core/src/lib/models/deploy-machine.js) and never shows the
//   prompt for a missing variable (it ends without a newline), so the deploy waited forever; now
//   terraform fails at once, naming the variable. Approval prompts are not input: they still work.
// - An empty TF_VAR_<name> is removed: an unset GitHub repository variable reaches the job as "",
//   which Terraform would take as the value instead of reporting the variable missing.
// - CHECKPOINT_DISABLE=1: the CLI would ask HashiCorp's checkpoint service for news at every run,
//   and print an ERROR line where that host is out of reach (a homelab CI runner, an offline laptop).
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");

/** The environment cdktf (and the terraform it starts) gets. */
function cdktfEnv(env) {
  const result = Object.fromEntries(Object.entries(env).filter(([name, value]) => !(name.startsWith("TF_VAR_") && value === "")));
  result.TF_INPUT = "0";
  result.CHECKPOINT_DISABLE ??= "1";
  return result;
}

if (require.main === module) {
  const cli = path.join(path.dirname(require.resolve("cdktf-cli/package.json")), require("cdktf-cli/package.json").bin.cdktf);
  const run = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: "inherit", env: cdktfEnv(process.env) });
  if (run.error) throw run.error;
  process.exit(run.status ?? 1);
}

module.exports = { cdktfEnv };
