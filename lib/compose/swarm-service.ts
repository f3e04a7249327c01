/**
 * A compose service as a Swarm service: the checks that decide where its tasks may run, and its
 * kreuzwerker/docker 3.6.2 `docker_service` arguments (internal/provider/resource_docker_service.go
 * for the schema, resource_docker_service_structures.go for what a read sets back). Values are
 * written in the form the read returns, so a plan after apply shows no changes.
 */
import type { ServiceConfig, ServiceTaskSpecContainerSpecMounts } from "@cdktf/provider-docker/lib/service";
import { DockhostInputError, invalid, throwProblems } from "../errors";
import { swarmDuration } from "../engine-forms";
import { SEED } from "../seed";
import type { SwarmNode, SwarmTopology } from "../swarm";
import { checkDuration, CheckContext } from "./validate";
import { dependencyConditions, DeploySpec, isBindMount, RestartSpec, ServiceSpec, StackSpec, SwarmRolloutSpec } from "./service";

/**
 * Container options a Swarm service cannot carry: docker_service's container_spec (v3.6.2) has no
 * argument for them, and `docker stack deploy` ignores them with a warning. The value says what
 * to do instead.
 */
const HOST_ONLY: ReadonlyArray<readonly [keyof ServiceSpec, string]> = [
  ["privileged", "not on Swarm (services have no privileged mode): grant the capabilities it needs with capAdd"],
  ["devices", "not on Swarm (services cannot map host devices): run the service on a single-host engine of that VM"],
  ["networkMode", "not on Swarm: publish ports (deploy.endpointMode dnsrr publishes them on each task's node)"],
  ["pid", "not on Swarm (services have no pid mode): run it on a single-host engine"],
  ["ipc", "not on Swarm (services have no ipc mode): run it on a single-host engine"],
  ["volumesFrom", "not on Swarm: mount the named volume itself"],
  ["build", "not on Swarm: every node pulls the image, so push it to a registry and name it in image"],
  ["containerName", "not on Swarm: tasks are named <stack>_<service>.<slot> by Swarm"],
  ["init", "not on Swarm (docker_service 3.6.2 has no init)"],
  ["tty", "not on Swarm (docker_service 3.6.2 has no tty)"],
  ["stdinOpen", "not on Swarm (docker_service 3.6.2 has no stdin_open)"],
  ["shmSizeMb", "not on Swarm (docker_service 3.6.2 has no shm_size): mount a tmpfs on /dev/shm"],
  ["ulimits", "not on Swarm (docker_service 3.6.2 has no ulimits)"],
  ["securityOpt", "not on Swarm (docker_service 3.6.2 has no security_opt)"],
];

/** Constraint attributes Dockhost can judge against the topology (Docker's `node.*` filters). */
const CONSTRAINT = /^\s*(node\.hostname|node\.role|node\.labels\.[A-Za-z0-9_.-]+|node\.platform\.os|node\.platform\.arch)\s*(==|!=)\s*(\S+)\s*$/;
const HOSTNAME_CONSTRAINT = /^\s*node\.hostname\s*==/;

/** Where a service's tasks may run, once checked against the Swarm's nodes. */
export interface SwarmPlacement {
  /** The constraints docker_service gets (the pin to the data node added when it holds data). */
  readonly constraints: readonly string[];
  /** Nodes that meet every constraint. */
  readonly eligible: readonly SwarmNode[];
  /** Tasks each eligible node may get at most, spread evenly (global: 1). */
  readonly tasksPerNode: number;
  /** The service mounts a named volume this stack creates: one task, on one node, stop-first updates. */
  readonly holdsData: boolean;
}

/** What the checks need to know of the stack and the Swarm. */
export interface SwarmContext extends CheckContext {
  readonly topology: SwarmTopology;
  /** Hostname of the node that holds the stack's local volumes. */
  readonly dataNode: string;
  readonly volumes: NonNullable<StackSpec["volumes"]>;
}

/** On a single host: refuses what only a Swarm can do (more replicas, global mode, placement, encrypted networks). */
export function checkSingleHostDeploy(path: string, name: string, deploy: DeploySpec | undefined): void {
  const key = `services.${name}.deploy`;
  const swarmOnly = "a Swarm engine (SwarmCluster.connect()); a single Docker host runs one container per service";
  if (deploy?.replicas !== undefined && deploy.replicas !== 1) invalid({ path, key: `${key}.replicas`, value: deploy.replicas, allowed: `1 on a single host; more replicas need ${swarmOnly}` });
  if (deploy?.mode === "global") invalid({ path, key: `${key}.mode`, value: deploy.mode, allowed: `"replicated" on a single host; global mode needs ${swarmOnly}` });
  if (deploy?.placement !== undefined) invalid({ path, key: `${key}.placement`, value: deploy.placement, allowed: `no placement on a single host; placement needs ${swarmOnly}` });
}

