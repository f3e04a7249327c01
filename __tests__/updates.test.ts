/**
 * `dockhost updates` against a real registry: Debian's docker-registry (distribution) on
 * loopback, holding images pushed here with the registry's own HTTP API (no Docker engine).
 */
import * as fs from "fs";
import * as path from "path";
import { command } from "../lib/cli/commands/updates";
import { RegistryClient } from "../lib/updates/registry";
import { LoopbackRegistry, pushImage, REGISTRY_BIN, startRegistry } from "./support/registry";
import { captureIo } from "./support/cli";
import { tempDir } from "./support/synth";
import { needs } from "./support/requirements";


describe("dockhost updates against a loopback registry", () => {
  let registry: LoopbackRegistry;
  let host: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    // Without the package, the tests below skip (or fail under the strict CI setting) by needs().
    if (!fs.existsSync(REGISTRY_BIN)) return;
    registry = await startRegistry(tempDir("registry"));
    host = registry.host;
    for (const tag of ["16.4-alpine", "16.6-alpine", "17.2-alpine", "16.6", "latest"]) digests[`postgres:${tag}`] = await pushImage(registry.base, "library/postgres", tag);
    for (const tag of ["1.27.3-alpine", "1.27.4-alpine", "1.28.0-alpine"]) digests[`nginx:${tag}`] = await pushImage(registry.base, "library/nginx", tag);
  }, 30_000);

  afterAll(() => registry?.stop());

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
    const repo = { baseUrl: registry.base, name: "library/postgres" };
    expect((await client.tags(repo)).sort()).toEqual(["16.4-alpine", "16.6", "16.6-alpine", "17.2-alpine", "latest"]);
    expect(await client.digest(repo, "16.6-alpine")).toBe(digests["postgres:16.6-alpine"]);
  });

  needs("docker-registry").test("lists newer tags of the same shape; a database's new major is held", async () => {
    const work = homelab();
    const out = captureIo(work);
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
    expect(await command.run(["--pin"], captureIo(work))).toBe(0);
    let text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`"${host}/library/postgres:16.4-alpine@${digests["postgres:16.4-alpine"]}"`);
    expect(text).toContain(`"${host}/library/nginx:1.27.3-alpine@${digests["nginx:1.27.3-alpine"]}"`);
    expect(text).toContain('"no-new-privileges:true"');
    expect(await command.run(["--pin", "--bump"], captureIo(work))).toBe(0);
    text = fs.readFileSync(file, "utf8");
    expect(text).toContain(`"${host}/library/postgres:16.6-alpine@${digests["postgres:16.6-alpine"]}"`);
    expect(text).toContain(`"${host}/library/nginx:1.28.0-alpine@${digests["nginx:1.28.0-alpine"]}"`);
  });

  needs("docker-registry").test("--allow-major lets the database cross to the new major", async () => {
    const work = homelab();
    expect(await command.run(["--pin", "--bump", "--allow-major"], captureIo(work))).toBe(0);
    expect(fs.readFileSync(path.join(work, "main.ts"), "utf8")).toContain(`"${host}/library/postgres:17.2-alpine@${digests["postgres:17.2-alpine"]}"`);
  });

  needs("docker-registry").test("bad input: an unknown option, --bump without --pin, an image the registry lacks", async () => {
    const work = homelab();
    const bad = captureIo(work);
    expect(await command.run(["--bumpp"], bad)).toBe(2);
    expect(bad.errors[0]).toMatch(/^dockhost updates: unknown option --bumpp/);
    const nopin = captureIo(work);
    expect(await command.run(["--bump"], nopin)).toBe(2);
    expect(nopin.errors[0]).toMatch(/--bump needs --pin/);
    fs.writeFileSync(path.join(work, "main.ts"), `const x = { image: "${host}/library/missing:1.0" };\n`);
    const missing = captureIo(work);
    expect(await command.run([], missing)).toBe(1);
    expect(missing.errors[0]).toMatch(/missing:1.0 \(main.ts:1\): GET .*HTTP 404/);
  });
});
