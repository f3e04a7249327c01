'use strict';
// What the real providers do beyond the schema, so that "apply, then plan" drifts the way a real
// homelab does: which arguments force a replacement, which diffs a provider suppresses, and what a
// read returns from a real engine. Every rule names the upstream file it was read from:
//   kreuzwerker/terraform-provider-docker v3.6.2 (internal/provider/...),
//   bpg/terraform-provider-proxmox v0.111.1 (proxmoxtf/resource/...),
//   moby/moby (daemon) and github.com/docker/docker client v28.1.1 (kreuzwerker's go.mod),
//   hashicorp/terraform-provider-null (triggers: RequiresReplace).
// A resource type missing from the tables gets no replacement and no read-back (plain state).

// ---------------------------------------------------------------- force-new arguments

// Top-level attribute names, or dotted paths into single-item list blocks ("initialization.type").
const FORCE_NEW = {
  // resource_docker_container.go: every ForceNew: true (nested ones sit under ForceNew blocks).
  docker_container: [
    'name', 'read_only', 'image', 'hostname', 'domainname', 'command', 'entrypoint', 'user', 'dns', 'dns_opts',
    'dns_search', 'publish_all_ports', 'working_dir', 'capabilities', 'security_opts', 'runtime', 'stop_signal',
    'stop_timeout', 'mounts', 'volumes', 'ports', 'host', 'ulimit', 'env', 'privileged', 'devices', 'labels',
    'shm_size', 'log_driver', 'log_opts', 'network_mode', 'networks_advanced', 'pid_mode', 'userns_mode', 'upload',
    'sysctls', 'ipc_mode', 'group_add', 'tty', 'stdin_open', 'storage_opts', 'gpus', 'cpus', 'cgroupns_mode',
    'cgroup_parent',
  ],
  // resource_docker_image.go
  docker_image: ['name', 'pull_triggers', 'build', 'triggers', 'platform'],
  // resource_docker_network.go
  docker_network: ['name', 'labels', 'check_duplicate', 'driver', 'options', 'internal', 'attachable', 'ingress', 'ipv6', 'ipam_driver', 'ipam_options', 'ipam_config'],
  // resource_docker_volume.go
  docker_volume: ['name', 'labels', 'driver', 'driver_opts'],
  // resource_docker_service.go: top-level ForceNew name, mode, auth (nested hosts, sysctl and
  // networks_advanced items are ForceNew inside sets, not modelled).
  docker_service: ['name', 'mode', 'auth'],
  // resource_docker_secret.go, resource_docker_config.go: immutable.
  docker_secret: ['name', 'data', 'labels'],
  docker_config: ['name', 'data'],
  // proxmoxtf/resource/vm/vm.go: ForceNew children of clone and initialization, amd_sev, and
  // CustomizeDiff's ForceNewIf on vm_id and on node_name (unless migrate = true).
  proxmox_virtual_environment_vm: [
    'vm_id', 'node_name', 'amd_sev', 'clone', 'initialization.user_data_file_id', 'initialization.vendor_data_file_id',
    'initialization.network_data_file_id', 'initialization.meta_data_file_id', 'initialization.type',
  ],
  // proxmoxtf/resource/file.go
  proxmox_virtual_environment_file: ['content_type', 'datastore_id', 'file_modification_date', 'file_mode', 'file_size', 'file_tag', 'node_name', 'source_file', 'source_raw'],
  // terraform-provider-null internal/provider/resource.go: triggers has RequiresReplace.
  null_resource: ['triggers'],
};

// ---------------------------------------------------------------- SDK v2 defaults