/**
 * Checks a service for Swarm and works out where its tasks may run. Every problem is reported at
 * once: host-only options, a constraint no node meets, more replicas than the eligible nodes can
 * take, replicas on a local volume.
 */
export function planSwarmPlacement(context: SwarmContext, name: string, spec: ServiceSpec): SwarmPlacement {
  const problems: DockhostInputError[] = [];
  const fail = (key: string, value: unknown, allowed: string) => problems.push(new DockhostInputError({ path: context.path, key: `services.${name}.${key}`, value, allowed }));
  for (const [option, allowed] of HOST_ONLY) if (spec[option] !== undefined && spec[option] !== false) fail(option, spec[option], allowed);
  const deploy = spec.deploy ?? {};
  const global = deploy.mode === "global";
  const replicas = deploy.replicas ?? 1;
  if (global && deploy.replicas !== undefined) fail("deploy.replicas", deploy.replicas, "no replicas with mode global (one task on every eligible node)");
  if (!Number.isInteger(replicas) || replicas < 0) fail("deploy.replicas", replicas, "a whole number of tasks, 0 or more");
  const maxPerNode = deploy.placement?.maxReplicasPerNode ?? 0;
  if (!Number.isInteger(maxPerNode) || maxPerNode < 0) fail("deploy.placement.maxReplicasPerNode", maxPerNode, "a whole number, 0 for no limit");
  for (const [key, rollout] of [["updateConfig", deploy.updateConfig], ["rollbackConfig", deploy.rollbackConfig]] as const) {
    (["delay", "monitor"] as const).forEach((field) => rollout?.[field] !== undefined && collect(problems, () => checkDuration(context, `services.${name}.deploy.${key}.${field}`, rollout[field]!)));
    if (rollout?.parallelism !== undefined && (!Number.isInteger(rollout.parallelism) || rollout.parallelism < 0)) fail(`deploy.${key}.parallelism`, rollout.parallelism, "a whole number of tasks, 0 for all at once");
  }
  if (Object.values(dependencyConditions(spec.dependsOn)).includes("service_completed_successfully")) {
    fail("dependsOn", spec.dependsOn, "service_started or service_healthy on Swarm: a service restarts its tasks, it has no one-shot job that others wait for");
  }
  spec.ports?.forEach((port, i) => port.hostIp !== undefined && fail(`ports[${i}].hostIp`, port.hostIp, "no host address on Swarm: a published port listens on every address of the node"));
  spec.tmpfs?.forEach((entry, i) => entry.includes(":") && fail(`tmpfs[${i}]`, entry, "a path without options on Swarm (docker_service tmpfs mounts take size and mode only)"));

  const holdsData = (spec.volumes ?? []).some((mount) => !isBindMount(mount) && context.volumes[mount.volume]?.external !== true);
  if (holdsData && (global || replicas > 1)) {
    fail(global ? "deploy.mode" : "deploy.replicas", global ? "global" : replicas, "one task for a service on a local named volume: each node would get its own empty copy of the data. Keep one replica (pinned to the data node), or put the data on shared storage (an external volume of a shared volume driver) and mount that");
  }
  const given = deploy.placement?.constraints ?? [];
  const constraints = holdsData && !given.some((c) => HOSTNAME_CONSTRAINT.test(c)) ? [...given, `node.hostname == ${context.dataNode}`] : [...given];
  const nodes = context.topology.nodes;
  let eligible = [...nodes];
  constraints.forEach((constraint, i) => {
    const key = i < given.length ? `deploy.placement.constraints[${i}]` : "dataNode";
    const match = CONSTRAINT.exec(constraint);
    if (!match) {
      fail(key, constraint, "<attribute> == <value> or != <value>, with attribute node.hostname, node.role, node.labels.<key>, node.platform.os or node.platform.arch");
      return;
    }
    const [, attribute, operator, value] = match;
    const known = knownValues(nodes, attribute);
    if (known !== undefined && operator === "==" && !known.includes(value)) {
      fail(key, constraint, `a value some node has: ${attribute} is ${known.length > 0 ? known.join(", ") : "set on no node"} (nodes ${nodes.map((n) => n.hostname).join(", ")})`);
    }
    eligible = eligible.filter((node) => (nodeValue(node, attribute) === value) === (operator === "=="));
  });
  if (problems.length === 0 && eligible.length === 0) fail("deploy.placement.constraints", constraints, "constraints that some node meets together");
  const hostPorts = deploy.endpointMode === "dnsrr" && (spec.ports?.length ?? 0) > 0;
  const perNodeLimit = Math.min(...[maxPerNode || Infinity, hostPorts ? 1 : Infinity]);
  if (problems.length === 0 && !global && replicas > eligible.length * perNodeLimit) {
    const why = hostPorts ? "a host-mode published port takes one task per node" : `maxReplicasPerNode ${maxPerNode}`;
    fail("deploy.replicas", replicas, `at most ${eligible.length * perNodeLimit}: ${eligible.length} eligible node(s) (${eligible.map((n) => n.hostname).join(", ")}) and ${why}`);
  }
  throwProblems(problems);
  return { constraints, eligible, tasksPerNode: global ? 1 : Math.ceil(replicas / eligible.length), holdsData };
}

