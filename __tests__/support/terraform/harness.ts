/**
 * Offline terraform for tests.
 *
 * Runs the real terraform binary (validate, plan, apply) against synthesized CDKTF stacks with no
 * network: every provider is replaced by `standin-provider.js`, which serves the provider's real
 * schema (from `lib/schemas/provider`) over the plugin protocol and answers plan/apply with
 * placeholder values. Terraform does all schema and expression checking itself.
 *
 * How providers are found: each workspace writes its own terraform CLI configuration whose only
 * installation method is a `filesystem_mirror` holding one shell wrapper per stand-in. There is
 * no `direct` method, so terraform cannot download anything; nothing is written outside the
 * workspace's temp dir (HOME points inside it too).
 *
 * Speed: terraform starts every provider 3-4 times per command and a node start costs ~170 ms,
 * so each workspace keeps a small pool of already-loaded stand-in processes (see
 * standin-pool.js) that the wrappers hand their start to; with the pool busy or disabled, the
 * wrapper starts a fresh stand-in, which is slower but otherwise identical.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { needs } from '../requirements';

// ---------------------------------------------------------------- locations

/** Repository root: this file lives in <repo>/__tests__/support/terraform/. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const STANDIN_SCRIPT = path.join(__dirname, 'standin-provider.js');

/** Provider schemas the stand-ins serve (lib/schemas/provider, sources noted there). */
const PROVIDER_SCHEMAS_DIR = path.join(REPO_ROOT, 'lib', 'schemas', 'provider');
/** terraform's plugin protocol, v6.8 (protocol/SOURCES.md says where it came from). */
const PROTO_FILE = path.join(__dirname, 'protocol', 'tfplugin6.8.proto');

/** A provider that tests can use, and the schema its stand-in serves. */
export interface StandinProvider {
  /** Fully qualified source address, e.g. `registry.terraform.io/bpg/proxmox`. */
  readonly source: string;
  /** The version the mirror offers (must satisfy the stacks' version constraints). */
  readonly version: string;
  /** File name under `lib/schemas/provider/`. */
  readonly schemaFile: string;
}

export const STANDIN_PROVIDERS: readonly StandinProvider[] = [
  { source: 'registry.terraform.io/bpg/proxmox', version: '0.111.1', schemaFile: 'bpg-proxmox-0.111.1.schema.json' },
  {
    source: 'registry.terraform.io/kreuzwerker/docker',
    version: '3.6.2',
    schemaFile: 'kreuzwerker-docker-3.6.2.schema.json',
  },
  { source: 'registry.terraform.io/hashicorp/null', version: '3.2.4', schemaFile: 'hashicorp-null-3.2.4.schema.json' },
];

// ---------------------------------------------------------------- terraform binary

let terraformPathCache: string | null | undefined;

/** Absolute path of `terraform` on PATH, or null. */
export function terraformPath(): string | null {
  if (terraformPathCache !== undefined) return terraformPathCache;
  terraformPathCache = null;
  const exe = process.platform === 'win32' ? 'terraform.exe' : 'terraform';
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) {
        terraformPathCache = candidate;
        break;
      }
    } catch {
      // not here
    }
  }
  return terraformPathCache;
}

/**
 * `describe` for tests that need terraform: skipped without it (the run's summary names what to
 * install), failing instead under DOCKHOST_REQUIRE_TOOLS=1 (see ../requirements.js).
 */
export function describeWithTerraform(name: string, fn: () => void): void {
  needs('terraform').describe(name, fn);
}

// ---------------------------------------------------------------- results

/** The variable that switches every SSH provisioner of our stacks off. */
const SSH_SWITCH = 'ssh_provisioners_enabled';

export type TerraformVars = Readonly<Record<string, string | number | boolean>>;

/** One diagnostic of `terraform validate -json`. */
export interface TerraformDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly range?: {
    readonly filename: string;
    readonly start: { readonly line: number; readonly column: number; readonly byte: number };
    readonly end: { readonly line: number; readonly column: number; readonly byte: number };
  };
  readonly snippet?: Readonly<Record<string, unknown>>;
}

export interface ValidateResult {
  readonly valid: boolean;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly diagnostics: readonly TerraformDiagnostic[];
  readonly durationMs: number;
}

