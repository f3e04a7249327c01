/**
 * `npm run deploy` and `npm run diff` with a Terraform variable unset (or set to "", as an unset
 * GitHub repository variable arrives) stop at once and name it: scripts/cdktf.js says why they
 * would not. Terraform and cdktf run for real here, offline: `terraform init` installs the
 * stand-in providers from the harness's filesystem mirror.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { buildReferenceHomelab } from "../main";
import { synthAll, testApp } from "./support/synth";
import { describeWithTerraform, prepareWorkspace, TerraformWorkspace } from "./support/terraform/harness";

const REPO = path.resolve(__dirname, "..");

describeWithTerraform("deploy and diff with a variable unset", () => {
  let workspace: TerraformWorkspace;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    const { app } = buildReferenceHomelab(testApp());
    synthAll(app);
    workspace = prepareWorkspace(path.join(app.outdir, "stacks"), { poolSize: 0 });
    // No TF_* or DOCKHOST_* of the caller's (a TF_VAR_ would set the variable; local state).
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TF_|DOCKHOST_)/.test(name)));
    Object.assign(env, {
      TF_CLI_CONFIG_FILE: path.join(workspace.dir, "terraformrc"),
      HOME: path.join(workspace.dir, "home"),
      CHECKPOINT_DISABLE: "1",
      npm_config_update_notifier: "false",
    });
  });

  afterAll(() => workspace?.cleanup());

  /**
   * `npm run <script> -- <args>` in the repository, stdin closed, into the workspace's project.
   * --skip-provider-lock: cdktf's `terraform providers lock` asks the registry, which the mirror
   * cannot stand in for; a real deploy has the registry.
   */
  function npmRun(script: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}): { code: number | null; seconds: number; output: string } {
    const started = Date.now();
    const out = path.join(workspace.dir, "project", "cdktf.out");
    const run = spawnSync("npm", ["run", script, "--", ...args, "--skip-provider-lock", "--output", out], { cwd: REPO, env: { ...env, ...extraEnv }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 });
    // Colours and cdktf's progress lines off, terraform's box drawing and line wrapping undone.
    const output = (run.stdout + run.stderr)
      .replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
      .replace(/^[ \t]*(\S+ +)?[│╷╵]/gm, "")
      .replace(/\s+/g, " ");
    return { code: run.status, seconds: (Date.now() - started) / 1000, output };
  }

  test("npm run deploy exits non-zero within seconds, naming the variable", () => {
    const { code, seconds, output } = npmRun("deploy");
    expect(output).toContain('Error: No value for required variable');
    expect(output).toMatch(/The root module input variable "(ssh_public_keys|proxmox_endpoint)" is not set/);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(seconds).toBeLessThan(45);
  }, 120_000);

  test("npm run diff exits non-zero within seconds, naming the variable, also when it is set to an empty string", () => {
    const { code, seconds, output } = npmRun("diff", ["dockhost-infra"], { TF_VAR_proxmox_endpoint: "https://pve.lan:8006/", TF_VAR_ssh_public_keys: "" });
    expect(output).toContain("Missing variable: 'ssh_public_keys'");
    expect(output).not.toContain("proxmox_endpoint");
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(seconds).toBeLessThan(45);
  }, 120_000);
});
