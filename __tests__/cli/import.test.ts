/**
 * `dockhost import` on every corpus file: the generated TypeScript type-checks (tsc) and, without
 * reading the compose file, synthesizes the same containers, images, networks and volumes as
 * ComposeStack.fromFile on the same input (secrets compared through their tfvars values).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { ComposeStack } from "../../constructs/compose-stack";
import { command } from "../../lib/cli/commands/import";
import { CliIo } from "../../lib/cli/command";
import { buildReferenceHomelab } from "../../main";
import { COMPOSE_FIXTURE_DIR, COMPOSE_FIXTURES, FIXTURE_VARIABLES } from "../support/compose-fixtures";
import { synthAll, tempDir } from "../support/synth";

const ROOT = path.resolve(__dirname, "../..");
// Inside the repository (git-ignored .gen), so that the generated code resolves `constructs` and
// cdktf from node_modules, and Jest transforms it.
fs.mkdirSync(path.join(ROOT, ".gen"), { recursive: true });
const OUT = fs.mkdtempSync(path.join(ROOT, ".gen", "import-test-"));
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), cwd: OUT, env: {} };
}

const stackNameOf = (file: string) => `g-${path.basename(file, ".yml")}`;
const variableArgs = Object.entries(FIXTURE_VARIABLES).flatMap(([k, v]) => ["--var", `${k}=${v}`]);

/** Terraform's view of the values: `${var.x}` replaced from the tfvars, build contexts made absolute. */
function resolve(json: any, stackDir: string, tfvars: Record<string, string>, SOURCE = ""): any {
  // Variable defaults (the values the import was given) and the secrets' tfvars.
  const values: Record<string, string> = { ...Object.fromEntries(Object.entries<any>(json.variable ?? {}).filter(([, v]) => typeof v.default === "string").map(([id, v]) => [id, v.default])), ...tfvars };
  const text = JSON.stringify(json.resource ?? {}, (_, v) =>
    typeof v === "string" ? v.replace(/\$\{var\.([a-z0-9_]+)\}/g, (m, id) => values[id] ?? m).replace(/\$\{path\.module\}\/([^"}]*)/g, (_m, rel) => (SOURCE ? path.resolve(stackDir, rel).replace(SOURCE, COMPOSE_FIXTURE_DIR) : path.resolve(stackDir, rel))) : v,
  );
  const resources = JSON.parse(text);
  return Object.fromEntries(["docker_container", "docker_image", "docker_network", "docker_volume"].map((type) => [type, resources[type]]));
}

describe("dockhost import on the corpus", () => {
  const generated: Record<string, string> = {};
  const reports: Record<string, string[]> = {};
  const tfvars: Record<string, string> = {};

  // The import reads a copy of the corpus, deleted before the generated code runs: that code
  // cannot read the compose file (build contexts stay: Terraform sends them at apply).
  const SOURCE = path.join(OUT, "source");
  beforeAll(async () => {
    fs.cpSync(COMPOSE_FIXTURE_DIR, SOURCE, { recursive: true });
    for (const file of COMPOSE_FIXTURES) {
      const cli = io();
      const code = await command.run([path.join(SOURCE, file), "--out", OUT, "--name", stackNameOf(file), "--from", path.join(ROOT, "constructs"), ...variableArgs], cli);
      if (code !== 0) throw new Error(`${file}: ${cli.errors.join("\n")}`);
      reports[file] = cli.errors;
      generated[file] = path.join(OUT, `${stackNameOf(file)}.ts`);
      const vars = path.join(OUT, `${stackNameOf(file)}.secrets.tfvars`);
      if (fs.existsSync(vars)) {
        for (const line of fs.readFileSync(vars, "utf8").trim().split("\n")) {
          const [id, value] = [line.slice(0, line.indexOf(" = ")), line.slice(line.indexOf(" = ") + 3)];
          tfvars[id] = JSON.parse(value).replaceAll("$${", "${").replaceAll("%%{", "%{");
        }
      }
    }
    for (const entry of fs.readdirSync(SOURCE)) if (entry !== "mastodon-build") fs.rmSync(path.join(SOURCE, entry), { recursive: true });
  });

  test("the generated code type-checks (tsc --strict)", () => {
    const tsconfig = path.join(OUT, "tsconfig.json");
    fs.writeFileSync(tsconfig, JSON.stringify({ extends: path.join(ROOT, "tsconfig.json"), compilerOptions: { noEmit: true, rootDir: ROOT }, include: [], files: Object.values(generated) }));
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", tsconfig], { encoding: "utf8", cwd: ROOT });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("variables the file uses stay Terraform variables where they land in text; secret ones are Secrets", () => {
    const code = fs.readFileSync(generated["authentik.yml"], "utf8");
    // ${PG_PASS} is a password: a Secret, referenced in the server's environment and given to postgres as a secret.
    expect(code).toContain('g_authentik_pg_pass: new Secret(scope, "g_authentik_pg_pass"');
    expect(code).toContain("AUTHENTIK_POSTGRESQL__PASSWORD: secrets.g_authentik_pg_pass");
    const plausible = fs.readFileSync(generated["plausible.yml"], "utf8");
    // ${DOMAIN} lands in text: a TerraformVariable whose default is the value given.
    expect(plausible).toContain('g_plausible_domain: new TerraformVariable(scope, "g_plausible_domain", { type: "string", default: "home.arpa"');
    expect(plausible).toContain("BASE_URL: `https://plausible.${variables.g_plausible_domain.stringValue}`");
  });

  test("the report lists the policy findings of the stack the code describes, with file, service and key", () => {
    const report = reports["authentik.yml"].filter((line) => line.startsWith("policy "));
    const source = path.join(SOURCE, "authentik.yml");
    expect(report).toContain(`policy error DH-DOCKER-SOCKET: ${source}: services.worker.volumes[0]: mounts /var/run/docker.sock; reach Docker through a socket proxy`);
    // authentik's own UI on 9000/9443 is not Portainer; its secrets are Secrets in the code, so no literal is flagged.
    expect(report.filter((line) => /DH-PUBLISHED-SENSITIVE-PORT|DH-SECRET-LITERAL/.test(line))).toEqual([]);
    // A database published on every interface is: judged by the image and the container port.
    expect(reports["pihole.yml"].filter((line) => line.includes("DH-PUBLISHED-SENSITIVE-PORT"))).toEqual([]);
    expect(Object.values(reports).flat().filter((line) => line.includes("DH-SECRET-LITERAL"))).toEqual([]);
  });

  test("secrets go to a git-ignored tfvars file, never into the code", () => {
    expect(fs.readFileSync(path.join(OUT, ".gitignore"), "utf8")).toContain("*.secrets.tfvars");
    const all = Object.values(generated).map((f) => fs.readFileSync(f, "utf8")).join("\n");
    expect(Object.keys(tfvars).length).toBeGreaterThan(20);
    // From env files (paperless.env's Django key, immich.env's password, authentik's key) and variables.
    for (const id of ["g_paperless_webserver_paperless_secret_key", "g_immich_immich_server_db_password", "g_authentik_server_authentik_secret_key", "g_vaultwarden_vaultwarden_admin_token", "g_authentik_pg_pass"]) {
      expect(tfvars[id]).toBeDefined();
      expect(all).not.toContain(tfvars[id]);
      expect(all).toContain(`secrets.${id}`);
    }
  });

  it.each(COMPOSE_FIXTURES)("%s: the generated code synthesizes what fromFile does", (file) => {
    const fromFile = new App({ outdir: tempDir("from-file"), stackTraces: false });
    const a = buildReferenceHomelab(fromFile);
    ComposeStack.fromFile(a.apps, stackNameOf(file), path.join(COMPOSE_FIXTURE_DIR, file), { engine: a.engine, variables: FIXTURE_VARIABLES, stackName: stackNameOf(file) });
    const fromCode = new App({ outdir: tempDir("from-code"), stackTraces: false });
    const b = buildReferenceHomelab(fromCode);
    const module = require(generated[file]);
    const build = Object.values<any>(module)[0];
    build(b.apps, b.engine);
    const expected = resolve(synthAll(fromFile)["dockhost-apps"], path.join(fromFile.outdir, "stacks", "dockhost-apps"), {});
    const actual = resolve(synthAll(fromCode)["dockhost-apps"], path.join(fromCode.outdir, "stacks", "dockhost-apps"), tfvars, SOURCE);
    const sortEnv = (r: any) => Object.fromEntries(Object.entries<any>(r.docker_container).map(([k, c]) => [k, { ...c, env: c.env && [...c.env].sort() }]));
    expect(sortEnv(actual)).toEqual(sortEnv(expected));
    expect(actual.docker_image).toEqual(expected.docker_image);
    expect(actual.docker_network).toEqual(expected.docker_network);
    expect(actual.docker_volume).toEqual(expected.docker_volume);
  });

  test("a file with problems: every one reported at once, with file, service, key and fix; nothing written", async () => {
    const bad = path.join(OUT, "bad.yml");
    fs.writeFileSync(bad, ["services:", "  web:", "    image: nginx:1.27", "    cgroup: host", "    ports: ['99999:80']", "    entrypoint: []", "  db:", "    image: postgres:16", "    healthcheck: { interval: 10s }", "    depends_on: [cache]", "  cache:", "    image: redis:7", "    profiles: [extra]"].join("\n"));
    const cli = io();
    expect(await command.run([bad, "--out", path.join(OUT, "bad")], cli)).toBe(1);
    expect(fs.existsSync(path.join(OUT, "bad"))).toBe(false);
    expect(cli.errors[0]).toBe(`${bad}: 6 problems; nothing written`);
    const problems = cli.errors.slice(1);
    expect(problems.every((p) => p.startsWith(`- compose file ${bad}: invalid services.`))).toBe(true);
    for (const expected of [
      /services\.db\.depends_on = "cache"; a service that runs: cache needs profile extra/,
      /services\.web\.cgroup = "host"; not supported/,
      /services\.web\.entrypoint = \[\]; with entrypoint: \[\], a command/,
      /services\.db\.healthcheck = \{"interval":"10s"\}; a healthcheck with a test/,
      /services\.web\.ports\[0\]\.hostPort = 99999; a whole number from 1 to 65535/,
      /services\.db\.dependsOn = "cache"; the name of a service of this stack/,
    ]) expect(problems.join("\n")).toMatch(expected);
  });
});
