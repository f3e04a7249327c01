/**
 * A new user's first two commands, on a clone with nothing beside it (no companion folder) and no
 * terraform on PATH: `npm ci` installs from the npm cache alone (offline) and generates the
 * Proxmox bindings from the schema in the repository; `npm run synth` writes both stacks.
 * It clones HEAD: uncommitted changes are not part of what a user would clone.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./support/synth";

const REPO = path.resolve(__dirname, "..");

/** PATH without every folder that holds a terraform executable. */
function pathWithoutTerraform(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => {
      try {
        fs.accessSync(path.join(dir, "terraform"), fs.constants.X_OK);
        return false;
      } catch {
        return true;
      }
    })
    .join(path.delimiter);
}

describe("a fresh clone, no sibling folder, no terraform", () => {
  let clone: string;
  let env: NodeJS.ProcessEnv;
  const seconds: Record<string, number> = {};

  /** Runs a command in the clone; throws with its output when it fails. */
  function run(label: string, command: string, args: readonly string[]): string {
    const started = Date.now();
    const result = spawnSync(command, args, { cwd: clone, env, encoding: "utf8", timeout: 480_000 });
    seconds[label] = (Date.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout + result.stderr;
  }

  beforeAll(() => {
    clone = path.join(tempDir("fresh-clone"), "dockhost");
    execFileSync("git", ["clone", "--quiet", REPO, clone]);
    execFileSync("git", ["-C", clone, "checkout", "--quiet", "--detach", execFileSync("git", ["-C", REPO, "rev-parse", "HEAD"], { encoding: "utf8" }).trim()]);
    // No TF_*/DOCKHOST_* settings of ours; npm's cache is the one `npm ci` in this repo filled.
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TF_|DOCKHOST_|npm_)/i.test(name)));
    Object.assign(env, {
      PATH: pathWithoutTerraform(),
      npm_config_cache: execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim(),
      npm_config_update_notifier: "false",
    });
  }, 60_000);

  afterAll(() => {
    if (Object.keys(seconds).length > 0) console.info(`fresh clone: ${Object.entries(seconds).map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(", ")}`);
  });

  test("nothing beside the clone, and no terraform on its PATH", () => {
    expect(fs.readdirSync(path.dirname(clone))).toEqual(["dockhost"]);
    expect(spawnSync("sh", ["-c", "command -v terraform"], { env }).status).not.toBe(0);
  });

  test("npm ci --offline installs and generates the Proxmox bindings; npm run synth writes both stacks", () => {
    const install = run("npm ci --offline", "npm", ["ci", "--offline", "--no-audit", "--no-fund"]);
    expect(install).toContain("generated proxmox 0.111.1 bindings into .gen/ from ");
    expect(install).not.toMatch(/checkpoint-api|ENOTFOUND|EAI_AGAIN/);
    const vmBinding = path.join(clone, ".gen", "providers", "proxmox", "virtual-environment-vm", "index.ts");
    expect(fs.readFileSync(vmBinding, "utf8")).toContain("export class VirtualEnvironmentVm extends cdktf.TerraformResource");

    // The README's first command.
    const synth = run("npm run synth", "npm", ["run", "synth"]);
    expect(synth).not.toMatch(/checkpoint-api|ENOTFOUND|EAI_AGAIN/);
    expect(synth).toContain("Generated Terraform code for the stacks: dockhost-apps, dockhost-infra");
    const infra = JSON.parse(fs.readFileSync(path.join(clone, "cdktf.out", "stacks", "dockhost-infra", "cdk.tf.json"), "utf8"));
    expect(Object.keys(infra.resource.proxmox_virtual_environment_vm)).toEqual(["dockhost"]);
    expect(infra.terraform.required_providers.proxmox).toEqual({ source: "bpg/proxmox", version: "0.111.1" });
    const apps = JSON.parse(fs.readFileSync(path.join(clone, "cdktf.out", "stacks", "dockhost-apps", "cdk.tf.json"), "utf8"));
    expect(Object.keys(apps.resource.docker_container).length).toBeGreaterThan(5);
  }, 600_000);
});
