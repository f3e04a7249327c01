#!/usr/bin/env node
'use strict';
// Stand-in terraform provider for offline tests.
//
// Usage (terraform starts it through a tiny shell wrapper written by harness.ts):
//   node standin-provider.js <schema.json> <provider address> <tfplugin6.8.proto> <cert cache dir>
//        [--pool <slot dir>]
//
// It serves a real provider's schema (the output of `terraform providers schema -json`) over
// the plugin protocol v6, so that `terraform validate`, `plan`, `apply` and `refresh` run with no
// network: terraform itself checks the configuration against the schema; this process only
// answers the RPCs with plausible values. It listens on 127.0.0.1 and dials nothing.
//
// Two ways to run:
//   - direct: terraform runs the wrapper, which execs this file; one process serves one terraform
//     provider instance and exits on GRPCController.Shutdown, like a real provider;
//   - pool (--pool): started ahead of time by the harness, the process waits, fully loaded, until
//     a wrapper claims it (see standin-pool.js), serves that instance, then waits again. Terraform
//     starts each provider 3-4 times per command and a node start costs ~170 ms, so this is what
//     keeps plan/apply fast.
// The certificate cache dir lets starts reuse one generated TLS certificate.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { loadProviderSchema, toProtoSchema, blockType } = require('./standin-schema');
const V = require('./standin-values');
const R = require('./standin-readback');
const E = require('./standin-engine');

// go-plugin handshake constants used by terraform (see terraform-plugin-protocol/SOURCES.md).
const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1;
const APP_PROTOCOL_VERSION = 6;

function log(...args) {
  // stderr goes to terraform's log (visible with TF_LOG=debug); stdout is the handshake channel.
  process.stderr.write(`[standin-provider] ${args.join(' ')}\n`);
}