// resource_docker_container.go `Default:` values: SDK v2 plans them for unset arguments, so an
// unset argument equals a read-back default.
const HEALTHCHECK_DEFAULTS = { interval: '0s', timeout: '0s', start_period: '0s', start_interval: '0s', retries: 0 };
const ROLLOUT_DEFAULTS = { parallelism: 1, delay: '0s', failure_action: 'pause', monitor: '5s', max_failure_ratio: '0.0', order: 'stop-first' };
const DEFAULTS = {
  docker_container: (c) => ({
    ...c,
    restart: c.restart ?? 'no',
    network_mode: c.network_mode ?? 'bridge',
    healthcheck: c.healthcheck && c.healthcheck.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v ?? HEALTHCHECK_DEFAULTS[k] ?? null]))),
  }),
  // resource_docker_service.go: update_config and rollback_config `Default:` values.
  docker_service: (c) => {
    const fill = (blocks) => blocks && blocks.map((u) => Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v ?? ROLLOUT_DEFAULTS[k] ?? null])));
    return { ...c, update_config: fill(c.update_config), rollback_config: fill(c.rollback_config) };
  },
};

/** Resource types whose provider is built on terraform-plugin-sdk v2 (legacy type system). */
const SDK_V2 = /^(docker_|proxmox_virtual_environment_)/;

// ---------------------------------------------------------------- diff suppression

// resource_docker_container.go: user and working_dir treat "" (unset) as no change; Docker fills
// both from the image.
const SUPPRESS = {
  docker_container: {
    user: (prior, planned) => planned === null || planned === '',
    working_dir: (prior, planned) => planned === null || planned === '',
  },
};

// ---------------------------------------------------------------- read-back from a real engine

/** The daemon the stand-in models: dockhost's daemon.json (lib/docker-daemon.ts). */
const DAEMON_LOG = { type: 'json-file', config: { 'max-size': '10m', 'max-file': '3' } };

/** Docker client v28.1.1 client/container_create.go normalizeCapabilities: upper-case, CAP_, sorted, unique; ALL stays. */
function normalizeCapabilities(caps) {
  if (!caps) return caps;
  const out = caps.map((c) => {
    const u = c.toUpperCase();
    return u === 'ALL' || u.startsWith('CAP_') ? u : `CAP_${u}`;
  });
  return [...new Set(out)].sort();
}

/** Go's time.Duration.String() of a duration string Go's time.ParseDuration accepts. */
function goDuration(text) {
  if (text === null || text === undefined) return text;
  const units = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let ms = 0;
  const re = /([0-9.]+)(ns|us|µs|ms|s|m|h)/g;
  let m;
  while ((m = re.exec(text)) !== null) ms += Number(m[1]) * units[m[2]];
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3600000);
  const min = Math.floor((ms % 3600000) / 60000);
  const s = (ms % 60000) / 1000;
  return `${h ? `${h}h` : ''}${h || min ? `${min}m` : ''}${s}s`;
}

/**
 * A docker_container as kreuzwerker's resourceDockerContainerRead (resource_docker_container_funcs.go)
 * sets it from `docker inspect` of the container the create made.
 */
function readContainer(state) {
  const s = { ...state };
  // HostConfig.CapAdd/CapDrop as the client sent them (normalised, see above).
  if (s.capabilities && s.capabilities.length > 0) {
    s.capabilities = s.capabilities.map((c) => ({ add: normalizeCapabilities(c.add) || [], drop: normalizeCapabilities(c.drop) || [] }));
  }
  // resource_docker_container_structures.go deviceSetToDockerDevices: an empty container_path
  // becomes host_path and falls through to permissions = "rwm" (even when permissions were given).
  if (s.devices) {
    s.devices = s.devices.map((d) => {
      if (!d.container_path) return { ...d, container_path: d.host_path, permissions: 'rwm' };
      return { ...d, permissions: d.permissions || 'rwm' };
    });
  }
  // moby daemon/daemon_unix.go adaptContainerSettings: MemorySwap = 2 x Memory when unset.
  if (s.memory > 0 && !s.memory_swap) s.memory_swap = s.memory * 2;
  // moby daemon/logs.go mergeAndVerifyLogConfig: the daemon's driver when none, and its log-opts
  // merged in when the driver is the daemon's.
  s.log_driver = s.log_driver || DAEMON_LOG.type;
  if (s.log_driver === DAEMON_LOG.type) s.log_opts = { ...DAEMON_LOG.config, ...(s.log_opts || {}) };
  // Read sets Config.Healthcheck durations through time.Duration.String().
  if (s.healthcheck && s.healthcheck.length > 0) {
    s.healthcheck = s.healthcheck.map((h) => ({
      ...h,
      interval: goDuration(h.interval || '0s'),
      timeout: goDuration(h.timeout || '0s'),
      start_period: goDuration(h.start_period || '0s'),
      start_interval: goDuration(h.start_interval || '0s'),
      retries: h.retries || 0,
    }));
  }
  // daemon_unix.go: ShmSize defaults to 64 MB; read divides by 1 MiB.
  if (!s.shm_size) s.shm_size = 64;
  // resource_docker_container_structures.go flattenExtraHosts splits "host:ip" on ":" and keeps
  // the second part: an IPv6 address reads back as its first group (a replacement on every plan).
  if (s.host) s.host = s.host.map((h) => ({ ...h, ip: String(h.ip).split(':')[0] }));
  // Read as sent, so not modelled: name (the leading "/" trimmed), image, command, entrypoint,
  // user, working_dir (suppressed when unset), dns*, security_opts, restart, tmpfs, ulimit,
  // privileged, sysctls, group_add, mounts (getDockerContainerMounts), read_only, init (computed).
  // Never read (state keeps the configuration): env, labels, volumes, upload, networks_advanced
  // ("We decided not to set the environment variables and labels", resourceDockerContainerRead).
  return s;
}

