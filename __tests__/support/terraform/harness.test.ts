/**
 * Proves the offline terraform harness with small hand-written cdk.tf.json stacks: terraform's own
 * schema and expression checks run against the stand-in providers, plan/apply work, and
 * cross-stack remote state resolves through a relative local backend path.
 * Addresses are from TEST-NET (192.0.2.0/24): nothing may dial them, and nothing does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTerraform, prepareWorkspace } from './harness';
import type { TerraformWorkspace } from './harness';

type Json = Record<string, unknown>;

const PROVIDERS = {
  proxmox: { source: 'bpg/proxmox', version: '0.111.1' },
  docker: { source: 'kreuzwerker/docker', version: '3.6.2' },
  // @cdktf/provider-null writes the one-part source "null" (terraform reads it as hashicorp/null).
  null: { source: 'null', version: '3.2.4' },
} as const;
type ProviderName = keyof typeof PROVIDERS;

const PROVIDER_CONFIG: Record<ProviderName, Json> = {
  proxmox: {
    endpoint: 'https://192.0.2.2:8006/',
    api_token: 'terraform@pve!test=00000000-0000-0000-0000-000000000000',
    insecure: true,
    ssh: [{ agent: false, username: 'root' }],
  },
  docker: { host: 'ssh://admin@192.0.2.10:22' },
  null: {},
};

/** A stack document shaped like cdktf's output (metadata key, required_providers, local backend). */
function stack(name: string, providers: ProviderName[], body: Json): Json {
  return {
    '//': { metadata: { stackName: name, backend: 'local' } },
    terraform: {
      required_providers: Object.fromEntries(providers.map((p) => [p, PROVIDERS[p]])),
      backend: { local: { path: `terraform.${name}.tfstate` } },
    },
    provider: Object.fromEntries(providers.map((p) => [p, [PROVIDER_CONFIG[p]]])),
    ...body,
  };
}

/** bpg's network_device is a list(object) attribute: every key of each object must be present. */
function networkDevice(overrides: Json = {}): Json {
  return {
    bridge: 'vmbr0',
    disconnected: null,
    enabled: null,
    firewall: null,
    mac_address: null,
    model: 'virtio',
    mtu: null,
    queues: null,
    rate_limit: null,
    trunks: null,
    vlan_id: null,
    ...overrides,
  };
}

function vm(overrides: Json = {}): Json {
  return {
    node_name: 'pve',
    vm_id: 9010,
    name: 'dockhost-0',
    description: 'VM for dockhost project - All Docker apps',
    tags: ['dockhost'],
    clone: [{ vm_id: 9001, full: true }],
    cpu: [{ cores: 3, type: 'host' }],
    memory: [{ dedicated: '${var.vm_memory}' }],
    disk: [{ interface: 'scsi0', datastore_id: 'local-lvm', size: 50 }],
    network_device: [networkDevice()],
    agent: [{ enabled: true }],
    initialization: [
      {
        datastore_id: 'local-lvm',
        ip_config: [{ ipv4: [{ address: '192.0.2.10/24', gateway: '192.0.2.1' }] }],
        dns: [{ servers: ['192.0.2.1', '1.1.1.1'] }],
      },
    ],
    ...overrides,
  };
}

const VARIABLES: Json = {
  vm_memory: {
    type: 'number',
    default: 10240,
    description: 'MB',
    validation: [
      { condition: '${var.vm_memory >= 2048}', error_message: 'vm_memory must be at least 2048 (MB).' },
    ],
  },
  ssh_provisioners_enabled: { type: 'bool', default: true, description: 'off switch for SSH provisioners' },
};