function fail(message) {
  process.stderr.write(`standin-provider: ${message}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------- arguments and handshake checks

const args = process.argv.slice(2);
const poolIndex = args.indexOf('--pool');
const poolSlot = poolIndex >= 0 ? args.splice(poolIndex, 2)[1] : undefined;
const [schemaFile, providerAddress, protoFile, certCacheDir] = args;
if (!schemaFile || !providerAddress || !protoFile) {
  fail('usage: standin-provider.js <schema.json> <provider address> <tfplugin6.proto> [<cert dir>] [--pool <slot dir>]');
}
if (!poolSlot && process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
  // Same behaviour as go-plugin: a plugin started by hand explains itself and stops.
  fail('this is a terraform provider plugin (stand-in); it is started by terraform, not by hand.');
}
const offered = (process.env.PLUGIN_PROTOCOL_VERSIONS || '').split(',').map((v) => v.trim());
if (!poolSlot && offered[0] !== '' && !offered.includes(String(APP_PROTOCOL_VERSION))) {
  fail(`terraform offers plugin protocol versions ${offered.join(',')}; this stand-in speaks only 6`);
}

// ---------------------------------------------------------------- schema

const schema = loadProviderSchema(schemaFile, providerAddress);
const shortName = schema.address.split('/').pop();

function resourceSchema(typeName) {
  const s = schema.resources[typeName];
  if (!s) throw new Error(`resource type ${typeName} is not in the ${schema.address} schema`);
  return s;
}

function dataSourceSchema(typeName) {
  const s = schema.dataSources[typeName];
  if (!s) throw new Error(`data source ${typeName} is not in the ${schema.address} schema`);
  return s;
}

// The object type of each resource/data source, computed on first use (a pooled process serves
// many calls).
const typeCache = new Map();
function typeOf(kind, typeName, s) {
  const key = `${kind}:${typeName}`;
  if (!typeCache.has(key)) typeCache.set(key, blockType(s.block));
  return typeCache.get(key);
}

// Converted once: GetProviderSchema is called by every terraform command.
let protoSchemaCache = null;
function protoSchemas() {
  if (!protoSchemaCache) {
    const mapSchemas = (m) => Object.fromEntries(Object.entries(m).map(([k, s]) => [k, toProtoSchema(s)]));
    protoSchemaCache = {
      provider: toProtoSchema(schema.provider),
      resource_schemas: mapSchemas(schema.resources),
      data_source_schemas: mapSchemas(schema.dataSources),
      ephemeral_resource_schemas: mapSchemas(schema.ephemeralResources),
      functions: {},
      diagnostics: [],
      provider_meta: { version: 0, block: { attributes: [], block_types: [] } },
      server_capabilities: serverCapabilities(),
    };
  }
  return protoSchemaCache;
}

function serverCapabilities() {
  // plan_destroy: terraform then asks PlanResourceChange for destroys too (answered with null).
  // get_provider_schema_optional: the schema never changes, so terraform may reuse the copy it got
  // from the first start instead of asking every instance again.
  return { plan_destroy: true, get_provider_schema_optional: true, move_resource_state: false };
}

// ---------------------------------------------------------------- the modelled engine

/**
 * Containers the modelled engine reports stopped (e.g. by the nightly volume backup): the
 * `stopped` list of the JSON file DOCKHOST_STANDIN_ENGINE names, read at each call.
 */
function stoppedContainers() {
  const file = process.env.DOCKHOST_STANDIN_ENGINE;
  if (!file || !fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, 'utf8')).stopped || [];
}

// ---------------------------------------------------------------- RPC handlers

function errorDiagnostic(summary, detail) {
  return { severity: 'ERROR', summary, detail: detail || '' };
}

// Each handler returns the response object; a thrown error becomes an ERROR diagnostic so that
// terraform prints it next to the resource instead of a bare gRPC failure.
const handlers = {
  GetMetadata() {
    const names = (m) => Object.keys(m).map((type_name) => ({ type_name }));
    return {
      server_capabilities: serverCapabilities(),
      diagnostics: [],
      data_sources: names(schema.dataSources),
      resources: names(schema.resources),
      ephemeral_resources: names(schema.ephemeralResources),
      functions: [],
    };
  },

  GetProviderSchema() {
    return protoSchemas();
  },

  // Terraform core already checked the configuration against the schema; a stand-in has no
  // provider-specific rules to add.
  ValidateProviderConfig: () => ({ diagnostics: [] }),
  ValidateResourceConfig: () => ({ diagnostics: [] }),
  ValidateDataResourceConfig: () => ({ diagnostics: [] }),
  ValidateEphemeralResourceConfig: () => ({ diagnostics: [] }),

  ConfigureProvider: () => ({ diagnostics: [] }),

  UpgradeResourceState(req) {
    const s = resourceSchema(req.type_name);
    const raw = req.raw_state || {};
    if (!raw.json || raw.json.length === 0) {
      if (raw.flatmap && Object.keys(raw.flatmap).length > 0) {
        throw new Error('legacy flatmap state is not supported by the stand-in provider');
      }
      return { upgraded_state: V.encodeDynamic(null), diagnostics: [] };
    }
    // State is stored as JSON; the answer must be msgpack of the current schema's type.
    const value = V.fromJson(typeOf('resource', req.type_name, s), JSON.parse(Buffer.from(raw.json).toString('utf8')));
    return { upgraded_state: V.encodeDynamic(value), diagnostics: [] };
  },

  ReadResource(req) {
    const type = typeOf('resource', req.type_name, resourceSchema(req.type_name));
    // On a real engine (host tier), what identifies the object is read from it (standin-engine.js).
    const onEngine = E.read(req.type_name, V.decodeDynamic(req.current_state, type));
    if (onEngine === null) return { new_state: V.encodeDynamic(null), private: req.private, diagnostics: [] };
    const fromEngine = onEngine === undefined ? req.current_state : V.encodeDynamic(onEngine);
    // The remote object is what state says, as the real provider reads it back (standin-readback.js).
    const read = R.READ[req.type_name];
    if (!read) return { new_state: fromEngine, private: req.private, diagnostics: [] };
    const current = V.decodeDynamic(fromEngine, type);
    if (current === null) return { new_state: fromEngine, private: req.private, diagnostics: [] };
    if (req.type_name === 'docker_container' && stoppedContainers().includes(current.name)) {
      // resource_docker_container_funcs.go resourceDockerContainerRead: a container that is not
      // running under must_run (default true) is deleted by the read itself and leaves state.
      if (current.must_run !== false) return { new_state: V.encodeDynamic(null), private: req.private, diagnostics: [] };
      return { new_state: V.encodeDynamic(R.readStoppedContainer(current)), private: req.private, diagnostics: [] };
    }
    return { new_state: V.encodeDynamic(read(current)), private: req.private, diagnostics: [] };
  },

  PlanResourceChange(req) {
    const s = resourceSchema(req.type_name);
    const type = typeOf('resource', req.type_name, s);
    const prior = V.decodeDynamic(req.prior_state, type);
    const proposed = V.decodeDynamic(req.proposed_new_state, type);
    let planned = V.nullWriteOnly(s.block, proposed);
    let requiresReplace = [];
    if (proposed !== null && prior === null) {
      // Create: computed attributes not set in config (id included) become "known after apply".
      planned = V.fillComputed(s.block, R.withDefaults(req.type_name, planned), () => V.UNKNOWN);
    } else if (proposed !== null) {
      // Update: terraform's proposed new state carries prior values for unset computed attributes;
      // the provider's own equivalences and suppressed diffs keep more of them, and its force-new
      // arguments are named: terraform plans a replacement when one of them changed.
      planned = R.planUpdate(req.type_name, prior, planned);
      requiresReplace = R.requiresReplace(req.type_name, prior);
    }
    // Destroy: proposed is null and so is the plan.
    return {
      planned_state: V.encodeDynamic(planned),
      planned_private: req.prior_private,
      requires_replace: requiresReplace,
      legacy_type_system: R.SDK_V2.test(req.type_name),
      diagnostics: [],
    };
  },

  ApplyResourceChange(req) {
    const s = resourceSchema(req.type_name);
    const type = typeOf('resource', req.type_name, s);
    const planned = V.decodeDynamic(req.planned_state, type);
    const failure = planned === null ? undefined : R.applyError(req.type_name, planned);
    if (failure) throw new Error(failure);
    const modelled = () => V.nullWriteOnly(s.block, V.resolveUnknowns(type, planned, V.makePlaceholders(req.type_name)));
    const onEngine = E.apply(req.type_name, V.decodeDynamic(req.prior_state, type), planned, modelled);
    if (planned === null) return { new_state: V.encodeDynamic(null), diagnostics: [] }; // destroy
    let newState = onEngine === undefined ? modelled() : onEngine;
    // SDK v2 providers end create and update with their read.
    if (R.READ[req.type_name]) newState = R.READ[req.type_name](newState);
    return { new_state: V.encodeDynamic(newState), private: req.planned_private, legacy_type_system: R.SDK_V2.test(req.type_name), diagnostics: [] };
  },

  ImportResourceState(req) {
    const s = resourceSchema(req.type_name);
    // Minimal: an object with only `id` set; terraform then calls ReadResource, which keeps it.
    let state = V.emptyObject(s.block);
    if (s.block.attributes && 'id' in s.block.attributes) state = R.importedState(req.type_name, req.id, state);
    return {
      imported_resources: [{ type_name: req.type_name, state: V.encodeDynamic(state), private: Buffer.alloc(0) }],
      diagnostics: [],
    };
  },

  ReadDataSource(req) {
    const s = dataSourceSchema(req.type_name);
    const type = typeOf('data', req.type_name, s);
    const config = V.decodeDynamic(req.config, type);
    const placeholder = V.makePlaceholders(req.type_name);
    const state = V.fillComputed(s.block, config, (t) => placeholder(t));
    // Unknowns cannot reach a data source read (terraform defers the read), but be safe.
    return { state: V.encodeDynamic(V.resolveUnknowns(type, state, placeholder)), diagnostics: [] };
  },

  GetFunctions: () => ({ functions: {}, diagnostics: [] }),

  CallFunction(req) {
    return { error: { text: `the stand-in provider ${schema.address} has no function ${req.name}` } };
  },

  StopProvider: () => ({ Error: '' }),
};

function wrap(name, fn) {
  return (call, callback) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      log(`${name} failed: ${err && err.stack ? err.stack : err}`);
      if (name === 'CallFunction') {
        callback(null, { error: { text: String(err && err.message) } });
      } else {
        callback(null, { diagnostics: [errorDiagnostic(`stand-in provider ${shortName}: ${name} failed`, String(err && err.message))] });
      }
    }
  };
}

// ---------------------------------------------------------------- go-plugin side services

// go-plugin's own services have tiny messages (google.protobuf.Empty and friends), so they are
// declared by hand instead of from .proto files.
const emptyCodec = { serialize: () => Buffer.alloc(0), deserialize: () => ({}) };

function method(route, { responseStream = false, responseSerialize = emptyCodec.serialize } = {}) {
  return {
    path: route,
    requestStream: false,
    responseStream,
    requestSerialize: emptyCodec.serialize,
    requestDeserialize: emptyCodec.deserialize,
    responseSerialize,
    responseDeserialize: emptyCodec.deserialize,
  };
}

// ---------------------------------------------------------------- server start

/** Our own certificate for "localhost": from the cache dir if a previous start left one, else new. */
async function ownCertificate() {
  const certFile = certCacheDir && path.join(certCacheDir, 'standin-cert.pem');
  const keyFile = certCacheDir && path.join(certCacheDir, 'standin-key.pem');
  if (certFile) {
    try {
      const pair = { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
      if (new Date(new crypto.X509Certificate(pair.cert).validTo) > new Date(Date.now() + 60 * 60 * 1000)) return pair;
    } catch {
      // missing or unreadable: generate below
    }
  }
  const selfsigned = require('selfsigned'); // loaded only when needed: it is the slowest require
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec', // EC keys are generated in a few ms, RSA ones in tens or hundreds
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60 * 60 * 1000), // tolerate small clock skew
    notAfterDate: new Date(Date.now() + 7 * 24 * 60 * 60 * 1000),
  });
  const pair = { cert: pems.cert, key: pems.private };
  if (certFile) {
    // Key first, cert last, each through a rename, so a concurrent start never reads a half pair
    // (it may read a stale pair: that is harmless, any valid pair works).
    const tmp = `.${process.pid}.tmp`;
    try {
      fs.writeFileSync(keyFile + tmp, pair.key, { mode: 0o600 });
      fs.writeFileSync(certFile + tmp, pair.cert, { mode: 0o600 });
      fs.renameSync(keyFile + tmp, keyFile);
      fs.renameSync(certFile + tmp, certFile);
    } catch (err) {
      log(`could not cache the certificate in ${certCacheDir}: ${err.message}`);
    }
  }
  return pair;
}

async function serverCredentials(clientCert) {
  if (!clientCert) {
    // terraform sets PLUGIN_CLIENT_CERT unless TF_DISABLE_PLUGIN_TLS=1; then it expects plaintext.
    return { creds: grpc.ServerCredentials.createInsecure(), certField: '' };
  }
  // Mutual TLS as go-plugin's AutoMTLS expects: terraform dials with server name "localhost" and
  // trusts exactly the certificate announced in the handshake line; we trust exactly terraform's
  // client certificate (PLUGIN_CLIENT_CERT) and require it.
  const { cert, key } = await ownCertificate();
  const der = new crypto.X509Certificate(cert).raw;
  const creds = grpc.ServerCredentials.createSsl(
    Buffer.from(clientCert),
    [{ private_key: Buffer.from(key), cert_chain: Buffer.from(cert) }],
    true,
  );
  // go-plugin wants the DER bytes in base64 without padding.
  return { creds, certField: der.toString('base64').replace(/=+$/, '') };
}

let tfplugin6 = null;
function loadProtocol() {
  if (!tfplugin6) {
    const pkgDef = protoLoader.loadSync(protoFile, {
      keepCase: true, // field names exactly as in the proto (type_name, ...)
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    tfplugin6 = grpc.loadPackageDefinition(pkgDef).tfplugin6;
  }
  return tfplugin6;
}

/**
 * Starts one gRPC server for one terraform provider instance. `clientCert` is terraform's
 * PLUGIN_CLIENT_CERT (empty: plaintext). `onShutdown` runs when terraform says goodbye.
 * Resolves with the go-plugin handshake line and a stop function.
 */
async function startServer(clientCert, onShutdown) {
  const server = new grpc.Server({
    // Provider schemas are large (bpg/proxmox is several MB as protobuf).
    'grpc.max_send_message_length': 256 * 1024 * 1024,
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
  });

  const impl = {};
  for (const [name, fn] of Object.entries(handlers)) impl[name] = wrap(name, fn);
  server.addService(loadProtocol().Provider.service, impl);

  const stdioStreams = new Set();
  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    for (const s of stdioStreams) s.end();
    server.forceShutdown();
  }

  // go-plugin asks the plugin to stop through GRPCController.Shutdown; without it terraform waits
  // two seconds and then kills the process.
  server.addService(
    { Shutdown: method('/plugin.GRPCController/Shutdown') },
    {
      Shutdown(_call, callback) {
        callback(null, {});
        setImmediate(onShutdown); // after the answer is on its way
      },
    },
  );
  // go-plugin streams the plugin's stdout/stderr over GRPCStdio; we have nothing to send, so the
  // stream simply stays open until shutdown.
  server.addService(
    { StreamStdio: method('/plugin.GRPCStdio/StreamStdio', { responseStream: true }) },
    {
      StreamStdio(call) {
        stdioStreams.add(call);
        call.on('cancelled', () => stdioStreams.delete(call));
      },
    },
  );
  // Standard gRPC health check, answered SERVING (protobuf: field 1 varint 1).
  server.addService(
    { Check: method('/grpc.health.v1.Health/Check', { responseSerialize: () => Buffer.from([0x08, 0x01]) }) },
    { Check: (_call, callback) => callback(null, {}) },
  );

  const { creds, certField } = await serverCredentials(clientCert);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  const line = `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certField}`;
  return { line, stop };
}

/** Loads everything a session needs, so that a pooled process answers its first call at once. */
async function warmUp() {
  loadProtocol();
  protoSchemas();
  await ownCertificate();
}

async function runDirect() {
  let session = null;
  function exit() {
    if (session) session.stop();
    setTimeout(() => process.exit(0), 10).unref();
  }
  session = await startServer(process.env.PLUGIN_CLIENT_CERT || '', exit);
  // Terraform ignores SIGINT for its plugins and stops them over gRPC; do the same.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', exit);
  // If terraform dies without saying goodbye we get re-parented: exit instead of lingering.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) exit();
  }, 500).unref();
  process.stdout.write(session.line + '\n');
}

const main = poolSlot
  ? () => require('./standin-pool').runPool({ slotDir: poolSlot, warmUp, startServer, log })
  : runDirect;

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
