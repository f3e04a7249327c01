/**
 * A failed volume backup raises an alert: offen/docker-volume-backup (v2.48.2) has no metrics of
 * its own, but it runs the `docker-volume-backup.prune-pre` label's command only after the archive
 * was created, processed and copied without error (cmd/backup/run_script.go: each phase returns on
 * error; `*-pre` runs before the phase, exec.go withLabeledCommands). That command writes the time
 * of the success into node-exporter's textfile directory; Prometheus alerts when it grows old.
 */
import { AlertRule } from "./alert-rules";

/** Seconds since the epoch of the last successful run, labelled `backup` (the backup's stack name). */
export const BACKUP_SUCCESS_METRIC = "dockhost_volume_backup_last_success_timestamp_seconds";
/** node-exporter's textfile directory on the VM. */
export const TEXTFILE_DIR = "/var/lib/node_exporter/textfile";

/** One backup that Prometheus watches. */
export interface WatchedBackup {
  /** The backup's name, the metric's `backup` label. */
  readonly name: string;
  /** Hours after the last success before the alert fires (a daily backup: 26). */
  readonly maxAgeHours: number;
}

/**
 * The command (docker-volume-backup parses it into argv, then runs it in the container) that records
 * a success in `dir` inside the container; written to a temp file and renamed, so that
 * node-exporter never reads half a file.
 */
export function backupSuccessCommand(name: string, dir: string): string {
  const file = `${dir}/dockhost_volume_backup_${name}.prom`;
  return `/bin/sh -c 'date +%s | sed "s/^/${BACKUP_SUCCESS_METRIC}{backup=\\"${name}\\"} /" > ${file}.tmp && mv ${file}.tmp ${file}'`;
}

/** Alerts for each backup: its last success is too old, or there has never been one. */
export function backupAlertRules(backups: readonly WatchedBackup[]): AlertRule[] {
  return backups.flatMap(({ name, maxAgeHours }) => {
    const metric = `${BACKUP_SUCCESS_METRIC}{backup="${name}"}`;
    return [
      {
        alert: "VolumeBackupFailed",
        expr: `time() - max(${metric}) > ${maxAgeHours * 3600}`,
        for: "5m",
        labels: { severity: "critical" as const },
        annotations: {
          summary: `Volume backup ${name} has not succeeded for ${maxAgeHours} hours`,
          description: `The last successful run of ${name} was {{ $value | humanizeDuration }} ago. See docker logs ${name}-backup: the run failed, or the backup container is not running.`,
        },
      },
      {
        alert: "VolumeBackupNeverSucceeded",
        expr: `absent(${metric})`,
        for: `${maxAgeHours}h`,
        labels: { severity: "critical" as const },
        annotations: {
          summary: `Volume backup ${name} has never succeeded`,
          description: `No successful run of ${name} has been recorded for ${maxAgeHours} hours (or node-exporter's textfile collector cannot read ${TEXTFILE_DIR}).`,
        },
      },
    ];
  });
}
