/**
 * Imports a compose file into a {@link StackSpec}: interpolation from an explicit variable map,
 * both syntaxes of each key, and an error for every key the model cannot represent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { isCollection, isMap, isScalar, LineCounter, Node, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import { invalid, throwProblems } from "../errors";
import { ComposeReader, Field } from "./compose-reader";
import { readService, ReadService } from "./import-service";
import { BACKUP_KEY, NetworkSpec, NO_BACKUP_REASON_KEY, SIZE_BUDGET_KEY, StackSpec, VolumeSpec } from "./service";
import { validateStackSpec } from "./validate";

/** What {@link parseComposeYaml} needs besides the text. */
export interface ComposeImportOptions {
  /** Names the file in error messages (`compose file <source>: ...`), e.g. its path. */
  readonly source: string;
  /**
   * Values for `${VAR}` references. The process environment is never read, so a synth gives the
   * same result in every shell.
   */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Folder of the compose file on this machine: `env_file`, build contexts and the sources of
   * relative binds are read there.
   * @default - none: a file that needs them is refused
   */
  readonly baseDir?: string;
  /**
   * Active profiles (compose `--profile`): services with `profiles` run only when one is active.
   * @default - none: only services without profiles
   */
  readonly profiles?: readonly string[];
  /**
   * Project name when the file has no `name` (it names images built without `image`).
   * @default "compose"
   */
  readonly projectName?: string;
}

/** The result of an import. */
export interface ImportedCompose {
  /** The compose `name` (project name), when the file sets one. */
  readonly name?: string;
  /** The stack the file describes, already checked with {@link validateStackSpec}. */
  readonly spec: StackSpec;
  /** Files to upload into each service's container, by service and container path. */
  readonly files: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** What the import did that the user should know, one line each. */
  readonly warnings: readonly string[];
}

const TOP_LEVEL_KEYS = ["version", "name", "services", "volumes", "networks"];
const TOP_LEVEL_HINTS: Readonly<Record<string, string>> = {
  secrets: "pass each secret to ComposeStack.fromFile's secrets option (NAME_FILE lands in /run/secrets), or run `dockhost import`",
  configs: "mount the file with a bind mount, or bake it into the image",
  include: "import each file on its own",
};
/** Compose v2's rule for project names. */
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** The drivers that create what the model describes; any other would be silently replaced. */
const DEFAULT_VOLUME_DRIVER = "local";
const DEFAULT_NETWORK_DRIVER = "bridge";

/**
 * Parses compose YAML into a stack. Errors start with `compose file <source>` and name the key:
 * compose keys for what the model cannot hold, model keys (`services.db.ports[1].hostPort`) for
 * values the stack checks refuse. Every problem of the file is reported in one throw
 * ({@link DockhostInputErrors} when there are several). `version` is ignored (compose ignores it
 * too), and so are top-level `x-` keys, which hold YAML anchors used elsewhere in the file.
 */
export function parseComposeYaml(text: string, options: ComposeImportOptions): ImportedCompose {
  const path = `compose file ${options.source}`;
  const reader = new ComposeReader(path, options.variables);
  const top = reader.fields({ key: "", value: parseYaml(text, path) }, TOP_LEVEL_KEYS, TOP_LEVEL_HINTS, "ignore");
  if (top.services === undefined)
    invalid({ path, key: "services", value: undefined, allowed: "a mapping of services" });
  const name = top.name && reader.attempt(() => readProjectName(reader, top.name!));
  const active = activeServices(reader, top.services, options.profiles ?? []);
  const read: Record<string, ReadService> = {};
  for (const [service, field] of Object.entries(active)) {
    read[service] = readService(reader, field, {
      name: service,
      projectName: name ?? options.projectName ?? "compose",
      baseDir: options.baseDir,
      variables: options.variables,
    });
  }
  const spec: StackSpec = {
    services: withAliases(read),
    volumes: top.volumes && reader.attempt(() => mapEntries(reader, top.volumes!, (volume) => readVolume(reader, volume))),
    networks: top.networks && reader.attempt(() => mapEntries(reader, top.networks!, (network) => readNetwork(reader, network))),
  };
  validateStackSpec({ path, report: (problem) => reader.problems.push(problem) }, spec);
  throwProblems(reader.problems);
  const files = Object.fromEntries(Object.entries(read).filter(([, r]) => Object.keys(r.files).length > 0).map(([service, r]) => [service, r.files]));
  return { name, spec, files, warnings: reader.warnings };
}

