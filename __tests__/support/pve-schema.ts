/**
 * Validates Proxmox API answers against the official API schema (pve-docs apidata.js, kept in
 * __tests__/fixtures/proxmox-api, see its SOURCES.md). Proxmox's schema dialect is translated to
 * JSON Schema for ajv as pve-common's PVE::JSONSchema applies it (src/PVE/JSONSchema.pm):
 * - a property is required unless `optional` (check_prop);
 * - a `boolean` is 0 or 1 (or a JSON boolean) (check_type);
 * - extra properties are refused only where `additionalProperties` is 0 (check_object);
 * - `scsi[n]`-style keys of the API viewer stand for scsi0, scsi1, ...;
 * - `pattern` matches the whole value (`^pattern$`), in Perl syntax;
 * - a `format` object is a property string `key=value,...` (parse_property_string: unknown keys
 *   refused, the default_key's value may come without a key, alias/keyAlias as in `virtio=MAC`);
 *   the named formats the answers
 *   here use are checked (pve-node, pve-vmid, pve-storage-id, disk-size, pve-configid,
 *   pve-bridge-id, their -list forms); other named formats are not.
 */
import Ajv, { ValidateFunction } from "ajv";
import * as path from "path";

type PveSchema = Record<string, any>;

const APIDOC: Record<string, { GET: { returns: PveSchema; parameters?: PveSchema; permissions?: { check?: unknown[]; user?: string } } }> = require(path.join(__dirname, "..", "fixtures", "proxmox-api", "apidoc-subset.json"));

