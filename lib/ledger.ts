/**
 * The ledger: a committed JSON file (`dockhost.ledger.json`) of every named volume and VM id the
 * app has synthesized, by Terraform stack. A fresh clone (CI) has no previous `cdktf.out` and no
 * state to compare with; the ledger remembers, so a synth that no longer declares a volume or a VM
 * is refused until the code retires it explicitly (a reviewed line of code, and a ledger diff).
 */
import * as fs from "fs";
import { IConstruct } from "constructs";
import { invalid } from "./errors";

export const LEDGER_VERSION = 1;
export const DEFAULT_LEDGER_FILE = "dockhost.ledger.json";
/** Names the ledger file; empty switches the ledger off (the test suite does, except its own tests). */
export const LEDGER_FILE_ENV = "DOCKHOST_LEDGER_FILE";

/** What the ledger holds, by Terraform stack name. */
export interface LedgerData {
  readonly version: number;
  /** Docker volume names on the VMs the stack's engines reach. */
  readonly volumes: Readonly<Record<string, readonly string[]>>;
  /** Proxmox VM ids, by `<stack>/<DockhostVm id>`. */
  readonly vms: Readonly<Record<string, readonly number[]>>;
}

export const EMPTY_LEDGER: LedgerData = { version: LEDGER_VERSION, volumes: {}, vms: {} };

/** The ledger file to use: the option, else the environment, else `dockhost.ledger.json`; undefined when off. */
export function ledgerFile(option: string | false | undefined): string | undefined {
  const file = option ?? process.env[LEDGER_FILE_ENV] ?? DEFAULT_LEDGER_FILE;
  return file === false || file === "" ? undefined : file;
}

/** Reads the ledger; a missing file is an empty ledger (a first synth). */
export function readLedger(file: string): LedgerData {
  if (!fs.existsSync(file)) return EMPTY_LEDGER;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    invalid({ path: file, key: "(file)", value: "unparsable JSON", allowed: "the JSON that a synth wrote; restore it from git" });
  }
  const ledger = data as Partial<LedgerData>;
  const listsOf = (value: unknown, item: string) =>
    typeof value === "object" && value !== null && Object.values(value).every((list) => Array.isArray(list) && list.every((x) => typeof x === item));
  if (ledger.version !== LEDGER_VERSION || !listsOf(ledger.volumes, "string") || !listsOf(ledger.vms, "number")) {
    invalid({ path: file, key: "(file)", value: `version ${String(ledger.version)}`, allowed: `a ledger of version ${LEDGER_VERSION}: { version, volumes: { stack: [names] }, vms: { "stack/vm": [ids] } }` });
  }
  return ledger as LedgerData;
}

/** Writes the ledger with sorted keys and values, so that its diff in review shows only what changed. */
export function writeLedger(file: string, ledger: LedgerData): void {
  const sorted = <T>(record: Readonly<Record<string, readonly T[]>>) =>
    Object.fromEntries(Object.keys(record).sort().map((key) => [key, [...record[key]].sort()]));
  const text = `${JSON.stringify({ version: LEDGER_VERSION, volumes: sorted(ledger.volumes), vms: sorted(ledger.vms) }, null, 2)}\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
}

/** A volume the code lets go: Dockhost stops tracking it; Docker keeps it until `docker volume rm`. */
export interface VolumeRetirement {
  readonly name: string;
  readonly reason: string;
}

/** A VM the code lets go: Terraform may destroy it (once its Proxmox protection is lifted). */
export interface VmRetirement {
  readonly vmId: number;
  readonly reason: string;
}

/** Retirements per Terraform stack, each with a reason that review reads. */
class Retirements<T extends { readonly reason: string }> {
  private readonly byStack = new WeakMap<IConstruct, T[]>();

  constructor(private readonly method: string) {}

  public record(stack: IConstruct, what: string | number, retirement: T): void {
    if (retirement.reason.trim().length < 10) invalid({ path: stack.node.path, key: `${this.method}(${what})`, value: retirement.reason, allowed: "a reason of at least 10 characters (it is read in review)" });
    this.byStack.set(stack, [...this.of(stack), retirement]);
  }

  public of(stack: IConstruct): readonly T[] {
    return this.byStack.get(stack) ?? [];
  }
}

const retiredVolumes = new Retirements<VolumeRetirement>("retireVolume");
const retiredVms = new Retirements<VmRetirement>("retireVm");

/** Records that `stack` (a Terraform stack) retires the volume `name`, for `reason`. */
export function recordVolumeRetirement(stack: IConstruct, name: string, reason: string): void {
  retiredVolumes.record(stack, name, { name, reason });
}

/** The volumes `stack` retires. */
export function volumeRetirements(stack: IConstruct): readonly VolumeRetirement[] {
  return retiredVolumes.of(stack);
}

/** Records that `stack` (a Terraform stack) retires the VM with Proxmox id `vmId`, for `reason`. */
export function recordVmRetirement(stack: IConstruct, vmId: number, reason: string): void {
  retiredVms.record(stack, vmId, { vmId, reason });
}

/** The VMs `stack` retires. */
export function vmRetirements(stack: IConstruct): readonly VmRetirement[] {
  return retiredVms.of(stack);
}
