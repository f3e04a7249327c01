'use strict';
// Value side of the stand-in provider: DynamicValue (msgpack) decoding/encoding and the few
// transformations plan/apply/read need. Values are kept as the plain JS that @msgpack/msgpack
// produces (objects, arrays, strings, numbers, bigints, Uint8Array for msgpack bin), with one
// addition: an unknown value is an `ExtData` instance. Keeping the original ExtData means
// refined unknowns (extension 12) travel back to terraform untouched.

const { Encoder, Decoder, ExtData, ExtensionCodec } = require('@msgpack/msgpack');
const { nestedAttributeType } = require('./standin-schema');

// The library maps extension -1 to Date; terraform defines every extension code as "unknown",
// so make -1 an ordinary ExtData like all the others.
const codec = new ExtensionCodec();
codec.register({
  type: -1,
  encode: () => null,
  decode: (data, type) => new ExtData(type, data),
});
// useBigInt64: 64-bit integers outside the safe range survive the round trip.
const decoder = new Decoder({ extensionCodec: codec, useBigInt64: true });
const encoder = new Encoder({ extensionCodec: codec, useBigInt64: true });

/** The plain unknown value (extension 0, payload ignored by terraform). */
const UNKNOWN = new ExtData(0, new Uint8Array([0]));

const isUnknown = (v) => v instanceof ExtData;

/**
 * DynamicValue → JS value. Terraform always sends msgpack; JSON is the documented fallback and
 * needs the type to rebuild "dynamic" values, hence `type`.
 */
function decodeDynamic(dv, type) {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return decoder.decode(dv.msgpack);
  if (dv.json && dv.json.length > 0) return fromJson(type, JSON.parse(Buffer.from(dv.json).toString('utf8')));
  return null;
}

function encodeDynamic(v) {
  return { msgpack: Buffer.from(encoder.encode(v === undefined ? null : v)) };
}

// ---------------------------------------------------------------- type helpers

const kindOf = (t) => (Array.isArray(t) ? t[0] : t);

/** Decodes the type carried inside a msgpack "dynamic" value ([bin type JSON, value]). */
function dynamicParts(v) {
  if (Array.isArray(v) && v.length === 2 && v[0] instanceof Uint8Array) {
    return { type: JSON.parse(Buffer.from(v[0]).toString('utf8')), value: v[1] };
  }
  return null;
}

const mapValues = (o, f) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v, k)]));

/**
 * JSON (state or DynamicValue.json) → msgpack-ready JS value of `type`. Object attributes the type
 * does not know are dropped and missing ones become null, so stored state always matches the
 * current schema.
 */
function fromJson(type, v) {
  if (v === null || v === undefined) return null;
  switch (kindOf(type)) {
    case 'string':
    case 'number':
    case 'bool':
      return v;
    case 'list':
    case 'set':
      return v.map((e) => fromJson(type[1], e));
    case 'map':
      return mapValues(v, (e) => fromJson(type[1], e));
    case 'object':
      return mapValues(type[1], (t, k) => fromJson(t, v[k]));
    case 'tuple':
      return type[1].map((t, i) => fromJson(t, v[i]));
    case 'dynamic':
      // JSON carries dynamic values as {"value": ..., "type": ...}; msgpack as [type bytes, value].
      if (v && typeof v === 'object' && 'type' in v && 'value' in v) {
        return [Buffer.from(JSON.stringify(v.type)), fromJson(v.type, v.value)];
      }
      return null;
    default:
      return v;
  }
}

// ---------------------------------------------------------------- placeholders

// Per resource type, for the whole life of the process (a pooled stand-in serves many terraform
// commands), so that two resources applied together never share a placeholder id.
const counters = new Map();

/**
 * Makes the final values that replace unknowns after "apply": deterministic, typed, never null
 * (except for "dynamic", whose type nobody decided), so they are easy to recognise in state.
 */
function makePlaceholders(resourceType) {
  function placeholder(type) {
    switch (kindOf(type)) {
      case 'string': {
        const n = (counters.get(resourceType) || 0) + 1;
        counters.set(resourceType, n);
        return `standin-${resourceType}-${n}`;
      }
      case 'number':
        return 0;
      case 'bool':
        return false;
      case 'list':
      case 'set':
        return [];
      case 'map':
        return {};
      case 'object':
        return mapValues(type[1], (t) => placeholder(t));
      case 'tuple':
        return type[1].map((t) => placeholder(t));
      default: // dynamic
        return null;
    }
  }
  return placeholder;
}

