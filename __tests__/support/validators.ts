/**
 * Real validators for tests: JSON schemas from lib/schemas/json with Ajv,
 * and command-line tools run on a temporary file. A test that runs a tool declares it with
 * `needs(...)` (requirements.js): without the tool it skips locally and fails in CI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import { readSchemaJson } from "./schemas";

/** compose-spec.json declares this `$schema`, which Ajv only knows as draft-07 under another URL. */
const COMPOSE_SPEC_META_SCHEMA = "https://json-schema.org/draft-07/schema";

/** A validator for the Compose Specification (`compose-spec.json`). */
export function composeSpecValidator(): ValidateFunction {
  // The schema uses union types and untyped `additionalProperties`, which Ajv's strictTypes would log.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  // The very object Ajv loaded as its own draft-07 (a parsed copy would clash on its $id).
  ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-07.json") as object, COMPOSE_SPEC_META_SCHEMA);
  return ajv.compile(readSchemaJson("json", "compose-spec.json"));
}

/** Ajv's errors as one readable line per problem, for assertion messages. */
export function describeSchemaErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}`).join("\n");
}

/** What a validator printed and how it exited. */
export interface ValidatorResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runValidator}. */
export interface ValidatorOptions {
  /**
   * Name of the temporary file; some tools look at the extension.
   * @default "input"
   */
  readonly fileName?: string;
  /**
   * Variables added to the tool's environment.
   * @default - none beyond this process's
   */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Writes `fileContent` to a file in a fresh temporary directory (also the tool's working directory),
 * runs `command` with the arguments `args(file)` returns, and removes the directory. Throws when
 * the tool is not installed (a test that forgot `needs(...)`): it fails instead of passing vacuously.
 */
export function runValidator(
  command: string,
  args: (file: string) => readonly string[],
  fileContent: string,
  options: ValidatorOptions = {},
): ValidatorResult {
  const dir = mkdtempSync(join(tmpdir(), "dockhost-validator-"));
  try {
    const file = join(dir, options.fileName ?? "input");
    writeFileSync(file, fileContent);
    const run = spawnSync(command, args(file), {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, ...options.env },
      timeout: 60_000,
    });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
      throw new Error(`validator ${command} is not installed (not on PATH): declare it with needs() (support/requirements.js), or install it (.ci/run does)`);
    }
    if (run.error !== undefined) throw run.error;
    return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** shellcheck on a POSIX sh script; returns its findings (empty when clean). */
export function shellcheck(script: string): string {
  const result = runValidator("shellcheck", (file) => ["-s", "sh", "-f", "gcc", file], script, { fileName: "script.sh" });
  return result.code === 0 ? "" : result.stdout + result.stderr;
}

/** Debian's cloud-init schema validator on a user-data document. */
export function cloudInitSchema(userData: string): ValidatorResult {
  return runValidator("cloud-init", (file) => ["schema", "-c", file], userData, { fileName: "user-data.yaml" });
}

/** `docker-compose -f FILE config` (1.29 here), with `-q` unless the normalised file is wanted on stdout. */
export function dockerComposeConfig(
  yaml: string,
  options: { quiet?: boolean; env?: Readonly<Record<string, string>> } = {},
): ValidatorResult {
  const quiet = options.quiet ?? true;
  return runValidator("docker-compose", (file) => ["-f", file, "config", ...(quiet ? ["-q"] : [])], yaml, {
    fileName: "docker-compose.yml",
    env: options.env,
  });
}

/** Validators for Traefik v3's static configuration and its file-provider (dynamic) configuration. */
export function traefikValidators(): { readonly staticConfig: ValidateFunction; readonly dynamicConfig: ValidateFunction } {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return {
    staticConfig: ajv.compile(readSchemaJson("json", "traefik-v3.json")),
    dynamicConfig: ajv.compile(readSchemaJson("json", "traefik-v3-file-provider.json")),
  };
}

/** yamllint (relaxed rules) on a YAML document; returns its findings (empty when clean). */
export function yamllint(yaml: string): string {
  const result = runValidator("yamllint", (file) => ["-d", "relaxed", "-f", "parsable", file], yaml, { fileName: "input.yml" });
  return result.code === 0 && result.stdout.trim() === "" ? "" : result.stdout + result.stderr;
}

/** Writes `files` (name to content) into the directory of `file`, where relative references from it resolve. */
function writeBeside(file: string, files: Readonly<Record<string, string>>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(file, "..", name), content);
}

/**
 * `promtool check config` on a prometheus.yml. promtool also loads the rule files the config
 * names, so `ruleFiles` (file name to content) are written beside it, where relative names resolve.
 */
export function promtoolCheckConfig(config: string, ruleFiles: Readonly<Record<string, string>> = {}): ValidatorResult {
  return runValidator(
    "promtool",
    (file) => {
      writeBeside(file, ruleFiles);
      return ["check", "config", file];
    },
    config,
    { fileName: "prometheus.yml" },
  );
}

/** `promtool check rules` on a Prometheus rule file. */
export function promtoolCheckRules(rules: string): ValidatorResult {
  return runValidator("promtool", (file) => ["check", "rules", file], rules, { fileName: "rules.yml" });
}

/** `promtool test rules` on a rule unit-test file, with the rule files it names written beside it. */
export function promtoolTestRules(tests: string, ruleFiles: Readonly<Record<string, string>>): ValidatorResult {
  return runValidator(
    "promtool",
    (file) => {
      writeBeside(file, ruleFiles);
      return ["test", "rules", file];
    },
    tests,
    { fileName: "rules.test.yml" },
  );
}
