/**
 * The package's one entry point, constructs/index.ts: it exports every construct (and nothing
 * internal at run time), everything it exports is documented in TSDoc, and every name of ours
 * that the README shows a user is one they can import (the shipped TSDoc: package-consumer.test.ts).
 */
import * as fs from "fs";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");
const CONSTRUCTS_DIR = path.join(REPO, "constructs");
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
  "GITLAB_RUNNER_IMAGE",
  "GITLAB_RUNNER_MEMORY_MB",
  "GitLabRunner",
  "HostFirewall",
  "IMPORT_VARIABLE",
  "JELLYFIN_IMAGE",
  "JELLYFIN_MEMORY_MB",
  "Jellyfin",
  "MIN_REASON_LENGTH",
  "MONITORING_IMAGES",
  "MONITORING_JOBS",
  "MONITORING_POLICY_SUPPRESSIONS",
  "MonitoringStack",
  "NEXTCLOUD_IMAGE",
  "NEXTCLOUD_MEMORY_MB",
  "NamedVolume",
  "Nextcloud",
  "PORTAINER_IMAGE",
  "PORTAINER_MEMORY_MB",
  "POSTGRES_DATA_DIR",
  "POSTGRES_IMAGE",
  "POSTGRES_MEMORY_MB",
  "POSTGRES_PORT",
  "PolicyError",
  "Portainer",
  "Postgres",
  "ProxmoxConnection",
  "REDIS_IMAGE",
  "REDIS_MEMORY_MB",
  "REDIS_PORT",
  "Redis",
  "ReverseProxy",
  "SOCKET_PROXY_IMAGE",
  "Secret",
  "TRAEFIK_IMAGE",
  "TerraformExpression",
  "UNLIMITED_MEMORY_ESTIMATE_MB",
  "VM_BACKUP_MODES",
  "VOLUME_BACKUP_IMAGE",
  "VmAdoption",
  "VmBackup",
  "VmBackupCheck",
  "VolumeBackup",
  "WATCHTOWER_IMAGE",
  "WATCHTOWER_OPT_IN",
  "Watchtower",
  "WebApp",
  "buildHomelabFoundation",
  "dockerSocketProxy",
  "isBindMount",
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

/** Every name exported by a source file under constructs/ or lib/ (schemas aside), with its file and kind. */
function sourceExports(): Map<string, { readonly file: string; readonly kind: string }> {
  const names = new Map<string, { readonly file: string; readonly kind: string }>();
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "schemas" ? [] : walk(full);
      return entry.name.endsWith(".ts") ? [full] : [];
    });
  for (const file of [...walk(CONSTRUCTS_DIR), ...walk(path.join(REPO, "lib"))]) {
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^export (?:declare )?(?:abstract )?(const|function|class|interface|type|enum) ([A-Za-z_]\w*)/gm)) {
      names.set(m[2], { file: path.relative(REPO, file), kind: m[1] });
    }
  }
  return names;
}

/** Names of ours in `mentioned` that the entry does not export, as `name (file)`. */
function unexported(mentioned: Iterable<string>): string[] {
  const ours = sourceExports();
  const exported = new Set(reExports().flatMap((e) => e.names));
  return [...new Set(mentioned)].filter((name) => ours.has(name) && !exported.has(name)).map((name) => `${name} (${ours.get(name)?.file})`).sort();
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

  test("exports every constant, class and type a construct file exports (image pins included); its functions are helpers", () => {
    const inConstructs = [...sourceExports()]
      .filter(([, { file, kind }]) => file.startsWith("constructs/") && file !== "constructs/index.ts" && kind !== "function")
      .map(([name]) => name);
    expect(inConstructs.length).toBeGreaterThan(20);
    expect(unexported(inConstructs)).toEqual([]);
  });

  test("exports every name of ours that the README shows as code: imports from the package, `new X(`, a lone `name`", () => {
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);
    const imported = blocks.flatMap((block) => [...block.matchAll(/import \{([^}]*)\} from "dockhost"/g)].flatMap((m) => m[1].split(",").map((n) => n.trim())));
    const constructed = blocks.flatMap((block) => [...block.matchAll(/\bnew ([A-Z]\w*)\(/g)].map((m) => m[1]));
    const inline = [...readme.replace(/```[\s\S]*?```/g, "").matchAll(/`([A-Za-z_]\w*)(?:\(\))?`/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(5);
    expect(inline).toEqual(expect.arrayContaining(["MONITORING_POLICY_SUPPRESSIONS", "DockhostVm"]));
    // What the README imports from the package must exist, ours or not.
    const exported = new Set(reExports().flatMap((e) => e.names));
    expect(imported.filter((name) => !exported.has(name))).toEqual([]);
    expect(unexported([...constructed, ...inline])).toEqual([]);
  });
});