/** Replaces every unknown inside `v` (of `type`) with a placeholder. */
function resolveUnknowns(type, v, placeholder) {
  if (isUnknown(v)) return placeholder(type);
  if (v === null || v === undefined) return null;
  switch (kindOf(type)) {
    case 'list':
    case 'set':
      return v.map((e) => resolveUnknowns(type[1], e, placeholder));
    case 'map':
      return mapValues(v, (e) => resolveUnknowns(type[1], e, placeholder));
    case 'object':
      return mapValues(type[1], (t, k) => resolveUnknowns(t, v[k], placeholder));
    case 'tuple':
      return type[1].map((t, i) => resolveUnknowns(t, v[i], placeholder));
    case 'dynamic': {
      const d = dynamicParts(v);
      return d ? [v[0], resolveUnknowns(d.type, d.value, placeholder)] : v;
    }
    default:
      return v;
  }
}

// ---------------------------------------------------------------- schema-driven walks

/** Applies `f` to each object of a nested block / nested attribute value, by nesting mode. */
function eachNested(mode, v, f) {
  if (v === null || v === undefined || isUnknown(v)) return v;
  switch (mode) {
    case 'list':
    case 'set':
      return v.map(f);
    case 'map':
      return mapValues(v, f);
    default: // single, group
      return f(v);
  }
}

/**
 * Rebuilds a block value, replacing each attribute value with `visit(attribute schema, value)`,
 * and recursing into nested blocks and into nested attributes whose value `visit` left alone.
 * `block` is a JSON-schema block ({attributes, block_types}); a nested_type has the same shape
 * minus block_types.
 */
function mapAttributes(block, obj, visit) {
  if (obj === null || obj === undefined || isUnknown(obj) || typeof obj !== 'object') return obj;
  const out = { ...obj };
  for (const [name, a] of Object.entries(block.attributes || {})) {
    const v = out[name] === undefined ? null : out[name];
    const replaced = visit(a, v);
    out[name] =
      replaced === v && a.nested_type
        ? eachNested(a.nested_type.nesting_mode, v, (o) => mapAttributes(a.nested_type, o, visit))
        : replaced;
  }
  for (const [name, bt] of Object.entries(block.block_types || {})) {
    out[name] = eachNested(bt.nesting_mode, out[name], (o) => mapAttributes(bt.block, o, visit));
  }
  return out;
}

const attributeType = (a) => (a.nested_type ? nestedAttributeType(a.nested_type) : a.type);

/**
 * Sets every computed attribute that is null in `obj` to `fill(type)`.
 * Used with fill = () => UNKNOWN when planning a create (in a create, terraform's proposed new
 * state equals the config, so "null here" means "not set in config"), and with placeholders when
 * reading a data source.
 */
function fillComputed(block, obj, fill) {
  return mapAttributes(block, obj, (a, v) => (v === null && a.computed ? fill(attributeType(a)) : v));
}

/** Write-only attributes must be null in every plan and state a provider returns. */
function nullWriteOnly(block, obj) {
  return mapAttributes(block, obj, (a, v) => (a.write_only ? null : v));
}

/**
 * An object of the block's shape with every attribute null and no nested blocks (what a
 * minimal import returns before ReadResource).
 */
function emptyObject(block) {
  const out = {};
  for (const name of Object.keys(block.attributes || {})) out[name] = null;
  for (const [name, bt] of Object.entries(block.block_types || {})) {
    switch (bt.nesting_mode) {
      case 'list':
      case 'set':
        out[name] = [];
        break;
      case 'map':
        out[name] = {};
        break;
      case 'group':
        out[name] = emptyObject(bt.block);
        break;
      default:
        out[name] = null;
    }
  }
  return out;
}

module.exports = {
  UNKNOWN,
  isUnknown,
  decodeDynamic,
  encodeDynamic,
  fromJson,
  makePlaceholders,
  resolveUnknowns,
  fillComputed,
  nullWriteOnly,
  emptyObject,
};
