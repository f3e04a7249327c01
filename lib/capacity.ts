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

/** One service's memory on a Swarm: where its tasks may run and how many. */
export interface SwarmDemand {
  /** Construct path and service, for the message. */
  readonly service: string;
  /** Hostnames of the nodes its constraints allow. */
  readonly eligible: readonly string[];
  /** Tasks in all: replicas, or one per eligible node for a global service. */
  readonly tasks: number;
  readonly global: boolean;
  /** Memory of one task: its reservation, else its limit, else the planner's estimate. */
  readonly memoryMbPerTask: number;
}

/** A node or a placement group short of memory. */
export interface SwarmShortfall {
  /** The node, or the nodes of a placement group. */
  readonly nodes: readonly string[];
  readonly needMb: number;
  readonly capacityMb: number;
  readonly services: readonly string[];
}

/**
 * Memory per Swarm node and per placement group. A global service or one its constraints pin to
 * one node costs exactly that node; a replicated service free to move costs its group (the nodes
 * its constraints allow, together), after what is pinned there, since the scheduler places its
 * tasks wherever there is room. Capacity is each node's memory minus the host's reserve.
 */
export function swarmShortfall(nodes: ReadonlyArray<{ readonly hostname: string; readonly memoryMb: number }>, demands: readonly SwarmDemand[], hostReserveMb: number): SwarmShortfall | undefined {
  const capacity = new Map(nodes.map((n) => [n.hostname, n.memoryMb - hostReserveMb]));
  const fixed = new Map<string, { mb: number; services: string[] }>(nodes.map((n) => [n.hostname, { mb: 0, services: [] }]));
  const floating = demands.filter((d) => !d.global && d.eligible.length > 1);
  for (const demand of demands.filter((d) => !floating.includes(d))) {
    for (const node of demand.eligible) {
      const load = fixed.get(node)!;
      load.mb += demand.memoryMbPerTask * (demand.global ? 1 : demand.tasks);
      load.services.push(demand.service);
    }
  }
  for (const [node, load] of fixed) {
    if (load.mb > capacity.get(node)!) return { nodes: [node], needMb: load.mb, capacityMb: capacity.get(node)!, services: load.services };
  }
  for (const demand of floating) {
    const group = demand.eligible;
    const within = floating.filter((d) => d.eligible.every((n) => group.includes(n)));
    const needMb = group.reduce((sum, n) => sum + fixed.get(n)!.mb, 0) + within.reduce((sum, d) => sum + d.tasks * d.memoryMbPerTask, 0);
    const capacityMb = group.reduce((sum, n) => sum + capacity.get(n)!, 0);
    if (needMb > capacityMb) return { nodes: group, needMb, capacityMb, services: [...group.flatMap((n) => fixed.get(n)!.services), ...within.map((d) => d.service)] };
  }
  return undefined;
}