/**
 * The services that `docker compose up` with these profiles starts: those without `profiles`,
 * and those with an active one. A started service that depends on one left out is a problem.
 */
function activeServices(reader: ComposeReader, services: Field, profiles: readonly string[]): Record<string, Field> {
  const all = reader.entries(services);
  const profilesOf = (field: Field): string[] => {
    const entry = typeof field.value === "object" && field.value !== null ? (field.value as Record<string, unknown>).profiles : undefined;
    return entry === undefined ? [] : reader.attempt(() => reader.strings(reader.child(field, "profiles", entry))) ?? [];
  };
  const inactive = new Map<string, string[]>();
  for (const [name, field] of Object.entries(all)) {
    const own = profilesOf(field);
    if (own.length > 0 && !own.some((p) => profiles.includes(p))) inactive.set(name, own);
  }
  const active = Object.fromEntries(Object.entries(all).filter(([name]) => !inactive.has(name)));
  for (const field of Object.values(active)) {
    const dependsOn = typeof field.value === "object" && field.value !== null ? (field.value as Record<string, unknown>).depends_on : undefined;
    const needed = Array.isArray(dependsOn) ? dependsOn.map(String) : Object.keys(dependsOn ?? {});
    for (const dependency of needed.filter((d) => inactive.has(d))) {
      reader.attempt(() =>
        reader.fail(reader.child(field, "depends_on", dependency), `a service that runs: ${dependency} needs profile ${inactive.get(dependency)!.join(" or ")} (pass it in profiles)`),
      );
    }
  }
  return active;
}

/** Aliases from the networks' long syntax and from other services' `links: [svc:alias]`. */
function withAliases(read: Readonly<Record<string, ReadService>>): Record<string, StackSpec["services"][string]> {
  const aliases = new Map<string, Set<string>>(Object.keys(read).map((name) => [name, new Set(read[name].aliases)]));
  for (const { links } of Object.values(read)) {
    for (const [service, alias] of links) if (alias !== service) aliases.get(service)?.add(alias);
  }
  return Object.fromEntries(
    Object.entries(read).map(([name, { spec }]) => {
      const extra = [...(aliases.get(name) ?? [])].filter((alias) => alias !== name);
      return [name, extra.length > 0 ? { ...spec, aliases: extra } : spec];
    }),
  );
}

/**
 * The variables `docker compose up` in `baseDir` would interpolate with: `.env` there (compose's
 * default env file), overridden by `given` (the process environment is never read).
 */
export function projectVariables<T>(baseDir: string, given: Readonly<Record<string, T>> = {}): Record<string, string | T> {
  const dotenv = path.join(baseDir, ".env");
  return { ...(fs.existsSync(dotenv) ? parseDotenv(fs.readFileSync(dotenv, "utf8")) : {}), ...given };
}

/** Larger files are refused before parsing: a compose file of many megabytes is a mistake or an attack. */
export const MAX_COMPOSE_BYTES = 16 * 1024 * 1024;
/** Deeper nesting is refused: compose files nest a handful of levels, and deep input costs stack. */
export const MAX_COMPOSE_DEPTH = 64;
/** Alias expansions allowed per document (yaml's own default, stated): stops "billion laughs". */
const MAX_ALIAS_COUNT = 100;

/**
 * One YAML document, with merge keys (`<<: *anchor`) as compose allows them. Hostile input (a huge
 * file, deep nesting, alias bombs) fails fast, naming the file and never echoing its content.
 */
function parseYaml(text: string, path: string): unknown {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_COMPOSE_BYTES) invalid({ path, key: "(file)", value: `${bytes} bytes`, allowed: `a compose file of at most ${MAX_COMPOSE_BYTES} bytes` });
  const lines = new LineCounter();
  // yaml's own duplicate-key check compares each key with every earlier one (quadratic in a
  // mapping's size: 50k environment keys took over a minute); checkDocument does it in one pass.
  // prettyErrors off: yaml would quote the offending source line, which may hold a secret.
  const document = parseDocument(text, { merge: true, uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0]);
    invalid({ path, key: "(YAML)", value: `line ${line}, column ${col}`, allowed: `valid YAML (${error.code}: ${error.message.split("\n")[0].slice(0, 120)})` });
  }
  checkDocument(document.contents, path, lines);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    if (!(e instanceof ReferenceError)) throw e;
    invalid({ path, key: "(YAML)", value: "aliases", allowed: `at most ${MAX_ALIAS_COUNT} alias expansions (${e.message})` });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid({ path, key: "(document)", value: typeof value, allowed: "a mapping with services" });
  }
  return value;
}

