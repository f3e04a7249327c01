/**
 * A failed VM backup raises an alert. The backup is a Proxmox vzdump job: it runs on the Proxmox
 * node, and nothing inside the VM sees it. What the monitoring stack can read, and why this way:
 * - vzdump's hook script (`script`) would see every phase, but only root@pam may set it
 *   (pve-manager PVE/API2/Backup.pm assert_param_permission_common: tmpdir, dumpdir, script,
 *   job-id are "Only root may set this option"); dockhost deploys with an API token;
 * - listing backup archives of a storage needs Datastore.AllocateSpace and VM.Backup (pve-storage
 *   src/PVE/Storage.pm check_volume_access), privileges that can write backups;
 * - the node's task list needs only Sys.Audit on /nodes/<node> (PVEAuditor, read-only), shows
 *   every finished vzdump task with its end time and status (pve-manager PVE/API2/Tasks.pm
 *   node_tasks: `typefilter`, `vmid`, status "OK", "WARNINGS: n" or the error), and a job of one
 *   VM carries that VM's id as the task id (PVE/API2/VZDump.pm: `$taskid = $local_vmids->[0]`
 *   when there is one; a job of several VMs has none).
 * So a small checker polls the task list with a read-only token and writes node-exporter textfile
 * metrics; Prometheus alerts on a failed run at once, on a missing run after the schedule's
 * period plus slack, and on the checker itself when it cannot read the API.
 */
import { AlertRule } from "./alert-rules";

export const VM_BACKUP_LAST_SUCCESS = "dockhost_vm_backup_last_success_timestamp_seconds";
export const VM_BACKUP_LAST_FAILURE = "dockhost_vm_backup_last_failure_timestamp_seconds";
export const VM_BACKUP_CHECK_SUCCESS = "dockhost_vm_backup_check_success";
export const VM_BACKUP_CHECK_TIMESTAMP = "dockhost_vm_backup_check_timestamp_seconds";
/** The file the checker writes in the textfile directory. */
export const VM_BACKUP_TEXTFILE = "dockhost_vm_backup.prom";

/**
 * The checker (Python 3 standard library only). Configuration from the environment:
 * PVE_ENDPOINT, PVE_NODE, PVE_VMIDS (comma-separated), PVE_TOKEN_FILE (`user@realm!id=secret`),
 * PVE_CA_FILE (optional), PVE_INSECURE_TLS (1 to skip verification), CHECK_INTERVAL_SECONDS,
 * TEXTFILE (output path); CHECK_ONCE=1 runs one round (tests).
 */
export const VM_BACKUP_CHECK_SCRIPT = `import json, os, ssl, sys, time, urllib.parse, urllib.request

endpoint = os.environ["PVE_ENDPOINT"].rstrip("/")
node = os.environ["PVE_NODE"]
vmids = [v.strip() for v in os.environ["PVE_VMIDS"].split(",") if v.strip()]
out = os.environ["TEXTFILE"]
interval = int(os.environ.get("CHECK_INTERVAL_SECONDS", "900"))
if os.environ.get("PVE_INSECURE_TLS") == "1":
    context = ssl._create_unverified_context()
else:
    context = ssl.create_default_context(cafile=os.environ.get("PVE_CA_FILE") or None)
known = {}
LAST_SUCCESS = "${VM_BACKUP_LAST_SUCCESS}"
LAST_FAILURE = "${VM_BACKUP_LAST_FAILURE}"
HELP = {
    LAST_SUCCESS: "End time of the newest successful vzdump run of the VM.",
    LAST_FAILURE: "End time of the newest failed vzdump run of the VM.",
    "${VM_BACKUP_CHECK_SUCCESS}": "1 when the last read of the Proxmox task list succeeded.",
    "${VM_BACKUP_CHECK_TIMESTAMP}": "Time of the last check.",
}


def tasks():
    with open(os.environ["PVE_TOKEN_FILE"]) as f:
        from_file = f.read().strip()
    query = urllib.parse.urlencode({"typefilter": "vzdump", "limit": "1000"})
    request = urllib.request.Request(
        f"{endpoint}/api2/json/nodes/{urllib.parse.quote(node)}/tasks?{query}",
        headers={"Authorization": "PVEAPIToken=" + from_file},
    )
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        return json.load(response)["data"]


def succeeded(task):
    status = str(task.get("status", ""))
    return status == "OK" or status.startswith("WARNINGS")


def check():
    ok = 1
    try:
        finished = [t for t in tasks() if t.get("type") == "vzdump" and "endtime" in t]
        for vmid in vmids:
            # A job of one VM has its id; a job of several has none and covers them all.
            mine = [t for t in finished if t.get("id", "") in (vmid, "")]
            good = [t["endtime"] for t in mine if succeeded(t)]
            bad = [t["endtime"] for t in mine if not succeeded(t)]
            if good:
                known[(LAST_SUCCESS, vmid)] = max(good)
            if bad:
                known[(LAST_FAILURE, vmid)] = max(bad)
    except Exception as error:  # the alert on the check itself says it; the reason goes to the log
        print(f"vm backup check: {error}", file=sys.stderr, flush=True)
        ok = 0
    samples = [(name, f'{{vmid="{vmid}"}}', value) for (name, vmid), value in sorted(known.items())]
    samples += [("${VM_BACKUP_CHECK_SUCCESS}", "", ok), ("${VM_BACKUP_CHECK_TIMESTAMP}", "", int(time.time()))]
    lines = []
    for name, labels, value in samples:
        if not any(line.startswith(f"# TYPE {name} ") for line in lines):
            lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge"]
        lines.append(f"{name}{labels} {value}")
    with open(out + ".tmp", "w") as f:
        f.write("\\n".join(lines) + "\\n")
    os.replace(out + ".tmp", out)


while True:
    check()
    if os.environ.get("CHECK_ONCE") == "1":
        break
    time.sleep(interval)
`;