/** Perl regex syntax the schema uses, in JavaScript's: `(?^:` and atomic `(?>` groups become `(?:`. */
function jsPattern(pattern: string): string {
  return pattern.replace(/\(\?\^:/g, "(?:").replace(/\(\?>/g, "(?:");
}

// pve-common JSONSchema.pm: parse_id (pve-storage-id), pve_verify_vmid, pve_verify_node_name,
// parse_size (disk-size), $CONFIGID_RE (pve-configid), parse_bridge_id.
const NAMED_FORMATS: Record<string, RegExp> = {
  "pve-storage-id": /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i,
  "pve-vmid": /^[1-9][0-9]{2,8}$/,
  "pve-node": /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/,
  "disk-size": /^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/,
  "pve-configid": /^[a-z][a-z0-9_-]+$/i,
  "pve-bridge-id": /^[-_.\w\d]+$/,
};

/** Errors of a scalar (as text, the way Perl sees it) against a PVE schema; [] when valid. */
function scalarErrors(value: string, schema: PveSchema, where: string): string[] {
  const type = schema.type;
  if (type === "integer" && !/^[+-]?\d+$/.test(value)) return [`${where}: "${value}" is not an integer`];
  if (type === "number" && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return [`${where}: "${value}" is not a number`];
  if (type === "boolean" && !/^(0|1|true|false|yes|no|on|off)$/i.test(value)) return [`${where}: "${value}" is not a boolean`];
  const errors: string[] = [];
  if (schema.enum && !schema.enum.map(String).includes(value)) errors.push(`${where}: "${value}" is not one of ${schema.enum.join(", ")}`);
  if (schema.pattern && !new RegExp(`^(?:${jsPattern(schema.pattern)})$`).test(value)) errors.push(`${where}: "${value}" does not match ${schema.pattern}`);
  if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${where}: longer than ${schema.maxLength}`);
  if ((type === "integer" || type === "number") && schema.minimum !== undefined && Number(value) < schema.minimum) errors.push(`${where}: below ${schema.minimum}`);
  if ((type === "integer" || type === "number") && schema.maximum !== undefined && Number(value) > schema.maximum) errors.push(`${where}: above ${schema.maximum}`);
  if (schema.format !== undefined) errors.push(...formatErrors(value, schema.format, where));
  return errors;
}

function formatErrors(value: string, format: unknown, where: string): string[] {
  if (typeof format === "object" && format !== null) return propertyStringErrors(value, format as Record<string, PveSchema>, where);
  if (typeof format !== "string") return [];
  const list = /^(.*)-list$/.exec(format);
  const name = list ? list[1] : format;
  const re = NAMED_FORMATS[name];
  if (re === undefined) return [];
  // split_list: separators are commas, semicolons, whitespace and NULs.
  const items = list ? value.split(/[,;\s\0]+/).filter((v) => v !== "") : [value];
  return items.filter((item) => !re.test(item)).map((item) => `${where}: "${item}" is not a valid ${name}`);
}

/** parse_property_string, then check_object with additional properties refused. */
function propertyStringErrors(value: string, format: Record<string, PveSchema>, where: string): string[] {
  const parsed: Record<string, string> = {};
  const defaultKey = Object.keys(format).find((k) => format[k].default_key);
  for (const part of value.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let key = kv[1];
      const alias = format[key]?.alias;
      if (alias) {
        // `virtio=BC:24:...`: the key names the model (keyAlias), the value is the alias's (macaddr).
        const keyAlias = format[key].keyAlias;
        if (keyAlias) parsed[keyAlias] = key;
        key = alias;
      }
      if (format[key] === undefined) return [`${where}: unknown key "${kv[1]}" in "${value}"`];
      if (parsed[key] !== undefined) return [`${where}: duplicate key "${key}"`];
      parsed[key] = kv[2];
    } else if (!part.includes("=")) {
      if (defaultKey === undefined || parsed[defaultKey] !== undefined) return [`${where}: value "${part}" without a key`];
      parsed[defaultKey] = part;
    } else return [`${where}: missing key in "${part}"`];
  }
  const errors: string[] = [];
  for (const [key, schema] of Object.entries(format)) {
    if (parsed[key] === undefined) {
      if (!schema.optional && !schema.alias) errors.push(`${where}.${key}: missing`);
    } else errors.push(...scalarErrors(parsed[key], schema, `${where}.${key}`));
  }
  return errors;
}

/** A PVE schema as JSON Schema; scalar constraints go to the `pveScalar` keyword. */
function toJsonSchema(schema: PveSchema): object {
  const types: string[] = schema.type === undefined ? ["any"] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const alternatives = types.map((type) => {
    switch (type) {
      case "boolean":
        return { anyOf: [{ type: "boolean" }, { enum: [0, 1] }] };
      case "object": {
        const out: Record<string, unknown> = { type: "object" };
        const properties: Record<string, object> = {};
        const patternProperties: Record<string, object> = {};
        const required: string[] = [];
        for (const [key, sub] of Object.entries<PveSchema>(schema.properties ?? {})) {
          if (key.includes("[n]")) patternProperties[`^${key.replace("[n]", "\\d+")}$`] = toJsonSchema(sub);
          else {
            properties[key] = toJsonSchema(sub);
            if (!sub.optional && !sub.alias && sub.type !== "null") required.push(key);
          }
        }
        out.properties = properties;
        if (Object.keys(patternProperties).length > 0) out.patternProperties = patternProperties;
        if (required.length > 0) out.required = required;
        const extra = schema.additionalProperties;
        if (extra !== undefined) out.additionalProperties = typeof extra === "object" ? toJsonSchema(extra) : Boolean(extra);
        return out;
      }
      case "array":
        return schema.items ? { type: "array", items: toJsonSchema(schema.items) } : { type: "array" };
      case "any":
        return {};
      default:
        return { type };
    }
  });
  const typed = alternatives.length === 1 ? alternatives[0] : { anyOf: alternatives };
  const scalar = types.some((t) => ["string", "integer", "number"].includes(t)) ? { pveScalar: schema } : {};
  return { ...typed, ...scalar };
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addKeyword({
  keyword: "pveScalar",
  errors: true,
  validate: function pveScalar(this: unknown, schema: PveSchema, data: unknown, _parent?: unknown, ctx?: { instancePath: string }): boolean {
    if (typeof data !== "string" && typeof data !== "number") return true;
    const errors = scalarErrors(String(data), schema, ctx?.instancePath || "/");
    (pveScalar as unknown as { errors: object[] }).errors = errors.map((message) => ({ keyword: "pveScalar", message, params: {} }));
    return errors.length === 0;
  },
});

const validators = new Map<string, ValidateFunction>();

/** The API path template (`/nodes/{node}/storage`) a concrete path (`/nodes/pve/storage`) matches. */
export function apiPathTemplate(concrete: string): string | undefined {
  return Object.keys(APIDOC).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(concrete));
}

/** Problems of `data` as the answer of GET `template`; [] when it conforms to the schema. */
export function pveResponseErrors(template: string, data: unknown): string[] {
  const method = APIDOC[template]?.GET;
  if (method === undefined) return [`GET ${template} is not in the kept schema`];
  let validate = validators.get(template);
  if (validate === undefined) {
    validate = ajv.compile(toJsonSchema(method.returns));
    validators.set(template, validate);
  }
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/**
 * Problems of a GET's parameters (path and query, as text) against the method's `parameters`
 * schema: unknown ones where the schema refuses them, required ones missing, bad values.
 */
export function pveRequestErrors(template: string, params: Record<string, string>): string[] {
  const schema = APIDOC[template]?.GET.parameters ?? {};
  const properties: Record<string, PveSchema> = schema.properties ?? {};
  const errors: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (properties[name] === undefined) {
      if (schema.additionalProperties === 0) errors.push(`parameter ${name} is not in the schema`);
    } else errors.push(...scalarErrors(value, properties[name], `parameter ${name}`));
  }
  for (const [name, sub] of Object.entries(properties)) if (!sub.optional && params[name] === undefined) errors.push(`parameter ${name} is missing`);
  return errors;
}

/**
 * The method's permission check as Proxmox runs it (PVE::RPCEnvironment check_api2_permissions),
 * for the simple form the methods here use: `["perm", path, [privileges], "any", 1]` (any one
 * of them; all of them without "any"), `{param}` in the path taken from the request. `user:
 * "all"` methods pass. True when `privilegesAt(path)` allow it.
 */
export function pvePermitted(template: string, params: Record<string, string>, privilegesAt: (path: string) => readonly string[]): boolean {
  const check = APIDOC[template]?.GET.permissions?.check;
  if (check === undefined) return true;
  const [kind, pathTemplate, privileges, any] = check as [string, string, string[], string?];
  if (kind !== "perm") throw new Error(`GET ${template}: permission check ${JSON.stringify(check)} is not modelled`);
  const held = privilegesAt(pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => params[name]));
  return any === "any" ? privileges.some((p) => held.includes(p)) : privileges.every((p) => held.includes(p));
}