/** The parts of `terraform show -json <plan>` that tests usually read; the rest is kept as is. */
export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, Change>>;
  readonly planned_values?: Readonly<Record<string, unknown>>;
  readonly variables?: Readonly<Record<string, { readonly value: unknown }>>;
  readonly [key: string]: unknown;
}

export type ChangeAction = 'no-op' | 'create' | 'read' | 'update' | 'delete';

export interface Change {
  readonly actions: readonly ChangeAction[];
  readonly before: unknown;
  readonly after: unknown;
  readonly after_unknown?: unknown;
  readonly [key: string]: unknown;
}

export interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly provider_name: string;
  readonly change: Change;
  readonly [key: string]: unknown;
}

/** Managed resources by planned action (a replacement counts once, as `replace`). */
export interface ChangeCounts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly noop: number;
  /** data sources read during apply */
  readonly read: number;
}

export type PlanResult =
  | {
      readonly ok: true;
      readonly plan: PlanJson;
      readonly counts: ChangeCounts;
      /** terraform's human-readable plan output */
      readonly stdout: string;
      readonly durationMs: number;
    }
  | { readonly ok: false; readonly error: string; readonly stdout: string; readonly durationMs: number };

export interface ApplyResult {
  readonly stdout: string;
  readonly durationMs: number;
}

export interface PlanOptions {
  /** `-var name=value` for each entry (strings are passed as is; terraform converts them). */
  readonly vars?: TerraformVars;
  /** `plan -destroy` */
  readonly destroy?: boolean;
}

export interface ApplyOptions {
  readonly vars?: TerraformVars;
  /**
   * Leave the stacks' SSH steps as `vars` say. Only for the host tier (`__tests__/hosts`), whose
   * stacks address its own throwaway hosts (support/test-hosts.ts); every other apply runs with
   * them off. @default false
   */
  readonly sshToTestHosts?: boolean;
}

export interface OutputValue {
  readonly value: unknown;
  readonly type: unknown;
  readonly sensitive: boolean;
}

/** One terraform invocation, for performance reports. */
export interface Timing {
  readonly stack: string;
  readonly command: string;
  readonly ms: number;
}

/** A failed terraform command; the message includes terraform's stderr. */
export class TerraformError extends Error {
  constructor(
    readonly command: string,
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    const why = timedOut ? 'timed out' : `exited with ${exitCode}`;
    super(`${command} (in ${cwd}) ${why}:\n${(stderr.trim() || stdout.trim()).slice(0, 8000)}`);
    this.name = 'TerraformError';
  }
}

// ---------------------------------------------------------------- workspace

export interface WorkspaceOptions {
  /** Timeout of each terraform invocation. @default 60000 */
  readonly timeoutMs?: number;
  /**
   * Mutual TLS between terraform and the stand-ins, as with real providers. `false` sets
   * TF_DISABLE_PLUGIN_TLS=1 (plaintext on loopback). @default true
   */
  readonly pluginTls?: boolean;
  /** Keep the temp dir on cleanup() (also with DOCKHOST_KEEP_TF_WORKSPACE=1). @default false */
  readonly keep?: boolean;
  /**
   * Warm stand-in processes kept per provider that the stacks use (0: none, every provider start
   * runs node afresh). @default 1
   */
  readonly poolSize?: number;
}

export interface TerraformWorkspace {
  /** The temp dir holding the stacks, the CLI config and the provider mirror. */
  readonly dir: string;
  /** Stack names (sub-folders of the copied stacks dir that hold a cdk.tf.json). */
  readonly stacks: readonly string[];
  /** Every terraform invocation so far, in order. */
  readonly timings: readonly Timing[];
  stackDir(stack: string): string;
  /**
   * `terraform init` (and waiting for the warm stand-ins); done once per stack, later calls return
   * the same promise. validate/plan/apply/output call it themselves.
   */
  init(stack: string): Promise<void>;
  /** `terraform validate -json` (inits first if needed). Never throws for invalid configuration. */
  validate(stack: string): Promise<ValidateResult>;
  /** `terraform plan -out` then `terraform show -json`. A failed plan is a result, not a throw. */
  plan(stack: string, options?: PlanOptions): Promise<PlanResult>;
  /** `terraform apply -auto-approve`; throws TerraformError when it fails. */
  apply(stack: string, options?: ApplyOptions): Promise<ApplyResult>;
  /** `terraform output -json` */
  output(stack: string): Promise<Record<string, OutputValue>>;
  /** One line per invocation, plus totals per command. */
  timingReport(): string;
  /** Tells the modelled Docker engine which containers are stopped (by name) from now on. */
  stopContainers(names: readonly string[]): void;
  /**
   * From now on the stand-in Docker provider creates, reads and deletes containers (and reads
   * images) on a real engine through `docker` (a command and its first arguments, e.g. the docker
   * CLI of a test host): see standin-engine.js.
   */
  useEngine(docker: readonly string[]): void;
  /** Removes the temp dir. */
  cleanup(): void;
}

