/**
 * `dockhost updates` against a real registry: Debian's docker-registry (distribution) on
 * loopback, holding images pushed here with the registry's own HTTP API (no Docker engine).
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { command } from "../lib/cli/commands/updates";
import { CliIo } from "../lib/cli/command";
import { RegistryClient } from "../lib/updates/registry";
import { tempDir } from "./support/synth";
import { needs } from "./support/requirements";

const REGISTRY_BIN = "/usr/bin/docker-registry";
const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sha256 = (data: Buffer | string) => `sha256:${crypto.createHash("sha256").update(data).digest("hex")}`;

/** Pushes a one-layer image `repo:tag`; returns the manifest's digest, computed here. */
async function push(base: string, repo: string, tag: string): Promise<string> {
  const upload = async (data: Buffer) => {
    const digest = sha256(data);
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get("location")!, base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, { method: "PUT", body: data, headers: { "Content-Type": "application/octet-stream" } });
    expect(put.status).toBe(201);
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
  const put = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "PUT", body: manifest, headers: { "Content-Type": MANIFEST_V2 } });
  expect(put.status).toBe(201);
  return sha256(manifest);
}

function io(cwd: string): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { cwd, env: {}, lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("dockhost updates against a loopback registry", () => {
  let registry: ChildProcess;
  let host: string;
  let base: string;
  const digests: Record<string, string> = {};
  let dir: string;

  beforeAll(async () => {
    // Without the package, the tests below skip (or fail under the strict CI setting) by needs().
    if (!fs.existsSync(REGISTRY_BIN)) return;
    dir = tempDir("registry");
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    base = `http://${host}`;
    const config = path.join(dir, "config.yml");
    fs.writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n`);
    registry = spawn(REGISTRY_BIN, ["serve", config], { stdio: "ignore" });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await fetch(`${base}/v2/`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error("docker-registry did not answer on loopback");
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const tag of ["16.4-alpine", "16.6-alpine", "17.2-alpine", "16.6", "latest"]) digests[`postgres:${tag}`] = await push(base, "library/postgres", tag);
    for (const tag of ["1.27.3-alpine", "1.27.4-alpine", "1.28.0-alpine"]) digests[`nginx:${tag}`] = await push(base, "library/nginx", tag);
  }, 30_000);

  afterAll(() => {
    // Stopped by the PID this test started.
    if (registry?.pid) process.kill(registry.pid, "SIGTERM");
  });

  function homelab(): string {
    const work = tempDir("homelab");
    fs.writeFileSync(
      path.join(work, "main.ts"),
      `const db = { image: "${host}/library/postgres:16.4-alpine" };\nexport const WEB_IMAGE = "${host}/library/nginx:1.27.3-alpine";\nconst opt = "no-new-privileges:true";\n`,
    );
    return work;
  }

  needs("docker-registry").test("the client lists the tags and reads the digest the registry stored", async () => {
    const client = new RegistryClient();
    const repo = { baseUrl: base, name: "library/postgres" };
    expect((await client.tags(repo)).sort()).toEqual(["16.4-alpine", "16.6", "16.6-alpine", "17.2-alpine", "latest"]);
    expect(await client.digest(repo, "16.6-alpine")).toBe(digests["postgres:16.6-alpine"]);
  });

  needs("docker-registry").test("lists newer tags of the same shape; a database's new major is held", async () => {
    const work = homelab();
    const out = io(work);
    expect(await command.run([], out)).toBe(0);
    expect(out.errors).toEqual([]);
    expect(out.lines).toEqual([
      `${host}/library/postgres:16.4-alpine (main.ts:1): newer: 16.6-alpine, 17.2-alpine; update to 16.6-alpine`,
      "  held: 17.2-alpine: a new major version of a database; --allow-major after a dump (dockhost restore docs)",
      `${host}/library/nginx:1.27.3-alpine (main.ts:2): newer: 1.27.4-alpine, 1.28.0-alpine; update to 1.28.0-alpine`,
    ]);
  });

  needs("docker-registry").test("--pin writes name:tag@digest of the tag in use; --pin --bump moves within the database's major", async () => {
    const work = homelab();
    const file = path.join(work, "main.ts");
    expect(await command.run(["--pin"], io(work))).toBe(0);
    let text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`"${host}/library/postgres:16.4-alpine@${digests["postgres:16.4-alpine"]}"`);
    expect(text).toContain(`"${host}/library/nginx:1.27.3-alpine@${digests["nginx:1.27.3-alpine"]}"`);
    expect(text).toContain('"no-new-privileges:true"');
    expect(await command.run(["--pin", "--bump"], io(work))).toBe(0);
    text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`"${host}/library/postgres:16.6-alpine@${digests["postgres:16.6-alpine"]}"`);
    expect(text).toContain(`"${host}/library/nginx:1.28.0-alpine@${digests["nginx:1.28.0-alpine"]}"`);
  });

  needs("docker-registry").test("--allow-major lets the database cross to the new major", async () => {
    const work = homelab();
    expect(await command.run(["--pin", "--bump", "--allow-major"], io(work))).toBe(0);
    expect(fs.readFileSync(path.join(work, "main.ts"), "utf8")).toContain(`"${host}/library/postgres:17.2-alpine@${digests["postgres:17.2-alpine"]}"`);
  });

  needs("docker-registry").test("bad input: an unknown option, --bump without --pin, an image the registry lacks", async () => {
    const work = homelab();
    const bad = io(work);
    expect(await command.run(["--bumpp"], bad)).toBe(2);
    expect(bad.errors[0]).toMatch(/^dockhost updates: unknown option --bumpp/);
    const nopin = io(work);
    expect(await command.run(["--bump"], nopin)).toBe(2);
    expect(nopin.errors[0]).toMatch(/--bump needs --pin/);
    fs.writeFileSync(path.join(work, "main.ts"), `const x = { image: "${host}/library/missing:1.0" };\n`);
    const missing = io(work);
    expect(await command.run([], missing)).toBe(1);
    expect(missing.errors[0]).toMatch(/missing:1.0 \(main.ts:1\): GET .*HTTP 404/);
  });
});
