/**
 * The npm package as another homelab repository sees it: build it, `npm pack` it, install the
 * tarball into a fresh project offline (from the npm cache that `npm ci` filled), type-check a
 * different homelab against the published declarations and synthesize it from the compiled
 * JavaScript, with nothing but the package's public entry point.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./support/synth";

const REPO = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures", "other-homelab");
const repoPackage = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
const repoLock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8"));

/** Runs a command; throws with its output when it fails. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", ...env }, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

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

/**
 * The consumer's lockfile: the package tarball plus, for each package it pulls in (the peer
 * dependencies at the versions we test and the package's own dependencies), the entries of our
 * lockfile. With every tarball named by integrity, `npm ci --offline` needs only the tarballs that
 * `npm ci` in this repo cached; a plain `npm install` would want full registry metadata, which
 * `npm ci` does not cache.
 */
function consumerLock(name: string, dependencies: Record<string, string>, tarball: string): object {
  const packages: Record<string, object> = { "": { name, dependencies } };
  const wanted = [...Object.keys(dependencies).filter((dep) => dep !== repoPackage.name), ...Object.keys(repoPackage.dependencies)];
  for (const [location, entry] of Object.entries<Record<string, unknown>>(repoLock.packages)) {
    if (!wanted.some((dep) => location === `node_modules/${dep}` || location.startsWith(`node_modules/${dep}/node_modules/`))) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    packages[location] = rest;
  }
  packages[`node_modules/${repoPackage.name}`] = {
    version: repoPackage.version,
    resolved: `file:${tarball}`,
    integrity: `sha512-${createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`,
    license: repoPackage.license,
    dependencies: repoPackage.dependencies,
    peerDependencies: repoPackage.peerDependencies,
    engines: repoPackage.engines,
  };
  return { name, lockfileVersion: 3, requires: true, packages };
}

/**
 * The working tree (tracked and new files, not ignored ones) and the generated bindings, copied to
 * `dest` with the repository's node_modules linked: npm pack's lifecycle scripts rewrite
 * package.json for a moment, which must not happen under the other tests' feet.
 */
function workingCopy(dest: string): string {
  const listed = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO).split("\0");
  for (const file of listed.filter((f) => f !== "" && fs.existsSync(path.join(REPO, f)))) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(dest, file));
  }
  fs.cpSync(path.join(REPO, ".gen"), path.join(dest, ".gen"), { recursive: true });
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dest, "node_modules"));
  return dest;
}

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
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
    copy = workingCopy(path.join(work, "repository"));
    // npm pack as a maintainer runs it: prepack builds and trims package.json, postpack restores it.
    packed = timed("npm pack (build included)", () => JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], copy))[0]);
    const tarball = path.join(work, packed.filename);
    packedManifest = JSON.parse(run("tar", ["-xOzf", tarball, "package/package.json"], work));

    project = path.join(work, "other-homelab");
    fs.mkdirSync(project);
    const peers = Object.fromEntries(Object.keys(repoPackage.peerDependencies).map((peer) => [peer, repoPackage.devDependencies[peer]]));
    const dependencies = { [repoPackage.name]: `file:${tarball}`, ...peers };
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "other-homelab", private: true, dependencies }, null, 2));
    fs.writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(consumerLock("other-homelab", dependencies, tarball), null, 2));
    timed("npm ci --offline", () => run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], project));

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
    expect(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(f))).toEqual([]);
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