/** One resource of each provider, a variable with validation and a switchable SSH provisioner. */
function goodStack(name: string): Json {
  return stack(name, ['proxmox', 'docker', 'null'], {
    variable: VARIABLES,
    resource: {
      proxmox_virtual_environment_vm: { dockhost: vm() },
      docker_image: { nginx: { name: 'nginx:1.27-alpine', keep_locally: true } },
      docker_container: {
        web: {
          name: 'web',
          image: '${docker_image.nginx.image_id}',
          restart: 'unless-stopped',
          ports: [{ internal: 80, external: 8080 }],
        },
      },
      null_resource: {
        ready: {
          count: '${var.ssh_provisioners_enabled ? 1 : 0}',
          triggers: { vm: '${proxmox_virtual_environment_vm.dockhost.id}' },
          connection: { type: 'ssh', host: '192.0.2.10', user: 'admin', timeout: '5s' },
          provisioner: [{ 'remote-exec': { inline: ['cloud-init status --wait', 'docker info'] } }],
        },
      },
    },
    output: {
      vm_id: { value: '${proxmox_virtual_environment_vm.dockhost.vm_id}' },
      container_id: { value: '${docker_container.web.id}' },
    },
  });
}

/** Each defect: a stack, and what terraform's diagnostic must say. */
const DEFECTS: Record<string, { stack: Json; summary: RegExp; detail?: RegExp }> = {
  'unknown-argument': {
    stack: stack('unknown-argument', ['docker'], {
      resource: { docker_container: { web: { name: 'web', image: 'nginx:1.27', imagee: 'typo' } } },
    }),
    // JSON syntax says "Extraneous JSON object property" where HCL says "Unsupported argument".
    summary: /^Extraneous JSON object property$/,
    detail: /No argument or block type is named "imagee"/,
  },
  'wrong-type': {
    stack: stack('wrong-type', ['proxmox'], {
      variable: VARIABLES,
      resource: { proxmox_virtual_environment_vm: { dockhost: vm({ memory: [{ dedicated: 'ten gigabytes' }] }) } },
    }),
    summary: /^Incorrect attribute value type$/,
    detail: /"dedicated": a number is required/,
  },
  'missing-required': {
    stack: stack('missing-required', ['proxmox'], {
      variable: VARIABLES,
      resource: { proxmox_virtual_environment_vm: { dockhost: vm({ node_name: undefined }) } },
    }),
    summary: /^Missing required argument$/,
    detail: /"node_name" is required/,
  },
  'too-many-blocks': {
    stack: stack('too-many-blocks', ['proxmox'], {
      variable: VARIABLES,
      resource: { proxmox_virtual_environment_vm: { dockhost: vm({ cpu: [{ cores: 2 }, { cores: 3 }] }) } },
    }),
    summary: /^Too many cpu blocks$/,
  },
  'incomplete-list-object': {
    // The JSON-syntax gotcha: an object in a list(object) attribute with keys left out.
    stack: stack('incomplete-list-object', ['proxmox'], {
      variable: VARIABLES,
      resource: {
        proxmox_virtual_environment_vm: { dockhost: vm({ network_device: [{ bridge: 'vmbr0', model: 'virtio' }] }) },
      },
    }),
    summary: /^Incorrect attribute value type$/,
    detail: /"network_device": element 0: attributes "disconnected", .* are required/,
  },
  'undeclared-variable': {
    stack: stack('undeclared-variable', ['null'], {
      resource: { null_resource: { a: { triggers: { x: '${var.not_declared}' } } } },
    }),
    summary: /^Reference to undeclared input variable$/,
    detail: /"not_declared"/,
  },
  'bad-function-call': {
    stack: stack('bad-function-call', ['null'], {
      resource: { null_resource: { a: { triggers: { x: '${no_such_function("x")}' } } } },
    }),
    summary: /^Call to unknown function$/,
    detail: /"no_such_function"/,
  },
};

function writeStacks(stacks: Record<string, Json>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhost-fixture-'));
  for (const [name, doc] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'cdk.tf.json'), JSON.stringify(doc, null, 2));
  }
  return dir;
}

/** Prints the timings when asked (DOCKHOST_TF_TIMINGS=1), then removes the workspace and fixtures. */
function release(ws: TerraformWorkspace | undefined, fixtureDir: string | undefined): void {
  if (process.env.DOCKHOST_TF_TIMINGS === '1' && ws) console.log(ws.timingReport());
  ws?.cleanup();
  if (fixtureDir) fs.rmSync(fixtureDir, { recursive: true, force: true });
}

/** Test runs switch every SSH provisioner off, so nothing dials the placeholder addresses. */
const OFFLINE = { ssh_provisioners_enabled: false } as const;