/** What the VM backup alerts watch. */
export interface WatchedVmBackup {
  /** VM ids of the job. */
  readonly vmIds: readonly number[];
  /** Hours after the last success before a missing run alerts (a weekly job: 8 days). */
  readonly maxAgeHours: number;
  /** How often the checker reads the task list, in minutes. */
  readonly checkIntervalMinutes: number;
}

/** Alerts: a failed run (at once), no successful run for too long, and a checker that cannot read the API. */
export function vmBackupAlertRules({ vmIds, maxAgeHours, checkIntervalMinutes }: WatchedVmBackup): AlertRule[] {
  const ids = vmIds.join("|");
  const success = `max by (vmid) (${VM_BACKUP_LAST_SUCCESS}{vmid=~"${ids}"})`;
  const failure = `max by (vmid) (${VM_BACKUP_LAST_FAILURE}{vmid=~"${ids}"})`;
  return [
    {
      alert: "VmBackupFailed",
      // The newest failure is newer than the newest success (or there is no success at all).
      expr: `${failure} > (${success} or ${failure} * 0)`,
      for: "0m",
      labels: { severity: "critical" },
      annotations: {
        summary: "The Proxmox backup of VM {{ $labels.vmid }} failed",
        description: "The newest vzdump run of VM {{ $labels.vmid }} ended with an error. See the task log on the Proxmox node (Datacenter > Tasks, type Backup).",
      },
    },
    {
      alert: "VmBackupTooOld",
      expr: `time() - ${success} > ${maxAgeHours * 3600}`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `The Proxmox backup of VM {{ $labels.vmid }} has not succeeded for ${maxAgeHours} hours`,
        description: "The last successful vzdump run of VM {{ $labels.vmid }} ended {{ $value | humanizeDuration }} ago: the job did not run (node off, job disabled) or failed.",
      },
    },
    ...vmIds.map((vmid) => ({
      alert: "VmBackupNeverSucceeded",
      expr: `absent(${VM_BACKUP_LAST_SUCCESS}{vmid="${vmid}"}) and on() (max(${VM_BACKUP_CHECK_SUCCESS}) == 1)`,
      for: `${maxAgeHours}h`,
      labels: { severity: "critical" as const, vmid: String(vmid) },
      annotations: {
        summary: `No successful Proxmox backup of VM ${vmid} is on record`,
        description: `The Proxmox node's task list has held no successful vzdump run of VM ${vmid} for ${maxAgeHours} hours.`,
      },
    })),
    {
      alert: "VmBackupCheckFailing",
      expr: `max(${VM_BACKUP_CHECK_SUCCESS}) == 0 or time() - max(${VM_BACKUP_CHECK_TIMESTAMP}) > ${checkIntervalMinutes * 3 * 60} or absent(${VM_BACKUP_CHECK_TIMESTAMP})`,
      for: `${checkIntervalMinutes * 2}m`,
      labels: { severity: "warning" },
      annotations: {
        summary: "The VM backup check cannot read the Proxmox task list",
        description: "A failed VM backup would go unnoticed. See docker logs of the vm-backup-check container (token, address or certificate).",
      },
    },
  ];
}
