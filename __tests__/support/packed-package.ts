/**
 * This package as npm publishes it, installed offline into a project that has never seen this
 * repo: build and `npm pack` it, and write the consumer's lockfile from this repo's, so that
 * `npm ci --offline` finds every tarball in the cache that `npm ci` filled here.
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

const PACK_LOCK = path.join(REPO, "node_modules", ".cache", "dockhost", "build-and-pack.lock");

/** Sleeps without an event loop (the callers are synchronous). */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Holds a lock (a folder: mkdir is atomic) around `fn`: the test files that pack run in parallel
 * workers, and a build empties dist/ first. A lock whose holder died is taken over.
 */
function withPackLock<T>(fn: () => T): T {
  fs.mkdirSync(path.dirname(PACK_LOCK), { recursive: true });
  for (let waited = 0; ; waited += 500) {
    try {
      fs.mkdirSync(PACK_LOCK);
      break;
    } catch {
      const holder = Number(fs.readFileSync(path.join(PACK_LOCK, "pid"), { encoding: "utf8", flag: "a+" }) || 0);
      let alive = holder > 0;
      try {
        if (alive) process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (!alive && waited >= 2000) fs.rmSync(PACK_LOCK, { recursive: true, force: true });
      else if (waited > 600_000) throw new Error(`${PACK_LOCK} held by process ${holder} for 10 minutes`);
      sleep(500);
    }
  }
  fs.writeFileSync(path.join(PACK_LOCK, "pid"), String(process.pid));
  try {
    return fn();
  } finally {
    fs.rmSync(PACK_LOCK, { recursive: true, force: true });
  }
}

/** Builds dist/ and packs the package into `dir`; the tarball's path and what it holds. */
export function buildAndPack(dir: string): { tarball: string; packed: Packed } {
  return withPackLock(() => {
    run(process.execPath, [path.join(REPO, "scripts", "build.js")], REPO);
    // The build ran above; npm pack's own prepack would run it again.
    const packed: Packed = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], REPO))[0];
    return { tarball: path.join(dir, packed.filename), packed };
  });
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