describeWithTerraform('terraform harness: validate, plan and apply against stand-in providers', () => {
  let fixtureDir: string;
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    fixtureDir = writeStacks({
      good: goodStack('good'),
      ...Object.fromEntries(Object.entries(DEFECTS).map(([n, d]) => [n, d.stack])),
    });
    // Leftovers of a real deployment that must not follow the stack into the workspace.
    fs.writeFileSync(path.join(fixtureDir, 'good', 'terraform.good.tfstate'), '{"not":"a test state"}');
    fs.writeFileSync(path.join(fixtureDir, 'good', '.terraform.lock.hcl'), '# real hashes');
    ws = prepareWorkspace(fixtureDir);
    // One init per stack, all at once.
    await Promise.all(ws.stacks.map((s) => ws.init(s)));
  }, 60_000);

  afterAll(() => release(ws, fixtureDir));

  test('copies the stacks without their state or lock file and keeps the layout', () => {
    expect(ws.stacks).toEqual(['good', ...Object.keys(DEFECTS)].sort());
    const good = ws.stackDir('good');
    expect(path.dirname(good)).toBe(path.dirname(ws.stackDir('wrong-type'))); // siblings, as in cdktf.out
    expect(good.startsWith(ws.dir)).toBe(true);
    expect(fs.existsSync(path.join(good, 'cdk.tf.json'))).toBe(true);
    expect(fs.existsSync(path.join(good, 'terraform.good.tfstate'))).toBe(false);
    // init wrote a lock file of its own, in the workspace, for the stand-ins
    expect(fs.readFileSync(path.join(good, '.terraform.lock.hcl'), 'utf8')).toContain('provider "registry.terraform.io/bpg/proxmox"');
    expect(fs.readFileSync(path.join(fixtureDir, 'good', '.terraform.lock.hcl'), 'utf8')).toBe('# real hashes');
  });

  test('a good stack validates with zero diagnostics', async () => {
    const result = await ws.validate('good');
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test.each(Object.keys(DEFECTS))('validate catches the defect: %s', async (name) => {
    const { summary, detail } = DEFECTS[name];
    const result = await ws.validate(name);
    expect(result.valid).toBe(false);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    const match = errors.find((d) => summary.test(d.summary) && (!detail || detail.test(d.detail ?? '')));
    if (!match) throw new Error(`no diagnostic matching ${summary} / ${detail}; got ${JSON.stringify(errors, null, 2)}`);
  });

  test('a variable validation block rejects a -var override with its message', async () => {
    const result = await ws.plan('good', { vars: { vm_memory: 512, ...OFFLINE } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/Invalid value for variable/);
    expect(result.error).toMatch(/vm_memory must be at least 2048 \(MB\)\./);
  });

  test('plan counts the resources, apply succeeds, and a second plan has no changes', async () => {
    const first = await ws.plan('good');
    if (!first.ok) throw new Error(first.error);
    // VM, image, container and the readiness gate (its provisioner is only planned, never run).
    expect(first.counts).toMatchObject({ create: 4, update: 0, delete: 0, replace: 0 });
    const vmChange = first.plan.resource_changes?.find((r) => r.address === 'proxmox_virtual_environment_vm.dockhost');
    expect(vmChange?.change.after).toMatchObject({ node_name: 'pve', vm_id: 9010, memory: [{ dedicated: 10240 }] });
    // Computed attributes not set in config are "known after apply", the id included.
    expect(vmChange?.change.after_unknown).toMatchObject({ id: true, ipv4_addresses: true, mac_addresses: true });

    // With the off switch, the gate (and its SSH provisioner) is not created: nothing dials out.
    await ws.apply('good', { vars: OFFLINE });
    const outputs = await ws.output('good');
    expect(outputs.vm_id.value).toBe(9010);
    expect(outputs.container_id.value).toMatch(/^standin-docker_container-\d+$/);

    const second = await ws.plan('good', { vars: OFFLINE });
    if (!second.ok) throw new Error(second.error);
    expect(second.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 0, noop: 3, read: 0 });

    // An override is an in-place update (the stand-ins ask for replacement only where the real
    // provider does: null_resource's triggers).
    const resized = await ws.plan('good', { vars: { ...OFFLINE, vm_memory: 12288 } });
    if (!resized.ok) throw new Error(resized.error);
    expect(resized.counts).toMatchObject({ update: 1, noop: 2 });

    const destroy = await ws.plan('good', { vars: OFFLINE, destroy: true });
    if (!destroy.ok) throw new Error(destroy.error);
    expect(destroy.counts).toMatchObject({ delete: 3, create: 0 });
  }, 60_000);
});

