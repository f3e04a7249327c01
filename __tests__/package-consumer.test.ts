/**
 * The npm package as another homelab repository sees it: build it, `npm pack` it, install the
 * tarball into a fresh project offline (from the npm cache that `npm ci` filled), type-check a
 * different homelab against the published declarations and synthesize it from the compiled
 * JavaScript, with nothing but the package's public entry point.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildAndPack, installOffline, Packed, REPO, repoPackage, run } from "./support/packed-package";
import { tempDir } from "./support/synth";

const FIXTURE = path.join(__dirname, "fixtures", "other-homelab");

/** Milliseconds `fn` took, recorded under `step`. */
const timings: Record<string, number> = {};
function timed<T>(step: string, fn: () => T): T {
  const start = Date.now();
  try {
    return fn();
  } finally {
    timings[step] = Date.now() - start;
  }
}

describe("the npm package, used from a project that has never seen this repo", () => {
  let work: string;
  let project: string;
  let packed: Packed;
  let stacks: Record<string, any>;

  beforeAll(() => {
    work = tempDir("consumer");
    const built = timed("build + npm pack", () => buildAndPack(work));
    packed = built.packed;
    const tarball = built.tarball;

    project = path.join(work, "other-homelab");
    fs.mkdirSync(project);
    const peers = Object.fromEntries(Object.keys(repoPackage.peerDependencies).map((peer) => [peer, repoPackage.devDependencies[peer]]));
    const dependencies = { [repoPackage.name]: `file:${tarball}`, ...peers };
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "other-homelab", private: true, dependencies }, null, 2));
    timed("npm ci --offline", () => installOffline(project, tarball));

    for (const file of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, file), path.join(project, file));
    timed("tsc (consumer)", () => run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], project));
    const outdir = path.join(work, "cdktf.out");
    timed("synth (compiled JS)", () => run(process.execPath, [path.join("dist", "main.js")], project, { CDKTF_OUTDIR: outdir }));
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    stacks = Object.fromEntries(
      Object.values<{ name: string; synthesizedStackPath: string }>(manifest.stacks).map((s) => [s.name, JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"))]),
    );
  }, 120_000);

  afterAll(() => {
    if (Object.keys(timings).length > 0) {
      console.info(`package consumer timings: ${Object.entries(timings).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
    }
  });

  test("the tarball holds the compiled package, the Proxmox bindings it uses and cloud-init/, no sources", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "dist/constructs/index.js",
        "dist/constructs/index.d.ts",
        "dist/.gen/providers/proxmox/virtual-environment-vm/index.js",
        "dist/.gen/providers/proxmox/virtual-environment-vm/index.d.ts",
        "dist/cloud-init/host-setup.sh",
      ]),
    );
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    // npm always packs the files "bin" names: the dockhost command's launcher.
    expect(files).toEqual(expect.arrayContaining(["scripts/dockhost.js", "dist/lib/cli/main.js"]));
    expect(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "scripts/dockhost.js"].includes(f))).toEqual([]);
  });

  test("installed, its peer dependencies are satisfied by the versions we test", () => {
    expect(() => run("npm", ["ls", "--all", "--offline"], project)).not.toThrow();
    const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", repoPackage.name, "package.json"), "utf8"));
    expect(installed.peerDependencies).toEqual(repoPackage.peerDependencies);
  });

  test("one entry point: deep imports into the package are refused", () => {
    const deep = spawnSync(process.execPath, ["-e", `require("${repoPackage.name}/dist/lib/errors")`], { cwd: project, encoding: "utf8" });
    expect(deep.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  test("synthesizes another homelab: its stacks, LAN, VM sizes and ids, backend", () => {
    expect(Object.keys(stacks).sort()).toEqual(["lab-apps", "lab-infra"]);
    const infra = stacks["lab-infra"];
    const defaults = Object.fromEntries(Object.entries<any>(infra.variable).filter(([name]) => name.startsWith("vm_")).map(([name, v]) => [name, v.default]));
    expect(defaults).toMatchObject({ vm_count: 2, vm_template_id: 7000, vm_baseid: 7100, vm_ip_start: 50, vm_cpu_cores: 4, vm_memory: 16384, vm_disk0_size: 80, vm_name_prefix: "labdock" });
    const vm = infra.resource.proxmox_virtual_environment_vm.docker;
    expect(vm.node_name).toBe("nuc");
    expect(vm.network_device).toEqual([expect.objectContaining({ bridge: "vmbr1", vlan_id: 20, model: "virtio" })]);
    expect(vm.initialization.ip_config).toEqual([{ ipv4: { address: '${cidrhost("10.20.0.0/24", var.vm_ip_start + count.index)}/24', gateway: "10.20.0.254" } }]);
    expect(vm.initialization.dns).toEqual({ servers: ["10.20.0.53"] });
    expect(infra.terraform.backend.s3).toMatchObject({ bucket: "lab-state", key: "lab2/lab-infra.tfstate", endpoints: { s3: "http://10.20.0.5:9000" } });
    expect(infra.import).toBeUndefined();
  });

  test("the host files come from the package's cloud-init/ folder", () => {
    const userData: string = stacks["lab-infra"].resource.proxmox_virtual_environment_file.docker_user_data.source_raw.data;
    expect(userData).toContain('"max-size": "20m"');
    expect(userData).toContain("/usr/local/sbin/dockhost-host-setup");
  });

  test("the apps stack runs on the second VM, read from the infra stack's state in the bucket", () => {
    const apps = stacks["lab-apps"];
    expect(apps.provider.docker[0].host).toContain("outputs.cross-stack-output-proxmox_virtual_environment_vmdocker1initialization0ip_config0ipv40address");
    expect(apps.data.terraform_remote_state["cross-stack-reference-input-lab-infra"]).toMatchObject({ backend: "s3", config: { key: "lab2/lab-infra.tfstate" } });
    expect(Object.keys(apps.resource.docker_container)).toEqual(expect.arrayContaining(["proxy_traefik", "reader_db", "reader_web"]));
    // The volume backup mounts the NAS export the homelab names.
    expect(JSON.stringify(apps.resource.docker_volume)).toContain("/volume1/backups/lab");
    expect(apps.variable.reader_db_password).toMatchObject({ sensitive: true });
    expect(apps.variable.reader_db_password).not.toHaveProperty("default");
  });

  test("no machine path in the output", () => {
    const text = JSON.stringify(stacks);
    expect(text).not.toContain(work);
    expect(text).not.toContain(REPO);
  });
});
