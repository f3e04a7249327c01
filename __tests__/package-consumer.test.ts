/**
 * The npm package as another homelab repository sees it: build it, `npm pack` it, install the
 * tarball into a fresh project offline (from the npm cache that `npm ci` filled), type-check a
 * different homelab against the published declarations and synthesize it from the compiled
 * JavaScript, with nothing but the package's public entry point.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { installOffline, packPackage, Packed, REPO, repoPackage, run } from "./support/packed-package";
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
  let copy: string;
  let packedManifest: Record<string, unknown>;

  beforeAll(() => {
    work = tempDir("consumer");
    // npm pack as a maintainer runs it: prepack builds and trims package.json, postpack restores it.
    const pack = timed("npm pack (build included)", () => packPackage(work));
    ({ copy, packed, manifest: packedManifest } = pack);
    const tarball = pack.tarball;

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
  }, 240_000);

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
    expect(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE", "scripts/dockhost.js"].includes(f))).toEqual([]);
  });

  test("its package.json leaves out the repository's scripts and devDependencies; the repository's is back after packing", () => {
    expect(Object.keys(packedManifest).filter((key) => !(key in repoPackage))).toEqual([]);
    expect(packedManifest).not.toHaveProperty("scripts");
    expect(packedManifest).not.toHaveProperty("devDependencies");
    const { scripts: _scripts, devDependencies: _devDependencies, ...published } = repoPackage;
    expect(packedManifest).toEqual(published);
    expect(fs.readFileSync(path.join(copy, "package.json"), "utf8")).toBe(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(fs.readdirSync(copy).filter((name) => name.includes("before-pack"))).toEqual([]);
  });

  test("it ships the license its package.json names: the MPL-2.0 text", () => {
    expect(repoPackage.license).toBe("MPL-2.0");
    const license = fs.readFileSync(path.join(project, "node_modules", repoPackage.name, "LICENSE"), "utf8");
    expect(license.split("\n")[0]).toBe("Mozilla Public License, version 2.0");
    expect(license).toContain("Exhibit A - Source Code Form License Notice");
  });

  test("installed, its peer dependencies are satisfied by the versions we test", () => {
    expect(() => run("npm", ["ls", "--all", "--offline"], project)).not.toThrow();
    const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", repoPackage.name, "package.json"), "utf8"));
    expect(installed.peerDependencies).toEqual(repoPackage.peerDependencies);
  });

  test("every name its declaration files' TSDoc mentions ({@link X} or `X`) and they declare, the entry exports", () => {
    const dist = path.join(project, "node_modules", repoPackage.name, "dist");
    const entry = path.join(dist, "constructs", "index.d.ts");
    // The declaration files a user's compiler reads: the entry's, and those they import, transitively.
    const reached = new Set<string>();
    const queue = [entry];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (reached.has(file)) continue;
      reached.add(file);
      for (const m of fs.readFileSync(file, "utf8").matchAll(/(?:from |import\()"(\.[^"]+)"/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const found = [`${target}.d.ts`, path.join(target, "index.d.ts")].find((candidate) => fs.existsSync(candidate));
        if (found) queue.push(found);
      }
    }
    const ours = [...reached].filter((file) => !file.includes(`${path.sep}.gen${path.sep}`));
    expect(ours.length).toBeGreaterThan(20);
    const declared = new Map<string, string>();
    const mentioned = new Set<string>();
    for (const file of ours) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:const|function|class|interface|type|enum) ([A-Za-z_]\w*)/gm)) declared.set(m[1], path.relative(dist, file));
      for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
        for (const m of comment[0].matchAll(/\{@link ([A-Za-z_]\w*)\}|`([A-Za-z_]\w*)(?:\(\))?`/g)) mentioned.add(m[1] ?? m[2]);
      }
    }
    const entryText = fs.readFileSync(entry, "utf8");
    const exported = new Set([...entryText.matchAll(/export (?:type )?\{([^}]*)\} from/g)].flatMap((m) => m[1].split(",").map((name) => name.trim())));
    expect(mentioned.size).toBeGreaterThan(50);
    expect([...mentioned].filter((name) => declared.has(name) && !exported.has(name)).map((name) => `${name} (${declared.get(name)})`)).toEqual([]);
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