describeWithTerraform('terraform harness: a stack reads another stack through terraform_remote_state', () => {
  let fixtureDir: string;
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    fixtureDir = writeStacks({
      infra: stack('infra', ['null'], {
        resource: { null_resource: { gate: { triggers: { address: '192.0.2.10' } } } },
        output: { vm_address: { value: '192.0.2.10' }, gate_id: { value: '${null_resource.gate.id}' } },
      }),
      // Shaped like cdktf's cross-stack reference: a local backend with a path relative to the stack.
      apps: stack('apps', ['docker', 'null'], {
        data: {
          terraform_remote_state: {
            'cross-stack-reference-input-infra': {
              backend: 'local',
              config: { path: '../infra/terraform.infra.tfstate' },
            },
          },
        },
        resource: {
          null_resource: {
            uses_infra: {
              triggers: {
                address: '${data.terraform_remote_state.cross-stack-reference-input-infra.outputs.vm_address}',
                gate: '${data.terraform_remote_state.cross-stack-reference-input-infra.outputs.gate_id}',
              },
            },
          },
        },
      }),
    });
    ws = prepareWorkspace(fixtureDir);
    await Promise.all(ws.stacks.map((s) => ws.init(s)));
  }, 60_000);

  afterAll(() => release(ws, fixtureDir));

  test('stack B plans only once stack A is applied, with A’s output values', async () => {
    const before = await ws.plan('apps');
    expect(before.ok).toBe(false);
    if (!before.ok) expect(before.error).toMatch(/Unable to find remote state/);

    await ws.apply('infra');
    const after = await ws.plan('apps');
    if (!after.ok) throw new Error(after.error);
    expect(after.counts.create).toBe(1);
    const change = after.plan.resource_changes?.find((r) => r.address === 'null_resource.uses_infra');
    expect(change?.change.after).toMatchObject({
      triggers: { address: '192.0.2.10', gate: expect.stringMatching(/^standin-null_resource-\d+$/) },
    });
  }, 60_000);
});

describeWithTerraform('terraform harness: fresh stand-in per start, plaintext transport', () => {
  let fixtureDir: string;
  let ws: TerraformWorkspace;

  beforeAll(() => {
    fixtureDir = writeStacks({
      solo: stack('solo', ['null'], {
        variable: { x: { type: 'string', default: 'y' } },
        resource: { null_resource: { a: { triggers: { x: '${var.x}' } } } },
      }),
    });
    // No warm pool: every provider start runs standin-provider.js directly, as terraform would a
    // real provider; TF_DISABLE_PLUGIN_TLS=1 exercises the plaintext handshake.
    ws = prepareWorkspace(fixtureDir, { poolSize: 0, pluginTls: false });
  });

  afterAll(() => release(ws, fixtureDir));

  test('validates and plans', async () => {
    expect((await ws.validate('solo')).diagnostics).toEqual([]);
    const plan = await ws.plan('solo');
    if (!plan.ok) throw new Error(plan.error);
    expect(plan.counts.create).toBe(1);
  }, 60_000);

  test("a changed trigger replaces the null_resource, as hashicorp/null's RequiresReplace does", async () => {
    await ws.apply('solo');
    const same = await ws.plan('solo');
    if (!same.ok) throw new Error(same.error);
    expect(same.counts).toMatchObject({ noop: 1, replace: 0 });
    const changed = await ws.plan('solo', { vars: { x: 'z' } });
    if (!changed.ok) throw new Error(changed.error);
    expect(changed.counts).toMatchObject({ replace: 1, update: 0 });
  }, 60_000);
});
