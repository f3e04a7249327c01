/**
 * What doctor expects to find on Proxmox: the values the homelab's stacks will use. They come from
 * the synthesized stacks when there are any (each `proxmox_virtual_environment_vm` resource, its
 * variables resolved as Terraform would: TF_VAR_<name> from the environment, else the default),
 * else from the seed's defaults; command-line flags override either.
 */
import * as fs from "fs";
import * as path from "path";
import { SEED } from "../../seed";
import { vmName } from "../../vm-rules";

/** One DockhostVm (one VM resource, `count` VMs) as Proxmox must be ready for it. */
export interface VmExpectation {
  /** Where it comes from, for messages: a stack address or "defaults". */
  readonly source: string;
  readonly nodeName: string;
  readonly templateId: number;
  readonly baseId: number;
  readonly count: number;
  readonly disk0SizeGb: number;
  readonly namePrefix: string;
  /** Datastore of the VM disks. */
  readonly datastoreId: string;
  /** Datastore that receives the cloud-init user-data snippet. */
  readonly snippetsDatastoreId: string;
  readonly bridge: string;
  /** A HostFirewall (VM firewall options) is declared for these VMs. */
  readonly firewall: boolean;
}

export interface BackupJobExpectation {
  readonly source: string;
  readonly nodeName: string;
  readonly storage: string;
}

export interface Expectations {
  readonly vms: readonly VmExpectation[];
  /** Proxmox backup jobs declared (creating one needs Sys.Modify on /): where they write. */
  readonly backupJobs: readonly BackupJobExpectation[];
  /** The provider's endpoint in the stacks (its variable's value), if it has one. */
  readonly endpoint?: string;
  /** The provider's `insecure` setting in the stacks (self-signed certificate accepted). */
  readonly insecure?: boolean;
}

/** The seed's values (shared/seed/dockhost-vm.md via lib/seed.ts) and the constructs' defaults. */
export const DEFAULT_VM: VmExpectation = {
  source: "defaults",
  nodeName: "pve",
  templateId: SEED.templateId,
  baseId: SEED.baseId,
  count: SEED.vmCount,
  disk0SizeGb: SEED.disk0SizeGb,
  namePrefix: SEED.namePrefix,
  datastoreId: "local-lvm",
  snippetsDatastoreId: "local",
  bridge: SEED.bridge,
  firewall: false,
};

type Json = Record<string, any>;