/** Go duration as kreuzwerker's shortDur prints Swarm durations (resource_docker_service_structures.go). */
function shortDur(text) {
  return goDuration(text || '0s').replace(/m0s$/, 'm').replace(/h0m$/, 'h');
}

/**
 * A docker_service as resourceDockerServiceReadRefreshFunc (resource_docker_service_funcs.go) sets
 * it from `docker service inspect`, flatteners in resource_docker_service_structures.go.
 */
function readService(state) {
  const s = { ...state };
  const task = { ...s.task_spec[0] };
  const container = { ...task.container_spec[0] };
  // Created with QueryRegistry (resource_docker_service_funcs.go): the client pins a tag to the digest
  // it resolves (docker client service_create.go imageWithDigestString); a digested image stays.
  if (!String(container.image).includes('@sha256:')) container.image = `${container.image}@sha256:${'0'.repeat(64)}`;
  if (container.healthcheck && container.healthcheck.length > 0) {
    container.healthcheck = container.healthcheck.map((h) => ({ ...h, interval: shortDur(h.interval), timeout: shortDur(h.timeout), start_period: shortDur(h.start_period), retries: h.retries || 0 }));
  }
  if (container.stop_grace_period) container.stop_grace_period = shortDur(container.stop_grace_period);
  task.container_spec = [container];
  // flattenTaskPlacement sets max_replicas always.
  if (task.placement && task.placement.length > 0) task.placement = task.placement.map((p) => ({ ...p, max_replicas: p.max_replicas || 0 }));
  s.task_spec = [task];
  // flattenServiceMode: global false beside replicated.
  s.mode = (s.mode || []).map((m) => ({ ...m, global: m.global === true }));
  // flattenServiceUpdateOrRollbackConfig: shortDur durations, max_failure_ratio with one decimal.
  for (const key of ['update_config', 'rollback_config']) {
    if (s[key] && s[key].length > 0) s[key] = s[key].map((u) => ({ ...u, delay: shortDur(u.delay), monitor: shortDur(u.monitor), max_failure_ratio: Number(u.max_failure_ratio || 0).toFixed(1) }));
  }
  return s;
}

/** resource_docker_image_funcs.go sets repo_digest from the image's RepoDigests: `<repository>@sha256:<hex>`. */
function readImage(state) {
  if (String(state.repo_digest || '').includes('@sha256:')) return state;
  return { ...state, repo_digest: `${String(state.name).replace(/:[^/:]+$/, '')}@sha256:${'1'.repeat(64)}` };
}

/** resource_docker_network_funcs.go reads Options back; the engine adds an overlay's VXLAN id to them. */
function readNetwork(state) {
  if (state.driver !== 'overlay') return state;
  return { ...state, options: { ...(state.options || {}), 'com.docker.network.driver.overlay.vxlanid_list': '4097' } };
}

