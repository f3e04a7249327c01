'use strict';
// Schema side of the stand-in provider: reads the output of
// `terraform providers schema -json` and turns it into
//   - the tfplugin6 `Schema` messages that GetProviderSchema returns, and
//   - plain type constraints (the JSON form terraform uses, e.g. ["list",["object",{...}]])
//     so that values can be walked without consulting the schema again.

const fs = require('node:fs');

/** Loads one provider's entry from a `providers schema -json` document. */
function loadProviderSchema(file, address) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const all = doc.provider_schemas || {};
  // The address given by the harness may be short ("bpg/proxmox"); the document uses the
  // fully qualified one ("registry.terraform.io/bpg/proxmox").
  const key =
    Object.keys(all).find((k) => k === address) ||
    Object.keys(all).find((k) => k.endsWith('/' + address)) ||
    (Object.keys(all).length === 1 ? Object.keys(all)[0] : undefined);
  if (!key) {
    throw new Error(`schema file ${file} has no provider ${address} (has: ${Object.keys(all).join(', ')})`);
  }
  const p = all[key];
  return {
    address: key,
    provider: p.provider || { version: 0, block: {} },
    resources: p.resource_schemas || {},
    dataSources: p.data_source_schemas || {},
    ephemeralResources: p.ephemeral_resource_schemas || {},
  };
}

// ---------------------------------------------------------------- proto messages

const NESTING = { single: 'SINGLE', list: 'LIST', set: 'SET', map: 'MAP', group: 'GROUP' };

function descriptionKind(kind) {
  return kind === 'markdown' ? 'MARKDOWN' : 'PLAIN';
}

function toProtoAttribute(name, a) {
  return {
    name,
    // `type` is the JSON text of the type constraint; attributes with nested_type have none.
    type: a.type !== undefined ? Buffer.from(JSON.stringify(a.type)) : Buffer.alloc(0),
    nested_type: a.nested_type ? toProtoObject(a.nested_type) : null,
    description: a.description || '',
    description_kind: descriptionKind(a.description_kind),
    required: !!a.required,
    optional: !!a.optional,
    computed: !!a.computed,
    sensitive: !!a.sensitive,
    deprecated: !!a.deprecated,
    write_only: !!a.write_only,
  };
}

function toProtoObject(nt) {
  return {
    attributes: Object.entries(nt.attributes || {}).map(([n, a]) => toProtoAttribute(n, a)),
    nesting: NESTING[nt.nesting_mode] || 'INVALID',
  };
}

function toProtoBlock(b, version) {
  b = b || {};
  return {
    version: version || 0,
    attributes: Object.entries(b.attributes || {}).map(([n, a]) => toProtoAttribute(n, a)),
    block_types: Object.entries(b.block_types || {}).map(([n, bt]) => ({
      type_name: n,
      block: toProtoBlock(bt.block, 0),
      nesting: NESTING[bt.nesting_mode] || 'INVALID',
      min_items: bt.min_items || 0,
      max_items: bt.max_items || 0,
    })),
    description: b.description || '',
    description_kind: descriptionKind(b.description_kind),
    deprecated: !!b.deprecated,
  };
}

/** `{version, block}` from the JSON document → tfplugin6.Schema */
function toProtoSchema(s) {
  s = s || {};
  return { version: s.version || 0, block: toProtoBlock(s.block, s.version) };
}

// ---------------------------------------------------------------- implied types

/** The type constraint of a nested_type attribute (nested attributes, protocol 6). */
function nestedAttributeType(nt) {
  const obj = ['object', attributesType(nt.attributes)];
  return wrapNesting(nt.nesting_mode, obj);
}

function attributesType(attrs) {
  const out = {};
  for (const [n, a] of Object.entries(attrs || {})) {
    out[n] = a.nested_type ? nestedAttributeType(a.nested_type) : a.type;
  }
  return out;
}

function wrapNesting(mode, obj) {
  switch (mode) {
    case 'list':
      return ['list', obj];
    case 'set':
      return ['set', obj];
    case 'map':
      return ['map', obj];
    default: // single, group
      return obj;
  }
}

/** The object type terraform uses for a whole block (attributes plus nested blocks). */
function blockType(b) {
  b = b || {};
  const attrs = attributesType(b.attributes);
  for (const [n, bt] of Object.entries(b.block_types || {})) {
    attrs[n] = wrapNesting(bt.nesting_mode, blockType(bt.block));
  }
  return ['object', attrs];
}

module.exports = { loadProviderSchema, toProtoSchema, blockType, nestedAttributeType, attributesType };