/** Reads `${var.NAME}`-style values: TF_VAR_NAME from the environment, else the variable's default. */
class Resolver {
  constructor(
    private readonly stack: Json,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The first variable an expression references, e.g. `vm_baseid` in `${var.vm_baseid + count.index}`. */
  private variableOf(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const direct = /\bvar\.([A-Za-z_][\w-]*)/.exec(value);
    if (direct) return direct[1];
    // `${local.vm_names[count.index]}`: the variable the local is made from.
    const local = /\blocal\.([A-Za-z_][\w-]*)/.exec(value);
    return local ? this.variableOf(this.stack.locals?.[local[1]]) : undefined;
  }

  private variableValue(name: string): unknown {
    const fromEnv = this.env[`TF_VAR_${name}`];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    return this.stack.variable?.[name]?.default;
  }

  raw(value: unknown): unknown {
    const name = this.variableOf(value);
    return name === undefined ? value : this.variableValue(name);
  }

  number(value: unknown): number | undefined {
    const resolved = this.raw(value);
    const n = typeof resolved === "number" ? resolved : typeof resolved === "string" && /^\d+$/.test(resolved) ? Number(resolved) : undefined;
    return n;
  }

  string(value: unknown): string | undefined {
    const resolved = this.raw(value);
    return typeof resolved === "string" && !resolved.includes("${") ? resolved : undefined;
  }
}

const RESOURCES = (stack: Json, type: string): Array<[string, Json]> => Object.entries<Json>(stack.resource?.[type] ?? {});

function vmExpectation(stackName: string, stack: Json, name: string, vm: Json, env: NodeJS.ProcessEnv): VmExpectation {
  const r = new Resolver(stack, env);
  const disk = (vm.disk ?? []).find((d: Json) => d.interface === "scsi0") ?? vm.disk?.[0] ?? {};
  const address = `proxmox_virtual_environment_vm.${name}`;
  // The snippet the VM boots from: initialization.user_data_file_id names the file resource.
  const fileRef = /proxmox_virtual_environment_file\.([\w-]+)/.exec(vm.initialization?.user_data_file_id ?? "")?.[1];
  const snippet = fileRef ? stack.resource?.proxmox_virtual_environment_file?.[fileRef] : undefined;
  const firewall = RESOURCES(stack, "proxmox_virtual_environment_firewall_options").some(
    ([, options]) => options.enabled === true && String(options.vm_id ?? "").includes(address),
  );
  return {
    source: `${stackName}: ${address}`,
    nodeName: r.string(vm.node_name) ?? DEFAULT_VM.nodeName,
    templateId: r.number(vm.clone?.vm_id) ?? DEFAULT_VM.templateId,
    baseId: r.number(vm.vm_id) ?? DEFAULT_VM.baseId,
    count: vm.count === undefined ? 1 : (r.number(vm.count) ?? DEFAULT_VM.count),
    disk0SizeGb: r.number(disk.size) ?? DEFAULT_VM.disk0SizeGb,
    namePrefix: r.string(vm.name) ?? DEFAULT_VM.namePrefix,
    datastoreId: r.string(disk.datastore_id) ?? DEFAULT_VM.datastoreId,
    snippetsDatastoreId: r.string(snippet?.datastore_id) ?? DEFAULT_VM.snippetsDatastoreId,
    bridge: r.string(vm.network_device?.[0]?.bridge) ?? DEFAULT_VM.bridge,
    firewall,
  };
}

/** The synthesized stacks under `outdir` (cdktf's manifest.json layout), by stack name; none if absent. */
export function readStacks(outdir: string): Record<string, Json> {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) return {};
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  return Object.fromEntries(
    Object.values<{ name: string; synthesizedStackPath: string }>(manifest.stacks ?? {}).map((s) => [
      s.name,
      JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8")),
    ]),
  );
}

export function expectationsFromStacks(stacks: Record<string, Json>, env: NodeJS.ProcessEnv): Expectations {
  const vms: VmExpectation[] = [];
  const backupJobs: BackupJobExpectation[] = [];
  let endpoint: string | undefined;
  let insecure: boolean | undefined;
  for (const [stackName, stack] of Object.entries(stacks)) {
    for (const [name, vm] of RESOURCES(stack, "proxmox_virtual_environment_vm")) vms.push(vmExpectation(stackName, stack, name, vm, env));
    for (const [name, job] of RESOURCES(stack, "proxmox_backup_job")) {
      const r = new Resolver(stack, env);
      // bpg's default storage is "local" when the job names none.
      backupJobs.push({ source: `${stackName}: proxmox_backup_job.${name}`, nodeName: r.string(job.node) ?? DEFAULT_VM.nodeName, storage: r.string(job.storage) ?? "local" });
    }
    const provider = stack.provider?.proxmox?.[0];
    if (provider === undefined) continue;
    const r = new Resolver(stack, env);
    endpoint ??= r.string(provider.endpoint);
    const flag = r.raw(provider.insecure);
    insecure ??= flag === undefined ? undefined : flag === true || flag === "true";
  }
  return { vms, backupJobs, endpoint, insecure };
}

/** Names the VMs of `vm` get (the vm_names local: the prefix, then prefix-2, prefix-3, ...). */
export function expectedNames(vm: VmExpectation): string[] {
  return Array.from({ length: vm.count }, (_, i) => vmName(vm.namePrefix, i));
}
