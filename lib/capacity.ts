import { SEED } from "./seed";

/**
 * GB of the first disk that Docker may fill (/var/lib/docker: images, volumes, logs). With a cloud
 * image the root filesystem grows over the whole disk, so this is a budget the capacity planner
 * enforces, not a partition: the disk minus the root system, swap and a reserve (seed: 50 - 10 - 2
 * - 3 = 35 GB).
 */
export function dockerDiskBudgetGb(disk0SizeGb: number): number {
  return disk0SizeGb - SEED.rootFsGb - SEED.swapGb - SEED.reserveGb;
}