/** Terraform's platform name (`linux_amd64`, ...), used for the mirror layout. */
function terraformPlatform(): string {
  const os_ = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' }[process.arch as string] ?? process.arch;
  return `${os_}_${arch}`;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Files of a cdktf stacks dir that must not follow the stack into a test workspace. */
function copyFilter(src: string): boolean {
  const base = path.basename(src);
  // Real state, real lock files (their hashes would not match the stand-ins) and provider dirs.
  return !(
    base === '.terraform' ||
    base === '.terraform.lock.hcl' ||
    base.endsWith('.tfstate') ||
    base.endsWith('.tfstate.backup') ||
    base.endsWith('.tfplan')
  );
}

/** The modelled Docker engine's state (stopped containers; a real engine's docker command), read by the stand-ins. */
function engineFile(dir: string): string {
  return path.join(dir, 'engine.json');
}

/** Merges `change` into the engine file. */
function updateEngine(dir: string, change: Record<string, unknown>): void {
  const file = engineFile(dir);
  const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...current, ...change }));
}

/** Environment for terraform: the caller's, minus anything TF_* that could change behaviour. */
function terraformEnv(dir: string, pluginTls: boolean): NodeJS.ProcessEnv {
  const keep = new Set(['TF_LOG', 'TF_LOG_PATH', 'TF_LOG_CORE', 'TF_LOG_PROVIDER']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TF_') || keep.has(k)) env[k] = v;
  }
  // TF_PLUGIN_CACHE_DIR, TF_DATA_DIR, TF_CLI_ARGS*, TF_VAR_* ... are gone with the filter above.
  env.TF_CLI_CONFIG_FILE = path.join(dir, 'terraformrc');
  env.TF_IN_AUTOMATION = '1';
  env.CHECKPOINT_DISABLE = '1';
  env.HOME = path.join(dir, 'home'); // so nothing can land in the user's ~/.terraform.d
  if (!pluginTls) env.TF_DISABLE_PLUGIN_TLS = '1';
  env.DOCKHOST_STANDIN_ENGINE = engineFile(dir);
  return env;
}

/** Terraform's source address rules: "null" means hashicorp/null, "ns/type" the public registry. */
function fullSource(source: string): string {
  const parts = source.toLowerCase().split('/');
  if (parts.length === 1) parts.unshift('hashicorp');
  if (parts.length === 2) parts.unshift('registry.terraform.io');
  return parts.join('/');
}

/**
 * Provider sources (fully qualified) the stacks use: `terraform.required_providers` (where
 * @cdktf/provider-null writes the one-part source "null"), plus the implied hashicorp/<prefix> of
 * resource, data source and provider names that required_providers does not declare.
 */
function providersUsed(stacksRoot: string, stacks: readonly string[]): Set<string> {
  const used = new Set<string>();
  for (const stack of stacks) {
    try {
      const doc = JSON.parse(fs.readFileSync(path.join(stacksRoot, stack, 'cdk.tf.json'), 'utf8'));
      const required: Record<string, { source?: string } | string> = doc?.terraform?.required_providers ?? {};
      for (const [name, req] of Object.entries(required)) {
        used.add(fullSource((typeof req === 'object' && req?.source) || name));
      }
      const localNames = [
        ...Object.keys(doc?.provider ?? {}),
        ...Object.keys(doc?.resource ?? {}).map((t) => t.split('_')[0]),
        ...Object.keys(doc?.data ?? {}).map((t) => t.split('_')[0]),
      ];
      for (const name of localNames) if (!(name in required) && name !== 'terraform') used.add(fullSource(name));
    } catch {
      // an unreadable stack is terraform's to report
    }
  }
  return used;
}

const MAGIC_COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