/** Nesting depth and duplicate mapping keys, in one iterative walk (no recursion on deep input). */
function checkDocument(root: Node | null, path: string, lines: LineCounter): void {
  const where = (node: Node) => {
    const { line, col } = lines.linePos(node.range?.[0] ?? 0);
    return `line ${line}, column ${col}`;
  };
  const pending: Array<{ node: YAMLMap | YAMLSeq; depth: number }> = [];
  const visit = (node: unknown, depth: number) => {
    if (!isCollection(node)) return;
    if (depth > MAX_COMPOSE_DEPTH) invalid({ path, key: "(YAML)", value: where(node), allowed: `nesting at most ${MAX_COMPOSE_DEPTH} levels deep` });
    pending.push({ node, depth });
  };
  visit(root, 1);
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (!isMap(node)) {
      for (const item of node.items) visit(item, depth + 1);
      continue;
    }
    const seen = new Set<unknown>();
    for (const { key, value } of node.items) {
      // `<<` merge keys may repeat; compose itself refuses any other repeated key.
      if (isScalar(key) && key.value !== "<<") {
        if (seen.has(key.value)) invalid({ path, key: "(YAML)", value: where(key), allowed: "each key once per mapping (this one is repeated)" });
        seen.add(key.value);
      }
      visit(key, depth + 1);
      visit(value, depth + 1);
    }
  }
}

function mapEntries<T>(reader: ComposeReader, field: Field, read: (entry: Field) => T): Record<string, T> {
  return Object.fromEntries(
    Object.entries(reader.entries(field)).flatMap(([name, entry]) => {
      const value = reader.attempt(() => read(entry));
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

function readVolume(reader: ComposeReader, field: Field): VolumeSpec {
  const f = reader.fields(field, ["external", "driver", SIZE_BUDGET_KEY, BACKUP_KEY, NO_BACKUP_REASON_KEY], {
    name: "the key is the volume's name",
    driver_opts: "mount network shares on the Docker host and bind-mount them",
  });
  if (f.driver !== undefined) readDefaultDriver(reader, f.driver, DEFAULT_VOLUME_DRIVER);
  return {
    external: f.external && readExternal(reader, f.external),
    sizeBudgetGb: f[SIZE_BUDGET_KEY] && reader.number(f[SIZE_BUDGET_KEY]),
    backup: f[BACKUP_KEY] && reader.boolean(f[BACKUP_KEY]),
    noBackupReason: f[NO_BACKUP_REASON_KEY] && reader.string(f[NO_BACKUP_REASON_KEY]),
  };
}

/** A network; `name:` (or the old `external: { name }`) names it on the host, as a network shared with another project. */
function readNetwork(reader: ComposeReader, field: Field): NetworkSpec {
  const f = reader.fields(field, ["external", "internal", "driver", "name", "attachable"], {
    ipam: "let Docker pick the subnet from the daemon's address pools",
    driver_opts: "the default bridge options",
    enable_ipv6: "IPv4 networks (published ports listen on IPv6 too)",
  });
  if (f.driver !== undefined) readDefaultDriver(reader, f.driver, DEFAULT_NETWORK_DRIVER);
  // attachable only matters to Swarm overlay networks; a bridge network is always attachable.
  if (f.attachable !== undefined) reader.boolean(f.attachable);
  const oldExternal = typeof f.external?.value === "object" && f.external.value !== null ? reader.fields(f.external, ["name"]) : undefined;
  return dropUndefined({
    name: f.name ? reader.string(f.name) : oldExternal?.name && reader.string(oldExternal.name),
    external: oldExternal !== undefined ? true : f.external && reader.boolean(f.external),
    internal: f.internal && reader.boolean(f.internal),
  });
}

/** `external: true`; the old `external: { name }` form would rename the object, which the model cannot. */
function readExternal(reader: ComposeReader, field: Field): boolean {
  return typeof field.value === "object" && field.value !== null
    ? reader.unsupported(field, "use external: true and the existing name as the key")
    : reader.boolean(field);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function readDefaultDriver(reader: ComposeReader, field: Field, driver: string): void {
  if (reader.string(field) !== driver) reader.unsupported(field, `only the default driver, ${driver}`);
}

function readProjectName(reader: ComposeReader, field: Field): string {
  const name = reader.string(field);
  return PROJECT_NAME.test(name)
    ? name
    : reader.fail(field, "a project name of lowercase letters, digits, '-' and '_', starting with a letter or digit");
}
