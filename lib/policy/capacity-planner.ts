import { IConstruct } from "constructs";
import { dockerDiskBudgetGb } from "../capacity";
import { estimatedImageSizeMb } from "../images";
import { SEED } from "../seed";
import { CrossFinding } from "./conflicts";
import { HomelabModel } from "./types";

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
  readonly minimums: ReadonlyMap<IConstruct, { readonly memoryMb: number; readonly disk0SizeGb: number }>;
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
  const minimums = new Map<IConstruct, { memoryMb: number; disk0SizeGb: number }>();
  for (const vm of model.vms) {
    const services = vm.stacks.flatMap((s) => s.services);
    const memoryMb = HOST_RESERVE_MB + services.reduce((sum, s) => sum + (s.spec.memoryLimitMb ?? 0), 0);
    const volumeGb = vm.stacks.flatMap((s) => s.volumes).reduce((sum, v) => sum + (v.sizeBudgetGb ?? 0), 0);
    // An image is pulled once per VM, whichever engines use it.
    const imageGb = vm.images.reduce((sum, image) => sum + estimatedImageSizeMb(image), 0) / 1024;
    const diskGb = round(volumeGb + imageGb + (services.length * LOG_BUDGET_MB) / 1024);
    const cpus = round(services.reduce((sum, s) => sum + (s.spec.cpus ?? 0), 0));
    const where = `${vm.key} (${vm.name})`;
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
          construct: vm.construct,
          key: resource,
          message: `${what} need ${need} ${unit} of ${capacity} ${unit} (${Math.round(ratio * 100)} %) on ${vm.name}`,
          suppressible: true,
        });
      }
    }
    const previous = minimums.get(vm.owner);
    const disk0SizeGb = Math.ceil(diskGb) + SEED.rootFsGb + SEED.swapGb + SEED.reserveGb;
    minimums.set(vm.owner, { memoryMb: Math.max(memoryMb, previous?.memoryMb ?? 0), disk0SizeGb: Math.max(disk0SizeGb, previous?.disk0SizeGb ?? 0) });
  }
  return { lines, findings, minimums };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
