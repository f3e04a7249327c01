import { Token } from "cdktf";
import { Construct } from "constructs";
import { BackupJob } from "../.gen/providers/proxmox/backup-job";
import { checkInteger } from "../lib/bounds";
import { invalid } from "../lib/errors";
import { PROXMOX_STORAGE_ID } from "../lib/vm-rules";
import { terraformName } from "../lib/naming";
import { isCalendarEvent } from "../lib/schedule";
import { shellQuote } from "../lib/ssh";
import { DockhostVm } from "./dockhost-vm";

/** vzdump modes: `snapshot` keeps the VM running (the guest agent freezes its filesystems). */
export const VM_BACKUP_MODES = ["snapshot", "suspend", "stop"] as const;
/** One of {@link VM_BACKUP_MODES}. */
export type VmBackupMode = (typeof VM_BACKUP_MODES)[number];

/** Compression of the archives, by the names Proxmox's `compress` option takes. */
const COMPRESSION = { zstd: "zstd", gzip: "gzip", lzo: "lzo", none: "0" } as const;
/** Archive compression: `zstd`, `gzip`, `lzo` or `none`. */
export type VmBackupCompression = keyof typeof COMPRESSION;

/** How many archives Proxmox keeps (its `prune-backups` options); each given one is at least 1. */
export interface VmBackupRetention {
  /**
   * Newest backup of each of the last N days.
   * @default none
   */
  readonly keepDaily?: number;
  /**
   * Newest backup of each of the last N weeks.
   * @default none
   */
  readonly keepWeekly?: number;
  /**
   * Newest backup of each of the last N months.
   * @default none
   */
  readonly keepMonthly?: number;
}

/** Schedule, mode, storage and retention of the VMs' vzdump backup job. */
export interface VmBackupProps {
  /** The VMs to back up: every VM of this DockhostVm (`vm_count` of them). */
  readonly vm: DockhostVm;
  /**
   * When the job runs: a Proxmox calendar event, in the node's time zone.
   * @default "sun 01:00" (the seed's weekly snapshots)
   */
  readonly schedule?: string;
  /**
   * vzdump mode.
   * @default "snapshot" (no downtime; the guest agent freezes the filesystems)
   */
  readonly mode?: VmBackupMode;
  /**
   * Proxmox storage that receives the archives; it needs the "VZDump backup file" content type.
   * @default "local"
   */
  readonly storage?: string;
  /**
   * Compression of the archives.
   * @default "zstd"
   */
  readonly compression?: VmBackupCompression;
  /**
   * Archives kept per VM; older ones are pruned after each run.
   * @default { keepDaily: 7, keepWeekly: 4, keepMonthly: 3 }
   */
  readonly retention?: VmBackupRetention;
  /**
   * Proxmox job id, as `pvesh get /cluster/backup` lists it.
   * @default "<vm name prefix>-vms"
   */
  readonly jobId?: string;
}

const DEFAULT_RETENTION: Required<VmBackupRetention> = { keepDaily: 7, keepWeekly: 4, keepMonthly: 3 };
const RETENTION_KEYS = { keepDaily: "keep-daily", keepWeekly: "keep-weekly", keepMonthly: "keep-monthly" } as const;
const JOB_ID = /^[a-z][a-z0-9_-]{2,}$/i;

/**
 * Scheduled vzdump backups of the dockhost VM(s) (a `proxmox_backup_job`): the seed's weekly
 * Proxmox snapshots, with retention, kept on a Proxmox storage outside the VM. With the default
 * snapshot mode the VM keeps running.
 */
export class VmBackup extends Construct {
  public readonly vm: DockhostVm;
  public readonly schedule: string;
  public readonly mode: VmBackupMode;
  public readonly storage: string;
  public readonly retention: VmBackupRetention;
  public readonly job: BackupJob;

