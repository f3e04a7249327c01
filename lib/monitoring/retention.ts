/**
 * Size-based retention for Prometheus, sized from the disk budget of its data volume.
 *
 * `--storage.tsdb.retention.size` caps the persisted blocks, but Prometheus counts its WAL and
 * head chunks towards that size without being able to delete them, and compaction writes a new
 * block before it removes the ones it merges. So the cap is set below the budget: 20% of it is
 * left for the WAL (two hours or more of raw samples, in segments of up to 128 MB) and for one
 * compaction in flight, which on a homelab-sized Prometheus (a few thousand series) is plenty.
 */
import { invalid } from "../errors";

/** Share of the volume budget, in percent, left outside the retention cap for WAL and compaction. */
export const RETENTION_HEADROOM_PERCENT = 20;

/** Smallest budget accepted: below it the WAL alone would take most of the volume. */
export const MIN_RETENTION_BUDGET_GB = 1;

const MB_PER_GB = 1024;

/** The disk Prometheus may use, and the disk it lives on. GB here are GiB, as for Proxmox and Prometheus. */
export interface RetentionBudget {
  /** GB of /var/lib/docker the Prometheus data volume may fill (its volume size budget). */
  readonly retentionSizeGb: number;
  /** GB of disk Docker has on the VM (the capacity planner's Docker budget: 35 on the seed's 50 GB disk). */
  readonly dockerDiskGb: number;
}

/**
 * The value of `--storage.tsdb.retention.size` for a budget: 80% of it, in whole MB, written in
 * GB when that is exact (`"4GB"` for 5 GB, `"2457MB"` for 3 GB). Prometheus's units are powers of
 * two and upper case. Throws when the budget is below 1 GB or larger than the Docker disk.
 */
export function prometheusRetentionSize(path: string, budget: RetentionBudget): string {
  const { retentionSizeGb, dockerDiskGb } = budget;
  if (!(Number.isFinite(retentionSizeGb) && retentionSizeGb >= MIN_RETENTION_BUDGET_GB)) {
    invalid({
      path,
      key: "retentionSizeGb",
      value: retentionSizeGb,
      allowed: `at least ${MIN_RETENTION_BUDGET_GB} GB: the WAL and head chunks alone can take a few hundred MB`,
    });
  }
  if (retentionSizeGb > dockerDiskGb) {
    invalid({
      path,
      key: "retentionSizeGb",
      value: retentionSizeGb,
      allowed: `retention budget larger than the docker disk; expected at most the ${dockerDiskGb} GB Docker has`,
    });
  }
  // Whole percent first, so that round budgets give exact sizes (5 GB -> 4096 MB, not 4095.99...).
  const megabytes = Math.floor((retentionSizeGb * MB_PER_GB * (100 - RETENTION_HEADROOM_PERCENT)) / 100);
  return megabytes % MB_PER_GB === 0 ? `${megabytes / MB_PER_GB}GB` : `${megabytes}MB`;
}
