/**
 * Imports a compose file into a {@link StackSpec}: interpolation from an explicit variable map,
 * both syntaxes of each key, and an error for every key the model cannot represent.
 */
import { parseDocument } from "yaml";
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

/** One YAML document, with merge keys (`<<: *anchor`) as compose allows them. */
function parseYaml(text: string, path: string): unknown {
  const document = parseDocument(text, { merge: true });
  const [error] = document.errors;
  if (error !== undefined) invalid({ path, key: "(YAML)", value: error.code, allowed: `valid YAML: ${error.message}` });
  const value: unknown = document.toJS();
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid({ path, key: "(document)", value, allowed: "a mapping with services" });
  }
  return value;
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
