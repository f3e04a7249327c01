/**
 * Imports a compose file into a {@link StackSpec}: interpolation from an explicit variable map,
 * both syntaxes of each key, and an error for every key the model cannot represent.
 */
import { isCollection, isMap, isScalar, LineCounter, Node, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import { invalid } from "../errors";
import { ComposeReader, Field } from "./compose-reader";
import { readService } from "./import-service";
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
}

/** The result of an import. */
export interface ImportedCompose {
  /** The compose `name` (project name), when the file sets one. */
  readonly name?: string;
  /** The stack the file describes, already checked with {@link validateStackSpec}. */
  readonly spec: StackSpec;
}

const TOP_LEVEL_KEYS = ["version", "name", "services", "volumes", "networks"];
const TOP_LEVEL_HINTS: Readonly<Record<string, string>> = {
  secrets: "give secrets to the ComposeStack as secretEnvironment",
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
 * values the stack checks refuse. `version` is ignored (compose ignores it too), and so are
 * top-level `x-` keys, which hold YAML anchors used elsewhere in the file.
 */
export function parseComposeYaml(text: string, options: ComposeImportOptions): ImportedCompose {
  const path = `compose file ${options.source}`;
  const reader = new ComposeReader(path, options.variables);
  const top = reader.fields({ key: "", value: parseYaml(text, path) }, TOP_LEVEL_KEYS, TOP_LEVEL_HINTS, "ignore");
  if (top.services === undefined)
    invalid({ path, key: "services", value: undefined, allowed: "a mapping of services" });

  const spec: StackSpec = {
    services: mapEntries(reader, top.services, (service) => readService(reader, service)),
    volumes: top.volumes && mapEntries(reader, top.volumes, (volume) => readVolume(reader, volume)),
    networks: top.networks && mapEntries(reader, top.networks, (network) => readNetwork(reader, network)),
  };
  validateStackSpec({ path }, spec);
  return { name: top.name && readProjectName(reader, top.name), spec };
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
  return Object.fromEntries(Object.entries(reader.entries(field)).map(([name, entry]) => [name, read(entry)]));
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

function readNetwork(reader: ComposeReader, field: Field): NetworkSpec {
  const f = reader.fields(field, ["external", "internal", "driver"], { name: "the key is the network's name" });
  if (f.driver !== undefined) readDefaultDriver(reader, f.driver, DEFAULT_NETWORK_DRIVER);
  return {
    external: f.external && readExternal(reader, f.external),
    internal: f.internal && reader.boolean(f.internal),
  };
}

/** `external: true`; the old `external: { name }` form would rename the object, which the model cannot. */
function readExternal(reader: ComposeReader, field: Field): boolean {
  return typeof field.value === "object" && field.value !== null
    ? reader.unsupported(field, "use external: true and the existing name as the key")
    : reader.boolean(field);
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
