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

/**
 * What the plan counts for a container without a memory limit (DH-MEMORY-LIMIT warns about each):
 * 0 would let a homelab of unlimited containers pass any VM size. 256 MB is the resident size of a
 * typical small service at rest (a web server, a Redis cache or an API process, as the reference
 * homelab limits them at 128 to 256 MB); a database or a JVM needs more, and should say so with
 * memoryLimitMb.
 */
export const UNLIMITED_MEMORY_ESTIMATE_MB = 256;

/** The DockhostVm prop (and its Terraform variable) that gives each resource more room. */
const VM_SETTINGS = { memory: "memoryMb (vm_memory)", disk: "disk0SizeGb (vm_disk0_size)", cpu: "cpuCores (vm_cpu_cores)" } as const;

interface Measured {
  readonly resource: CapacityLine["resource"];
  readonly need: number;
  readonly capacity: number;
  readonly unit: CapacityLine["unit"];
  /** What the need is made of. */
  readonly what: string;
  readonly fix: string;
  /** The setting that gives `least` of capacity. */
  readonly setting: (least: number) => number;
  /** What the user can lower instead. */
  readonly lower: string;
}

/** The first-disk size (GB) whose Docker budget is `budgetGb`. */
function disk0ForBudget(budgetGb: number): number {
  return budgetGb + SEED.rootFsGb + SEED.swapGb + SEED.reserveGb;
}

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
    // Swarm services run on whichever nodes their placement allows: ComposeStack checks their memory per node.
    const services = vm.stacks.filter((s) => !s.swarm).flatMap((s) => s.services);
    const unlimited = services.filter((s) => s.spec.memoryLimitMb === undefined).length;
    const memoryMb = HOST_RESERVE_MB + services.reduce((sum, s) => sum + (s.spec.memoryLimitMb ?? UNLIMITED_MEMORY_ESTIMATE_MB), 0);
    const volumeGb = vm.stacks.flatMap((s) => s.volumes).reduce((sum, v) => sum + (v.sizeBudgetGb ?? 0), 0);
    // An image is pulled once per VM, whichever engines use it.
    const imageGb = vm.images.reduce((sum, image) => sum + estimatedImageSizeMb(image), 0) / 1024;
    const diskGb = round(volumeGb + imageGb + (services.length * LOG_BUDGET_MB) / 1024);
    const cpus = round(services.reduce((sum, s) => sum + (s.spec.cpus ?? 0), 0));
    const where = `${vm.key} (${vm.name})`;
    const estimated = unlimited > 0 ? ` (${unlimited} container${unlimited > 1 ? "s" : ""} without a memory limit counted at ${UNLIMITED_MEMORY_ESTIMATE_MB} MB each)` : "";
    const measured: Measured[] = [
      { resource: "memory", need: memoryMb, capacity: vm.memoryMb, unit: "MB", what: `container memory limits plus the host's reserve${estimated}`, fix: VM_SETTINGS.memory, setting: (least) => least, lower: "the containers' memoryLimitMb" },
      { resource: "disk", need: diskGb, capacity: dockerDiskBudgetGb(vm.disk0SizeGb), unit: "GB", what: "volume size budgets, images and logs", fix: VM_SETTINGS.disk, setting: disk0ForBudget, lower: "the volumes' sizeBudgetGb" },
      { resource: "cpu", need: cpus, capacity: vm.cpuCores, unit: "cores", what: "container CPU limits", fix: VM_SETTINGS.cpu, setting: (least) => least, lower: "the containers' cpus" },
    ];
    for (const m of measured) {
      const ratio = m.need / m.capacity;
      const status = ratio > 1 ? "error" : ratio >= WARN_AT ? "warning" : "ok";
      lines.push({ vm: where, resource: m.resource, need: m.need, capacity: m.capacity, unit: m.unit, status });
      if (status === "ok") continue;
      // An error needs room for the need; a warning, room to stay under the warning line.
      const least = m.setting(status === "error" ? Math.ceil(m.need) : Math.floor(m.need / WARN_AT) + 1);
      const goal = status === "error" ? "" : ` to stay under ${WARN_AT * 100} %`;
      findings.push({
        ruleId: CAPACITY_RULES[m.resource],
        level: status,
        construct: vm.construct,
        key: m.resource,
        message: `need ${m.need} ${m.unit} of ${m.capacity} ${m.unit} (${Math.round(ratio * 100)} %) on ${vm.name} for ${m.what}: raise ${m.fix} to at least ${least}${goal}, or lower ${m.lower}`,
        suppressible: true,
      });
    }
    const previous = minimums.get(vm.owner);
    const disk0SizeGb = disk0ForBudget(Math.ceil(diskGb));
    minimums.set(vm.owner, { memoryMb: Math.max(memoryMb, previous?.memoryMb ?? 0), disk0SizeGb: Math.max(disk0SizeGb, previous?.disk0SizeGb ?? 0) });
  }
  return { lines, findings, minimums };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