/** What a stopped container reads back when must_run = false: no published ports, an exit code. */
function readStoppedContainer(state) {
  return { ...readContainer(state), ports: [], network_data: [], exit_code: 0 };
}

const READ = { docker_container: readContainer, docker_service: readService, docker_image: readImage, docker_network: readNetwork };

/**
 * resource_docker_container_funcs.go: create with `cpus` set panics in 3.6.2 (`v.(float32)` on a
 * string; kreuzwerker/terraform-provider-docker#759).
 */
function applyError(typeName, planned) {
  if (typeName === 'docker_container' && planned.cpus) {
    return 'panic: interface conversion: interface {} is string, not float32 (kreuzwerker 3.6.2 resourceDockerContainerCreate, issue #759)';
  }
  return undefined;
}

// ---------------------------------------------------------------- plan helpers

/** SDK v2 compares unset arguments with their zero value (helper/schema/schema.go diffString): "" 0 false [] {} are null. */
function canonical(v) {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return null;
  if (typeof v === 'bigint') return v === 0n ? null : Number(v);
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    return items.length === 0 ? null : items.map((i) => JSON.stringify(i)).sort();
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'object') {
    if (v.constructor && v.constructor.name === 'ExtData') return '(unknown)';
    const entries = Object.entries(v).map(([k, x]) => [k, canonical(x)]).filter(([, x]) => x !== null);
    return entries.length === 0 ? null : Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
  return v;
}
const sameValue = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * The plan of an update by an SDK v2 provider: arguments equal to their prior value modulo zero
 * values and set order keep the prior value, suppressed diffs keep it too.
 */
function planUpdate(typeName, prior, proposed) {
  if (!SDK_V2.test(typeName)) return proposed;
  const planned = DEFAULTS[typeName] ? DEFAULTS[typeName](proposed) : { ...proposed };
  const suppress = SUPPRESS[typeName] || {};
  for (const key of Object.keys(planned)) {
    if (sameValue(prior[key], planned[key]) || (suppress[key] && suppress[key](prior[key], planned[key]))) planned[key] = prior[key];
  }
  return planned;
}

/** The value at a force-new path ("a.b" = a[0].b); undefined where the path does not exist. */
function valueAt(obj, p) {
  let v = obj;
  for (const [i, name] of p.split('.').entries()) {
    if (i > 0) v = Array.isArray(v) && v.length > 0 ? v[0] : undefined;
    v = v !== null && v !== undefined && typeof v === 'object' ? v[name] : undefined;
  }
  return v;
}

/**
 * AttributePaths (tfplugin6) of the force-new arguments the prior state holds; terraform keeps
 * those whose value changed. An argument the prior never held (null after a stand-in import,
 * where the real provider would have read it from the remote object) is not compared.
 */
function requiresReplace(typeName, prior) {
  return (FORCE_NEW[typeName] || [])
    .filter((p) => { const v = valueAt(prior, p); return v !== undefined && v !== null; })
    .map((p) => {
      const [head, ...rest] = p.split('.');
      const steps = [{ attribute_name: head }];
      for (const name of rest) steps.push({ element_key_int: 0 }, { attribute_name: name });
      return { steps };
    });
}

/**
 * What an import knows for sure: bpg's VM importer (proxmoxtf/resource/vm/vm.go,
 * parseImportIDWithNodeName) takes "<node>/<vm id>"; its read then sets vm_id from the id.
 */
function importedState(typeName, id, state) {
  const m = /^([^/]+)\/(\d+)$/.exec(id);
  if (typeName === 'proxmox_virtual_environment_vm' && m) return { ...state, id: m[2], node_name: m[1], vm_id: Number(m[2]) };
  return { ...state, id };
}

/** The SDK v2 defaults of unset arguments (create and update plans). */
function withDefaults(typeName, value) {
  return DEFAULTS[typeName] ? DEFAULTS[typeName](value) : value;
}

module.exports = { importedState, withDefaults, FORCE_NEW, SDK_V2, READ, readStoppedContainer, applyError, planUpdate, requiresReplace, normalizeCapabilities, goDuration, canonical };