function collect(problems: DockhostInputError[], check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DockhostInputError) problems.push(error);
    else throw error;
  }
}

/** The values nodes have for an attribute Dockhost knows; undefined for the platform (not in the topology). */
function knownValues(nodes: readonly SwarmNode[], attribute: string): string[] | undefined {
  if (attribute.startsWith("node.platform.")) return undefined;
  return [...new Set(nodes.map((node) => nodeValue(node, attribute)).filter((v): v is string => v !== undefined))];
}

function nodeValue(node: SwarmNode, attribute: string): string | undefined {
  if (attribute === "node.hostname") return node.hostname;
  if (attribute === "node.role") return node.role;
  if (attribute.startsWith("node.labels.")) return node.labels[attribute.slice("node.labels.".length)];
  // Dockhost VMs are Linux on x86-64 (Proxmox VMs of the cloud image).
  return attribute === "node.platform.os" ? "linux" : "x86_64";
}

/** What ComposeStack resolves for a service before it becomes a docker_service. */
export interface SwarmServiceParts {
  /** Docker's service name, `<stack>_<service>` as `docker stack deploy` names it. */
  readonly name: string;
  /** The image pinned by digest (a docker_service's image is read back with the digest). */
  readonly image: string;
  readonly env?: Record<string, string>;
  readonly mounts: ServiceTaskSpecContainerSpecMounts[];
  readonly secrets?: NonNullable<ServiceConfig["taskSpec"]["containerSpec"]["secrets"]>;
  readonly configs?: NonNullable<ServiceConfig["taskSpec"]["containerSpec"]["configs"]>;
  readonly networks: ServiceConfig["taskSpec"]["networksAdvanced"];
  readonly containerLabels: ServiceConfig["taskSpec"]["containerSpec"]["labels"];
  readonly serviceLabels: ServiceConfig["labels"];
  readonly placement: SwarmPlacement;
}

/**
 * The Swarm settings a checked service runs with, defaults filled in: what docker_service gets
 * and what `toComposeYaml()` writes under `deploy:`, so `docker stack deploy` runs the same.
 */
export function effectiveDeploy(spec: ServiceSpec, placement: SwarmPlacement): DeploySpec {
  const deploy = spec.deploy ?? {};
  // Two tasks must not share a local volume's data, so a service that holds data stops the old task first.
  const order = placement.holdsData ? "stop-first" : "start-first";
  const update = { ...rollout(deploy.updateConfig), failureAction: deploy.updateConfig?.failureAction ?? "rollback", order: deploy.updateConfig?.order ?? order };
  return {
    ...deploy,
    mode: deploy.mode ?? "replicated",
    replicas: deploy.mode === "global" ? undefined : deploy.replicas ?? 1,
    endpointMode: deploy.endpointMode ?? "vip",
    placement: placement.constraints.length > 0 || deploy.placement?.maxReplicasPerNode ? { constraints: [...placement.constraints], maxReplicasPerNode: deploy.placement?.maxReplicasPerNode } : undefined,
    updateConfig: update,
    rollbackConfig: { ...rollout(deploy.rollbackConfig), failureAction: deploy.rollbackConfig?.failureAction ?? "pause", order: deploy.rollbackConfig?.order ?? update.order },
  };
}