  constructor(scope: Construct, id: string, props: VmBackupProps) {
    super(scope, id);
    const path = this.node.path;
    this.vm = props.vm;
    this.schedule = props.schedule ?? "sun 01:00";
    if (!isCalendarEvent(this.schedule)) {
      invalid({ path, key: "schedule", value: this.schedule, allowed: "expected a Proxmox calendar event such as sun 01:00, mon..fri 22:30 or weekly" });
    }
    this.mode = props.mode ?? "snapshot";
    if (!VM_BACKUP_MODES.includes(this.mode)) invalid({ path, key: "mode", value: this.mode, allowed: `expected one of ${VM_BACKUP_MODES.join(", ")}` });
    this.storage = props.storage ?? "local";
    if (!PROXMOX_STORAGE_ID.test(this.storage)) invalid({ path, key: "storage", value: this.storage, allowed: "expected a Proxmox storage id such as local or nas-backups" });
    const compression = props.compression ?? "zstd";
    if (!Object.hasOwn(COMPRESSION, compression)) invalid({ path, key: "compression", value: compression, allowed: `expected one of ${Object.keys(COMPRESSION).join(", ")}` });
    this.retention = props.retention ?? DEFAULT_RETENTION;
    const keep = Object.entries(RETENTION_KEYS).filter(([key]) => this.retention[key as keyof VmBackupRetention] !== undefined);
    if (keep.length === 0) invalid({ path, key: "retention", value: this.retention, allowed: `expected at least one of ${Object.keys(RETENTION_KEYS).join(", ")}` });
    const pruneBackups = Object.fromEntries(
      keep.map(([key, option]) => [option, String(checkInteger(path, `retention.${key}`, this.retention[key as keyof VmBackupRetention]!, { min: 1 }))]),
    );
    const jobId = props.jobId ?? `${this.vm.namePrefix}-vms`;
    if (!JOB_ID.test(jobId)) invalid({ path, key: "jobId", value: jobId, allowed: "expected a job id of letters, digits, '-' and '_', starting with a letter, at least 3 characters" });

    this.job = new BackupJob(this, "job", {
      id: jobId,
      nodeAttribute: this.vm.nodeName,
      // Every VM of the resource, including those `-var vm_count` adds at plan time.
      vmid: Token.asList(`\${${this.vm.vm.terraformResourceType}.${this.vm.vm.friendlyUniqueId}[*].vm_id}`),
      schedule: this.schedule,
      mode: this.mode,
      storage: this.storage,
      compress: COMPRESSION[compression],
      pruneBackups,
      enabled: true,
      // A homelab server is not always on at 1 a.m.: run a missed backup at the next boot.
      repeatMissed: true,
      notesTemplate: "{{guestname}}",
    });
    this.job.overrideLogicalId(terraformName(id));
  }

  /**
   * Shell commands, for root on the Proxmox node, that restore VM `index` from its newest archive
   * on the backup storage (the same VM id, its disks back on their datastore). They lift the
   * deletion protection for the restore and put it back. Ids are the props' (baseId + index): a
   * `-var vm_baseid` override at plan time is not reflected here.
   */
  public restoreCommands(index = 0): string[] {
    checkInteger(this.node.path, "restoreCommands.index", index, { min: 0, max: this.vm.count - 1 });
    const vmId = this.vm.baseId + index;
    return [
      `# Newest backup of VM ${vmId} (${this.vm.vmName(index)}) on storage ${this.storage}; pick another line of the list for an older one.`,
      `pvesm list ${shellQuote(this.storage)} --content backup --vmid ${vmId}`,
      `ARCHIVE=$(pvesm list ${shellQuote(this.storage)} --content backup --vmid ${vmId} | awk 'NR > 1 { print $1 }' | sort | tail -n 1)`,
      `# The VM is protected from deletion, which a restore over it needs lifted.`,
      `qm set ${vmId} --protection 0`,
      `qm stop ${vmId}`,
      `qmrestore "$ARCHIVE" ${vmId} --force 1`,
      `qm set ${vmId} --protection 1`,
      `qm start ${vmId}`,
    ];
  }
}
