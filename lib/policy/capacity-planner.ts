import type { DockhostVm } from "../../constructs/dockhost-vm";
import { dockerDiskBudgetGb } from "../capacity";
import { estimatedImageSizeMb } from "../images";
import { SEED } from "../seed";
import { CrossFinding } from "./conflicts";
import { HomelabModel } from "./subjects";

/** Memory Ubuntu, dockerd, containerd and the guest agent keep for themselves. */
export const HOST_RESERVE_MB = 1024;
/** json-file logs of one container at most (the seed's 10 MB x 3 files). */
const LOG_BUDGET_MB = 30;
export const WARN_AT = 0.8;

export const CAPACITY_RULES = { memory: "DH-CAPACITY-MEMORY", disk: "DH-CAPACITY-DISK", cpu: "DH-CAPACITY-CPU" } as const;

export interface CapacityLine {
  /** The VM, as `<DockhostVm path>[<index>] (<vm name>)`. */
  readonly vm: string;
  readonly resource: "memory" | "disk" | "cpu";
  readonly need: number;
  readonly capacity: number;
  readonly unit: "MB" | "GB" | "cores";
  readonly status: "ok" | "warning" | "error";
}

export interface CapacityPlan {
  readonly lines: readonly CapacityLine[];
  readonly findings: readonly CrossFinding[];
  /** Per DockhostVm: the least memory (MB) and first-disk size (GB) its busiest VM needs. */
  readonly minimums: ReadonlyMap<DockhostVm, { readonly memoryMb: number; readonly disk0SizeGb: number }>;
}

/**
 * Sums what the containers of each VM ask for against what the VM has, across every engine (one
 * per Terraform stack) that reaches it: memory limits plus the host reserve against its memory,
 * volume size budgets, images and logs against the Docker disk budget, CPU limits against its
 * cores. Above 80 % is a warning, above 100 % an error.
 */
export function planCapacity(model: HomelabModel): CapacityPlan {
  const lines: CapacityLine[] = [];
  const findings: CrossFinding[] = [];
  const minimums = new Map<DockhostVm, { memoryMb: number; disk0SizeGb: number }>();
  for (const engines of groupBy(model.engines, (e) => e.vmKey).values()) {
    const engine = engines[0];
    const stacks = engines.flatMap((e) => e.stackList);
    const services = stacks.flatMap((s) => s.serviceList);
    const vm = engine.dockerHost.vm;
    const memoryMb = HOST_RESERVE_MB + services.reduce((sum, s) => sum + (s.spec.memoryLimitMb ?? 0), 0);
    const volumeGb = stacks.flatMap((s) => Object.values(s.toSpec().volumes ?? {})).reduce((sum, v) => sum + (v.external ? 0 : (v.sizeBudgetGb ?? 0)), 0);
    // An image is pulled once per VM, whichever engines use it.
    const images = new Set(engines.flatMap((e) => e.imageReferences));
    const imageGb = [...images].reduce((sum, image) => sum + estimatedImageSizeMb(image), 0) / 1024;
    const diskGb = round(volumeGb + imageGb + (services.length * LOG_BUDGET_MB) / 1024);
    const cpus = round(services.reduce((sum, s) => sum + (s.spec.cpus ?? 0), 0));
    const where = `${engine.vmKey} (${engine.vmName})`;
    const measured: Array<[CapacityLine["resource"], number, number, CapacityLine["unit"], string]> = [
      ["memory", memoryMb, vm.memoryMb, "MB", "container memory limits plus the host's reserve"],
      ["disk", diskGb, dockerDiskBudgetGb(vm.disk0SizeGb), "GB", "volume size budgets, images and logs"],
      ["cpu", cpus, vm.cpuCores, "cores", "container CPU limits"],
    ];
    for (const [resource, need, capacity, unit, what] of measured) {
      const ratio = need / capacity;
      const status = ratio > 1 ? "error" : ratio >= WARN_AT ? "warning" : "ok";
      lines.push({ vm: where, resource, need, capacity, unit, status });
      if (status !== "ok") {
        findings.push({
          ruleId: CAPACITY_RULES[resource],
          level: status,
          construct: engine,
          key: resource,
          message: `${what} need ${need} ${unit} of ${capacity} ${unit} (${Math.round(ratio * 100)} %) on ${engine.vmName}`,
          suppressible: true,
        });
      }
    }
    const previous = minimums.get(vm);
    const disk0SizeGb = Math.ceil(diskGb) + SEED.rootFsGb + SEED.swapGb + SEED.reserveGb;
    minimums.set(vm, { memoryMb: Math.max(memoryMb, previous?.memoryMb ?? 0), disk0SizeGb: Math.max(disk0SizeGb, previous?.disk0SizeGb ?? 0) });
  }
  return { lines, findings, minimums };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
