/**
 * The scaffold's main.ts, checked in process against this repository's own entry point (the slow
 * packed-tarball install and cdktf synth is init.test.ts): it type-checks with `dockhost` resolved
 * to constructs/index.ts, synthesizes, and builds its VMs, proxies, backups and monitoring exactly
 * as main.ts does (both call buildHomelabFoundation), so the two cannot drift.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { initFiles } from "../../lib/cli/init-files";
import { packageInfo } from "../../lib/cli/package-info";
import { buildReferenceHomelab, SETTINGS } from "../../main";
import { synthAll, tempDir, testApp } from "../support/synth";

const REPO = path.resolve(__dirname, "..", "..");
const MAIN_TS = initFiles(packageInfo(), "my-homelab")["main.ts"];

/** The scaffold's main.ts as a module, `dockhost` being this repository's entry point. */
function loadScaffold(): { buildHomelab: (app: unknown, settings?: unknown) => unknown; SETTINGS: unknown } {
  const js = ts.transpileModule(MAIN_TS, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const module = { exports: {} as any };
  const load = (id: string): unknown => (id === "dockhost" ? require("../../constructs/index") : require(id));
  new Function("require", "module", "exports", js)(load, module, module.exports);
  return module.exports;
}

describe("the scaffold's main.ts against this repository", () => {
  test("type-checks with dockhost resolved to constructs/index.ts", () => {
    const dir = tempDir("scaffold-tsc");
    const file = path.join(dir, "main.ts");
    fs.writeFileSync(file, MAIN_TS);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      paths: { dockhost: [path.join(REPO, "constructs", "index.ts")] },
      typeRoots: [path.join(REPO, "node_modules", "@types")],
      types: ["node"],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  }, 120_000);

  test("synthesizes its app, and its VMs, proxies, backups and monitoring are main.ts's", () => {
    const scaffold = loadScaffold();
    const stacks = synthAll(scaffold.buildHomelab(testApp(), SETTINGS) as any);
    expect(Object.keys(stacks["dockhost-apps"].resource.docker_container)).toEqual(expect.arrayContaining(["whoami_web", "proxy_traefik", "backup_backup", "monitoring_prometheus"]));
    const reference = synthAll(buildReferenceHomelab(testApp(), SETTINGS).app);
    // The infra stack is the builder's alone: the same resources and variables (only the
    // capacity floors differ: they count the apps).
    const addresses = (stack: any) => Object.entries<any>(stack.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)).sort();
    expect(addresses(stacks["dockhost-infra"])).toEqual(addresses(reference["dockhost-infra"]));
    expect(Object.keys(stacks["dockhost-infra"].variable).sort()).toEqual(Object.keys(reference["dockhost-infra"].variable).sort());
    expect(stacks["dockhost-infra"].resource.proxmox_virtual_environment_vm).toEqual(reference["dockhost-infra"].resource.proxmox_virtual_environment_vm);
    // In the apps stack, everything but the apps themselves is the same.
    const apps = (stack: any) => Object.keys(stack.resource.docker_container).filter((name) => !/^(whoami|app|nextcloud)_/.test(name)).sort();
    expect(apps(stacks["dockhost-apps"])).toEqual(apps(reference["dockhost-apps"]));
    expect(apps(stacks["dockhost-apps"]).length).toBeGreaterThan(5);
    expect(Object.keys(stacks["dockhost-apps"].variable).sort()).toEqual(["acme_email", "domain", "grafana_admin_password"]);
  });
});
