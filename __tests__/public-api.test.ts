/**
 * The package's one entry point, constructs/index.ts: it exports every construct (and nothing
 * internal at run time), and everything it exports is documented in TSDoc.
 */
import * as fs from "fs";
import * as path from "path";

const CONSTRUCTS_DIR = path.resolve(__dirname, "..", "constructs");
const INDEX = path.join(CONSTRUCTS_DIR, "index.ts");
const api: Record<string, unknown> = require(INDEX);

/** What the entry exports at run time; types are checked by the consumer test's compiler. */
const RUNTIME_EXPORTS = [
  "ComposeStack",
  "DockerEngine",
  "DockerHost",
  "DockhostApp",
  "DockhostInputError",
  "DockhostStack",
  "DockhostVm",
  "GitLabRunner",
  "HostFirewall",
  "Jellyfin",
  "MonitoringStack",
  "Nextcloud",
  "PolicyError",
  "Portainer",
  "Postgres",
  "ProxmoxConnection",
  "Redis",
  "ReverseProxy",
  "Secret",
  "VmAdoption",
  "VmBackup",
  "VolumeBackup",
  "Watchtower",
  "WebApp",
  "stateBackendFromEnv",
  "suppress",
];

/** `export { A, B } from "./x"` and `export type { ... } from "./x"` statements of the entry. */
function reExports(): Array<{ readonly names: string[]; readonly from: string }> {
  const source = fs.readFileSync(INDEX, "utf8");
  return [...source.matchAll(/export (?:type )?\{([^}]*)\} from "([^"]+)";/g)].map((m) => ({
    names: m[1].split(",").map((name) => name.trim()).filter((name) => name !== ""),
    from: m[2],
  }));
}

describe("the public entry point", () => {
  test("exports these values at run time, and nothing else", () => {
    expect(Object.keys(api).sort()).toEqual(RUNTIME_EXPORTS);
  });

  test("exports every class of every construct file", () => {
    const files = fs.readdirSync(CONSTRUCTS_DIR).filter((file) => file.endsWith(".ts") && file !== "index.ts");
    const missing = files.flatMap((file) =>
      Object.entries<unknown>(require(path.join(CONSTRUCTS_DIR, file)))
        .filter(([name, value]) => typeof value === "function" && /^[A-Z]/.test(name) && api[name] !== value)
        .map(([name]) => `${name} (constructs/${file})`),
    );
    expect(missing).toEqual([]);
  });

  test("every exported name has a TSDoc comment where it is declared", () => {
    const undocumented: string[] = [];
    for (const { names, from } of reExports()) {
      const source = fs.readFileSync(path.resolve(CONSTRUCTS_DIR, `${from}.ts`), "utf8");
      for (const name of names) {
        const declaration = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\s*)?export (?:abstract )?(?:class|interface|type|function|const) ${name}\\b`).exec(source);
        if (!declaration?.[1]) undocumented.push(`${name} (${from})`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