/**
 * The executable terraform runs as the provider. With a pool dir it first tries to hand the start
 * to a warm stand-in (claim a ready slot with an atomic mkdir, pass terraform's client
 * certificate, then relay the handshake line the stand-in writes into the slot's FIFO; `cat`
 * exits when the stand-in closes it after Shutdown). Otherwise, or when every slot is busy, it
 * starts a fresh stand-in.
 */
function wrapperScript(p: StandinProvider, command: readonly string[], poolDir: string | null): string {
  const lines = ['#!/bin/sh', `# stand-in for ${p.source} ${p.version} (written by harness.ts)`];
  if (poolDir) {
    lines.push(
      `if [ "$TF_PLUGIN_MAGIC_COOKIE" = '${MAGIC_COOKIE}' ]; then`,
      `  for slot in ${shellQuote(poolDir)}/slot-*; do`,
      '    read pid < "$slot/ready" 2>/dev/null && kill -0 "$pid" 2>/dev/null || continue',
      '    mkdir "$slot/claimed" 2>/dev/null || continue',
      '    printf \'%s %s\\n\' "$$" "$PPID" > "$slot/pids"',
      '    printf \'%s\' "${PLUGIN_CLIENT_CERT:-}" > "$slot/cert.tmp"',
      '    mv "$slot/cert.tmp" "$slot/cert"',
      '    exec cat "$slot/out"',
      '  done',
      'fi',
    );
  }
  lines.push(`exec ${command.map(shellQuote).join(' ')}`, '');
  return lines.join('\n');
}

/**
 * Copies a cdktf `cdktf.out/stacks` folder (one sub-folder per stack, each with `cdk.tf.json`)
 * into a fresh temp dir, keeping the layout so relative cross-stack paths still resolve, and
 * sets up the stand-in providers for it.
 */
