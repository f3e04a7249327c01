/**
 * This package as npm publishes it, installed offline into a project that has never seen this
 * repo: `npm pack` it from a copy of the working tree, and write the consumer's lockfile from this
 * repo's, so that `npm ci --offline` finds every tarball in the cache that `npm ci` filled here.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
export const repoPackage = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
const repoLock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8"));

/** Runs a command; throws with its output when it fails. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 120_000): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", ...env }, timeout });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/**
 * The working tree (tracked and new files, not ignored ones) and the generated bindings, copied to
 * `dest` with the repository's node_modules linked: npm pack's lifecycle scripts rewrite
 * package.json for a moment, and the build empties dist/, which must not happen under the other
 * tests' feet.
 */
export function workingCopy(dest: string): string {
  const listed = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO).split("\0");
  for (const file of listed.filter((f) => f !== "" && fs.existsSync(path.join(REPO, f)))) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(dest, file));
  }
  fs.cpSync(path.join(REPO, ".gen"), path.join(dest, ".gen"), { recursive: true });
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dest, "node_modules"));
  return dest;
}

export interface PackedPackage {
  /** The working copy it was packed from. */
  readonly copy: string;
  readonly tarball: string;
  readonly packed: Packed;
  /** The package.json inside the tarball. */
  readonly manifest: Record<string, any>;
}

/** `npm pack` as a maintainer runs it (prepack builds and trims package.json, postpack restores it), from a working copy under `dir`. */
export function packPackage(dir: string): PackedPackage {
  const copy = workingCopy(path.join(dir, "repository"));
  const packed: Packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], copy))[0];
  const tarball = path.join(dir, packed.filename);
  return { copy, tarball, packed, manifest: JSON.parse(run("tar", ["-xOzf", tarball, "package/package.json"], dir)) };
}

/** Where Node would find `dep` from the package at lockfile location `from` ("" is the root). */
function locate(from: string, dep: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = base === "" ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    if (repoLock.packages[candidate]) return candidate;
    if (base === "") return undefined;
    const up = base.lastIndexOf("/node_modules/");
    base = up === -1 ? "" : base.slice(0, up);
  }
}

/**
 * The consumer's lockfile: the package tarball plus every package it pulls in (its dependencies,
 * the consumer's other dependencies and theirs, transitively) with our lockfile's entries. With
 * every tarball named by integrity, `npm ci --offline` needs only tarballs `npm ci` here cached;
 * a plain `npm install` would want full registry metadata, which `npm ci` does not cache.
 */
export function consumerLock(manifest: { name: string; dependencies: Record<string, string>; devDependencies?: Record<string, string> }, tarball: string): object {
  const packages: Record<string, object> = { "": { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies } };
  const wanted = [...Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((dep) => dep !== repoPackage.name), ...Object.keys(repoPackage.dependencies)];
  const queue = wanted.map((dep) => ({ from: "", dep }));
  while (queue.length > 0) {
    const { from, dep } = queue.shift()!;
    const location = locate(from, dep);
    if (location === undefined || packages[location]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repoLock.packages[location];
    packages[location] = entry;
    for (const next of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) queue.push({ from: location, dep: next });
  }
  packages[`node_modules/${repoPackage.name}`] = {
    version: repoPackage.version,
    resolved: `file:${tarball}`,
    integrity: `sha512-${createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`,
    license: repoPackage.license,
    dependencies: repoPackage.dependencies,
    peerDependencies: repoPackage.peerDependencies,
    engines: repoPackage.engines,
    bin: repoPackage.bin,
  };
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}

/** `npm ci --offline` in `project`, whose package.json names the packed package. */
export function installOffline(project: string, tarball: string, timeout = 120_000): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
  fs.writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(consumerLock(manifest, tarball), null, 2));
  run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], project, {}, timeout);
}
