/**
 * A Docker Swarm as the apps stack sees it: which nodes exist, their roles, labels and sizes. The
 * infra stack's SwarmCluster forms the Swarm; its `connect()` gives the apps stack a DockerEngine
 * on the first manager that carries this topology, and a ComposeStack on such an engine becomes
 * Swarm services. Placement, capacity and policy checks read it; nothing here is synthesized.
 */

/** A node's role in the Swarm: managers keep the Raft quorum and accept the API; workers only run tasks. */
export type SwarmRole = "manager" | "worker";

/** One node of the Swarm: one VM of the DockhostVm. */
export interface SwarmNode {
  /** Which VM of the DockhostVm this node is. */
  readonly vmIndex: number;
  /** The node's hostname (the VM's name): what `node.hostname == ...` constraints match. */
  readonly hostname: string;
  readonly role: SwarmRole;
  /** Node labels set at join time: what `node.labels.<key> == <value>` constraints match. */
  readonly labels: Readonly<Record<string, string>>;
  /** The VM's memory and cores, for capacity per node. */
  readonly memoryMb: number;
  readonly cpuCores: number;
}

/** Every node of one Swarm, managers first in VM order. */
export interface SwarmTopology {
  readonly nodes: readonly SwarmNode[];
}