/** The docker_service arguments of a checked service (provider and depends_on are the stack's). */
export function swarmServiceConfig(spec: ServiceSpec, parts: SwarmServiceParts, literal: (text: string) => string): Omit<ServiceConfig, "provider"> {
  const deploy = effectiveDeploy(spec, parts.placement);
  const reservations = deploy.resources?.reservations;
  const restart = restartPolicy(spec.restart);
  return {
    name: parts.name,
    labels: parts.serviceLabels,
    mode: deploy.mode === "global" ? { global: true } : { replicated: { replicas: deploy.replicas } },
    updateConfig: deploy.updateConfig,
    rollbackConfig: deploy.rollbackConfig,
    endpointSpec: {
      mode: deploy.endpointMode,
      ports: spec.ports?.map((p) => ({ targetPort: p.containerPort, publishedPort: p.hostPort, protocol: p.protocol ?? "tcp", publishMode: deploy.endpointMode === "dnsrr" ? "host" : "ingress" })),
    },
    taskSpec: {
      containerSpec: {
        image: parts.image,
        // Swarm's Command is the entrypoint and Args the command (docker/docker api/types/swarm ContainerSpec).
        command: spec.entrypoint?.map(literal),
        args: spec.command?.map(literal),
        env: parts.env,
        labels: parts.containerLabels,
        user: spec.user && literal(spec.user),
        dir: spec.workingDir && literal(spec.workingDir),
        hostname: spec.hostname && literal(spec.hostname),
        groups: spec.groupAdd && [...spec.groupAdd],
        readOnly: spec.readOnly,
        capAdd: spec.capAdd && [...spec.capAdd],
        capDrop: spec.capDrop && [...spec.capDrop],
        sysctl: spec.sysctls && { ...spec.sysctls },
        stopSignal: spec.stopSignal,
        stopGracePeriod: spec.stopGracePeriod && swarmDuration(spec.stopGracePeriod),
        mounts: parts.mounts.length > 0 ? parts.mounts : undefined,
        hosts: spec.extraHosts && Object.entries(spec.extraHosts).map(([host, ip]) => ({ host, ip })),
        dnsConfig: spec.dns && { nameservers: [...spec.dns] },
        healthcheck: spec.healthcheck && {
          test: spec.healthcheck.test.map(literal),
          interval: swarmDuration(spec.healthcheck.interval ?? "0s"),
          timeout: swarmDuration(spec.healthcheck.timeout ?? "0s"),
          startPeriod: swarmDuration(spec.healthcheck.startPeriod ?? "0s"),
          retries: spec.healthcheck.retries,
        },
        secrets: parts.secrets,
        configs: parts.configs,
      },
      restartPolicy: { condition: restart.condition, maxAttempts: restart.maxAttempts },
      placement: deploy.placement && { constraints: [...(deploy.placement.constraints ?? [])], maxReplicas: deploy.placement.maxReplicasPerNode },
      resources:
        spec.memoryLimitMb !== undefined || spec.cpus !== undefined || reservations !== undefined
          ? {
              limits: spec.memoryLimitMb !== undefined || spec.cpus !== undefined ? { memoryBytes: mib(spec.memoryLimitMb), nanoCpus: nanoCpus(spec.cpus) } : undefined,
              reservation: reservations && { memoryBytes: mib(reservations.memoryMb), nanoCpus: nanoCpus(reservations.cpus) },
            }
          : undefined,
      networksAdvanced: parts.networks,
      // Tasks log to json-file rotated like the seed's daemon default, as containers do.
      logDriver: { name: spec.logging?.driver ?? "json-file", options: spec.logging?.options ? { ...spec.logging.options } : { "max-size": SEED.logMaxSize, "max-file": "3" } },
    },
  };
}

/** Compose's restart policy as Swarm's: Swarm restarts tasks unless told `none` (its default is `any`). */
export function restartPolicy(restart: RestartSpec | undefined): { readonly condition: "any" | "none" | "on-failure"; readonly maxAttempts?: number } {
  if (restart === undefined || restart === "always" || restart === "unless-stopped") return { condition: "any" };
  if (restart === "no") return { condition: "none" };
  return restart === "on-failure" ? { condition: "on-failure" } : { condition: "on-failure", maxAttempts: restart.maxRetries };
}

/** Parallelism and durations with Swarm's defaults, durations as kreuzwerker reads them back. */
function rollout(given: SwarmRolloutSpec | undefined): SwarmRolloutSpec {
  return { parallelism: given?.parallelism ?? 1, delay: swarmDuration(given?.delay ?? "0s"), monitor: swarmDuration(given?.monitor ?? "5s") };
}

function mib(megabytes: number | undefined): number | undefined {
  return megabytes === undefined ? undefined : megabytes * 1024 * 1024;
}

function nanoCpus(cpus: number | undefined): number | undefined {
  return cpus === undefined ? undefined : Math.round(cpus * 1e9);
}
