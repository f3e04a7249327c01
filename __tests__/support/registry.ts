/**
 * Debian's docker-registry (distribution 2.8) on loopback for tests, and pushing small images to it
 * through its own HTTP API (no Docker engine). Stopped by the PID the test started.
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";
const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sha256 = (data: Buffer | string): string => `sha256:${crypto.createHash("sha256").update(data).digest("hex")}`;

export interface LoopbackRegistry {
  /** `<address>:<port>`, e.g. `127.0.0.1:5123` */
  readonly host: string;
  /** `http://<address>:<port>` */
  readonly base: string;
  stop(): void;
}

/**
 * Starts docker-registry with its data in `dir`; `extraConfig` is appended to its YAML config (an
 * `auth:` section). Resolves once `/v2/` answers (200, or 401 with auth). `address` is where it
 * listens: loopback, or a test network's bridge address for the test hosts on it.
 */
export async function startRegistry(dir: string, extraConfig = "", address = "127.0.0.1"): Promise<LoopbackRegistry> {
  const port = await freePort();
  const host = `${address}:${port}`;
  const base = `http://${host}`;
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${extraConfig}`);
  const registry: ChildProcess = spawn(REGISTRY_BIN, ["serve", config], { stdio: "ignore" });
  const stop = () => {
    if (registry.pid && registry.exitCode === null) process.kill(registry.pid, "SIGTERM");
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`${base}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`docker-registry did not answer on ${address}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, base, stop };
}

/** Pushes a one-layer image `repo:tag` (with `headers`, e.g. a Bearer token); returns the manifest's digest, computed here. */
export async function pushImage(base: string, repo: string, tag: string, headers: Record<string, string> = {}): Promise<string> {
  const must = (response: Response, status: number, what: string): Response => {
    if (response.status !== status) throw new Error(`${what}: HTTP ${response.status}, expected ${status}`);
    return response;
  };
  const upload = async (data: Buffer) => {
    const digest = sha256(data);
    const start = must(await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers }), 202, "blob upload start");
    const location = new URL(start.headers.get("location")!, base);
    location.searchParams.set("digest", digest);
    must(await fetch(location, { method: "PUT", body: data, headers: { ...headers, "Content-Type": "application/octet-stream" } }), 201, "blob upload");
    return { digest, size: data.length };
  };
  const layer = await upload(Buffer.from(`layer of ${repo}:${tag}`));
  const config = await upload(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] }, config: { Labels: { tag } } })));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_V2,
    config: { mediaType: "application/vnd.docker.container.image.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", ...layer }],
  });
  must(await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "PUT", body: manifest, headers: { ...headers, "Content-Type": MANIFEST_V2 } }), 201, "manifest put");
  return sha256(manifest);
}