export function prepareWorkspace(stacksDir: string, options: WorkspaceOptions = {}): TerraformWorkspace {
  const terraform = terraformPath();
  if (!terraform) throw new Error('terraform is not on PATH (use describeWithTerraform to skip instead)');
  const protoFile = PROTO_FILE;
  const stacks = fs
    .readdirSync(stacksDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(stacksDir, d.name, 'cdk.tf.json')))
    .map((d) => d.name)
    .sort();
  if (stacks.length === 0) throw new Error(`no stack (sub-folder with cdk.tf.json) in ${stacksDir}`);

  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockhost-tf-')));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pluginTls = options.pluginTls ?? true;
  fs.mkdirSync(path.join(dir, 'home'));
  fs.mkdirSync(path.join(dir, 'plans'));
  fs.mkdirSync(path.join(dir, 'certs'), { mode: 0o700 });
  // The same depth as in a project (cdktf.out/stacks/<id>), so that the stacks' relative state
  // paths (../../../terraform.<id>.tfstate) land in the workspace's project folder.
  const stacksRoot = path.join(dir, 'project', 'cdktf.out', 'stacks');
  fs.cpSync(stacksDir, stacksRoot, { recursive: true, filter: copyFilter });

  // One wrapper per provider, in the unpacked mirror layout:
  // <mirror>/<host>/<namespace>/<type>/<version>/<os_arch>/terraform-provider-<type>_v<version>
  const mirror = path.join(dir, 'mirror');
  const certDir = path.join(dir, 'certs'); // outside the package dirs: their hashes must not change
  const used = providersUsed(stacksRoot, stacks);
  const poolSize = options.poolSize ?? 1;
  const pool: { child: ChildProcess; slotDir: string }[] = [];
  for (const p of STANDIN_PROVIDERS) {
    const type = p.source.split('/')[2];
    const pkgDir = path.join(mirror, p.source, p.version, terraformPlatform());
    fs.mkdirSync(pkgDir, { recursive: true });
    const command = [
      process.execPath,
      STANDIN_SCRIPT,
      path.join(PROVIDER_SCHEMAS_DIR, p.schemaFile),
      p.source,
      protoFile,
      certDir,
    ];
    const poolDir = path.join(dir, 'pool', type);
    fs.writeFileSync(
      path.join(pkgDir, `terraform-provider-${type}_v${p.version}`),
      wrapperScript(p, command, poolSize > 0 && used.has(p.source) ? poolDir : null),
      { mode: 0o755 },
    );
    if (poolSize > 0 && used.has(p.source)) {
      fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
      for (let i = 0; i < poolSize; i += 1) {
        const slotDir = path.join(poolDir, `slot-${i}`);
        const logFd = fs.openSync(path.join(dir, 'logs', `${type}-${i}.log`), 'a');
        const child = spawn(command[0], [...command.slice(1), '--pool', slotDir], { stdio: ['ignore', logFd, logFd], env: { ...process.env, DOCKHOST_STANDIN_ENGINE: engineFile(dir) } });
        fs.closeSync(logFd);
        // A pooled stand-in that cannot start only costs speed: the wrapper then starts a fresh one.
        child.on('error', (err) => fs.appendFileSync(path.join(dir, 'logs', `${type}-${i}.log`), `${err}\n`));
        child.unref(); // never keeps Jest alive; cleanup() stops it, and it exits if we die
        pool.push({ child, slotDir });
      }
    }
  }
  // Only the mirror, no `direct {}`: an unknown provider fails init instead of being downloaded.
  fs.writeFileSync(
    path.join(dir, 'terraformrc'),
    [
      'disable_checkpoint = true',
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      `    include = ${JSON.stringify(STANDIN_PROVIDERS.map((p) => p.source))}`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );

  const env = terraformEnv(dir, pluginTls);
  const timings: Timing[] = [];
  const inits = new Map<string, Promise<void>>();
  let planCounter = 0;
  const createdAt = Date.now();
  let poolReady: Promise<void> | undefined;

  /**
   * Resolves when every pooled stand-in is loaded (or gone, or after 20 s). Waiting avoids
   * wrappers falling back to fresh starts that would compete for CPU with the warming pool.
   */
  function waitForPool(): Promise<void> {
    poolReady ??= (async () => {
      while (Date.now() - createdAt < 20_000) {
        const warming = pool.filter(({ child, slotDir }) => child.exitCode === null && !fs.existsSync(path.join(slotDir, 'ready')));
        if (warming.length === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (pool.length > 0) timings.push({ stack: '(pool)', command: 'warm-up', ms: Date.now() - createdAt });
    })();
    return poolReady;
  }

  function stackDir(stack: string): string {
    if (!stacks.includes(stack)) throw new Error(`no stack ${stack} in workspace (stacks: ${stacks.join(', ')})`);
    return path.join(stacksRoot, stack);
  }

  interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
  }

  /** Runs terraform; resolves with any exit code, rejects only on timeout or spawn failure. */
  function run(stack: string, label: string, args: readonly string[]): Promise<RunResult> {
    const cwd = stackDir(stack);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      execFile(
        terraform!,
        args,
        { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const ms = Date.now() - started;
          timings.push({ stack, command: label, ms });
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          if (code === null) {
            const timedOut = !!error && (error.killed || error.signal === 'SIGKILL');
            reject(new TerraformError(`terraform ${args.join(' ')}`, cwd, null, stdout, stderr || String(error), timedOut));
            return;
          }
          resolve({ code, stdout, stderr, ms });
        },
      );
    });
  }

  function varArgs(vars: TerraformVars | undefined): string[] {
    return Object.entries(vars ?? {}).flatMap(([k, v]) => ['-var', `${k}=${String(v)}`]);
  }

  /** `ssh_provisioners_enabled=false` for a stack that declares that switch (see DockerHost). */
  function sshOff(stack: string): TerraformVars {
    const json = JSON.parse(fs.readFileSync(path.join(stackDir(stack), 'cdk.tf.json'), 'utf8'));
    return json.variable?.[SSH_SWITCH] ? { [SSH_SWITCH]: false } : {};
  }

  function fail(stack: string, args: readonly string[], r: RunResult): never {
    throw new TerraformError(`terraform ${args.join(' ')}`, stackDir(stack), r.code, r.stdout, r.stderr, false);
  }

  function init(stack: string): Promise<void> {
    let p = inits.get(stack);
    if (!p) {
      const args = ['init', '-input=false', '-no-color'];
      p = Promise.all([run(stack, 'init', args), waitForPool()]).then(([r]) => {
        if (r.code !== 0) fail(stack, args, r);
      });
      p.catch(() => inits.delete(stack)); // a failed init may be retried
      inits.set(stack, p);
    }
    return p;
  }

  async function validate(stack: string): Promise<ValidateResult> {
    await init(stack);
    // `validate` has no -input flag; it never prompts.
    const args = ['validate', '-json', '-no-color'];
    const r = await run(stack, 'validate', args);
    let parsed: { valid: boolean; error_count: number; warning_count: number; diagnostics: TerraformDiagnostic[] };
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      fail(stack, args, r);
    }
    return {
      valid: parsed.valid,
      errorCount: parsed.error_count,
      warningCount: parsed.warning_count,
      diagnostics: parsed.diagnostics ?? [],
      durationMs: r.ms,
    };
  }

  async function plan(stack: string, opts: PlanOptions = {}): Promise<PlanResult> {
    await init(stack);
    planCounter += 1;
    const planFile = path.join(dir, 'plans', `${stack}-${planCounter}.tfplan`);
    const args = [
      'plan',
      '-input=false',
      '-no-color',
      `-out=${planFile}`,
      ...(opts.destroy ? ['-destroy'] : []),
      ...varArgs(opts.vars),
    ];
    const r = await run(stack, 'plan', args);
    if (r.code !== 0) {
      return { ok: false, error: r.stderr.trim() || r.stdout.trim(), stdout: r.stdout, durationMs: r.ms };
    }
    // `show` has no -input flag either.
    const showArgs = ['show', '-json', '-no-color', planFile];
    const s = await run(stack, 'show', showArgs);
    if (s.code !== 0) fail(stack, showArgs, s);
    const json = JSON.parse(s.stdout) as PlanJson;
    return { ok: true, plan: json, counts: countChanges(json), stdout: r.stdout, durationMs: r.ms + s.ms };
  }

  async function apply(stack: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    await init(stack);
    // An apply must never reach a host but a test host: the stacks' SSH steps are off otherwise.
    const vars = opts.sshToTestHosts ? opts.vars : { ...opts.vars, ...sshOff(stack) };
    const args = ['apply', '-input=false', '-no-color', '-auto-approve', ...varArgs(vars)];
    const r = await run(stack, 'apply', args);
    if (r.code !== 0) fail(stack, args, r);
    return { stdout: r.stdout, durationMs: r.ms };
  }

  async function output(stack: string): Promise<Record<string, OutputValue>> {
    await init(stack);
    const args = ['output', '-json', '-no-color'];
    const r = await run(stack, 'output', args);
    if (r.code !== 0) fail(stack, args, r);
    return JSON.parse(r.stdout) as Record<string, OutputValue>;
  }

  function timingReport(): string {
    const lines = timings.map((t) => `${t.stack.padEnd(24)} ${t.command.padEnd(9)} ${String(t.ms).padStart(6)} ms`);
    const totals = new Map<string, { n: number; ms: number }>();
    for (const t of timings) {
      const cur = totals.get(t.command) ?? { n: 0, ms: 0 };
      totals.set(t.command, { n: cur.n + 1, ms: cur.ms + t.ms });
    }
    for (const [cmd, { n, ms }] of totals) {
      lines.push(`total ${cmd.padEnd(9)} ${n} run(s), ${ms} ms, mean ${Math.round(ms / n)} ms`);
    }
    return lines.join('\n');
  }

  function cleanup(): void {
    for (const { child } of pool) if (child.exitCode === null) child.kill('SIGTERM');
    if (options.keep || process.env.DOCKHOST_KEEP_TF_WORKSPACE === '1') {
      // eslint-disable-next-line no-console
      console.log(`terraform test workspace kept: ${dir}`);
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  return {
    dir,
    stacks,
    timings,
    stackDir,
    init,
    validate,
    plan,
    apply,
    output,
    timingReport,
    stopContainers: (names) => updateEngine(dir, { stopped: names }),
    useEngine: (docker) => updateEngine(dir, { docker }),
    cleanup,
  };
}

/** Counts managed resource changes of a plan by action. */
export function countChanges(plan: PlanJson): ChangeCounts {
  const counts = { create: 0, update: 0, delete: 0, replace: 0, noop: 0, read: 0 };
  for (const rc of plan.resource_changes ?? []) {
    const a = rc.change.actions;
    if (rc.mode === 'data') {
      if (a.includes('read')) counts.read += 1;
      continue;
    }
    if (a.includes('create') && a.includes('delete')) counts.replace += 1;
    else if (a.includes('create')) counts.create += 1;
    else if (a.includes('delete')) counts.delete += 1;
    else if (a.includes('update')) counts.update += 1;
    else counts.noop += 1;
  }
  return counts;
}
