import { readSchemaJson } from "./schemas";
import { StackJson } from "./synth";

/**
 * Holds synthesized Terraform JSON against a provider's real `terraform providers schema -json`
 * output: unknown keys, computed-only keys that were set, required keys missing, too many blocks,
 * and list(object) attribute values missing some of the object's keys.
 */
export const PROVIDER_SCHEMA_FILES: Record<string, string> = {
  "registry.terraform.io/bpg/proxmox": "bpg-proxmox-0.111.1.schema.json",
  "registry.terraform.io/kreuzwerker/docker": "kreuzwerker-docker-3.6.2.schema.json",
  "registry.terraform.io/hashicorp/null": "hashicorp-null-3.2.4.schema.json",
};

/** Keys Terraform itself handles on every resource, not the provider. */
const META_ARGUMENTS = new Set(["//", "count", "for_each", "depends_on", "provider", "lifecycle", "connection", "provisioner", "alias"]);

interface Block {
  attributes?: Record<string, { type: unknown; required?: boolean; optional?: boolean; computed?: boolean }>;
  block_types?: Record<string, { nesting_mode: string; block: Block; min_items?: number; max_items?: number }>;
}

const schemaCache = new Map<string, any>();
function providerSchema(source: string): any {
  if (!schemaCache.has(source)) {
    const file = PROVIDER_SCHEMA_FILES[source];
    if (!file) throw new Error(`no schema file for provider ${source}`);
    schemaCache.set(source, readSchemaJson("provider", file).provider_schemas[source]);
  }
  return schemaCache.get(source);
}

/** Every mismatch between the stack's blocks of `providerSource` and the provider's schema. */
export function conformanceProblems(stack: StackJson, providerSource: string, typePrefix: string): string[] {
  const schema = providerSchema(providerSource);
  const problems: string[] = [];
  const providerName = providerSource.split("/").pop()!;
  for (const [i, config] of ((stack.provider ?? {})[providerName] ?? []).entries()) {
    checkBlock(config, schema.provider.block, `provider.${providerName}[${i}]`, problems);
  }
  for (const kind of ["resource", "data"] as const) {
    const schemas = kind === "resource" ? schema.resource_schemas : schema.data_source_schemas;
    for (const [type, byName] of Object.entries<Record<string, any>>(stack[kind] ?? {})) {
      if (!type.startsWith(typePrefix)) continue;
      for (const [name, config] of Object.entries(byName)) {
        const where = `${kind === "data" ? "data." : ""}${type}.${name}`;
        if (!schemas[type]) problems.push(`${where}: unknown ${kind} type`);
        else checkBlock(config, schemas[type].block, where, problems);
      }
    }
  }
  return problems;
}

function checkBlock(config: Record<string, unknown>, block: Block, where: string, problems: string[]): void {
  const attributes = block.attributes ?? {};
  const blocks = block.block_types ?? {};
  for (const [key, value] of Object.entries(config)) {
    if (META_ARGUMENTS.has(key)) continue;
    const attribute = attributes[key];
    const nested = blocks[key];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required) problems.push(`${where}.${key}: computed-only attribute is set`);
      checkObjectKeys(value, attribute.type, `${where}.${key}`, problems);
    } else if (nested) {
      const items = nested.nesting_mode === "single" || nested.nesting_mode === "group" ? [value] : Array.isArray(value) ? value : [value];
      if (nested.max_items !== undefined && items.length > nested.max_items) problems.push(`${where}.${key}: ${items.length} blocks, at most ${nested.max_items} allowed`);
      items.forEach((item, i) => {
        if (isLiteralObject(item)) checkBlock(item, nested.block, `${where}.${key}[${i}]`, problems);
      });
    } else {
      problems.push(`${where}.${key}: unknown key`);
    }
  }
  for (const [key, attribute] of Object.entries(attributes)) {
    if (attribute.required && !(key in config)) problems.push(`${where}.${key}: required attribute missing`);
  }
  for (const [key, nested] of Object.entries(blocks)) {
    if ((nested.min_items ?? 0) > 0 && !(key in config)) problems.push(`${where}.${key}: required block missing`);
  }
}

/** In JSON syntax, an object-typed value must carry every attribute of the object type. */
function checkObjectKeys(value: unknown, type: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(type)) return;
  const [kind, inner] = type as [string, unknown];
  if ((kind === "list" || kind === "set") && Array.isArray(value)) {
    value.forEach((v, i) => checkObjectKeys(v, inner, `${where}[${i}]`, problems));
  } else if (kind === "map" && isLiteralObject(value)) {
    Object.entries(value).forEach(([k, v]) => checkObjectKeys(v, inner, `${where}.${k}`, problems));
  } else if (kind === "object" && isLiteralObject(value)) {
    const attributes = inner as Record<string, unknown>;
    for (const key of Object.keys(attributes)) if (!(key in value)) problems.push(`${where}.${key}: object attribute missing (JSON needs every key, null where unused)`);
    for (const key of Object.keys(value)) if (!(key in attributes)) problems.push(`${where}.${key}: unknown object attribute`);
  }
}

function isLiteralObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
