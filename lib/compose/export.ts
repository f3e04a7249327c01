/**
 * Renders a {@link StackSpec} as compose YAML that both the current Compose Specification and
 * docker-compose 1.29 accept, and that {@link parseComposeYaml} reads back into the same spec.
 */
import { stringify } from "yaml";
import {
  BACKUP_KEY,
  dependencyConditions,
  DeploySpec,
  HealthcheckSpec,
  isDependencyList,
  NetworkSpec,
  NO_BACKUP_REASON_KEY,
  ServiceSpec,
  SIZE_BUDGET_KEY,
  STACK_NETWORK,
  StackSpec,
  SwarmRolloutSpec,
  VolumeSpec,
} from "./service";
import { restartPolicy } from "./swarm-service";
import { formatDevice, formatPort, formatRestart, formatVolume } from "./short-syntax";

/** Options of {@link toComposeYaml}. */
export interface ComposeExportOptions {
  /**
   * Project name, written as the top-level `name` of the current Compose Specification.
   * docker-compose 1.29 rejects that key, so leave it out for files that old versions must read.
   * @default - no `name` key
   */
  readonly name?: string;
  /**
   * Write for `docker stack deploy`, which refuses `mem_limit` and `cpus` ("Set resource limits
   * using deploy.resources"): limits only under `deploy.resources.limits`.
   * @default false
   */
  readonly swarm?: boolean;
}

/**
 * Writes compose YAML for a spec that passed `validateStackSpec`. No `version` key (compose
 * ignores it and 1.29 does not need it); one-string forms for ports, volumes and devices, because
 * 1.29 knows no `host_ip` in the long port syntax and no long device syntax. Every `$` is doubled
 * so that no value is taken for a variable reference.
 */
export function toComposeYaml(spec: StackSpec, options: ComposeExportOptions = {}): string {
  const document = {
    // Docker 20.10's `docker stack deploy` refuses a file without a version ("unsupported Compose file version: 1.0"); 3.8 has max_replicas_per_node.
    version: options.swarm ? "3.8" : undefined,
    name: options.name,
    services: mapValues(spec.services, (service) => renderService(service, options.swarm === true)),
    volumes: spec.volumes && mapValues(spec.volumes, renderVolume),
    networks: spec.networks && mapValues(spec.networks, renderNetwork),
  };
  // YAML 1.1, as docker-compose 1.29 reads it: strings such as "no", "on" or "22:22" get quotes.
  return stringify(escapeDollars(document), { version: "1.1" });
}

function renderService(service: ServiceSpec, swarm: boolean): object {
  return {
    image: service.image,
    build: service.build && { context: service.build.context, dockerfile: service.build.dockerfile, args: service.build.args, target: service.build.target },
    container_name: service.containerName,
    command: service.command,
    entrypoint: service.entrypoint,
    environment: service.environment,
    expose: service.expose,
    // Host-mode ports (dnsrr) need the long syntax: the short one always means ingress.
    ports: service.deploy?.endpointMode === "dnsrr" ? service.ports?.map((p) => ({ target: p.containerPort, published: p.hostPort, protocol: p.protocol, mode: "host" })) : service.ports?.map(formatPort),
    volumes: service.volumes?.map(formatVolume),
    networks: renderNetworks(service),
    volumes_from: service.volumesFrom,
    labels: service.labels,
    healthcheck: service.healthcheck && renderHealthcheck(service.healthcheck),
    restart: service.restart && formatRestart(service.restart),
    depends_on: service.dependsOn && renderDependsOn(service.dependsOn),
    user: service.user,
    read_only: service.readOnly,
    cap_add: service.capAdd,
    cap_drop: service.capDrop,
    security_opt: service.securityOpt,
    mem_limit: service.memoryLimitMb === undefined || swarm ? undefined : `${service.memoryLimitMb}m`,
    cpus: swarm ? undefined : service.cpus,
    logging: service.logging,
    hostname: service.hostname,
    tmpfs: service.tmpfs,
    shm_size: service.shmSizeMb === undefined ? undefined : `${service.shmSizeMb}m`,
    ulimits: service.ulimits,
    stop_grace_period: service.stopGracePeriod,
    stop_signal: service.stopSignal,
    group_add: service.groupAdd,
    init: service.init,
    tty: service.tty,
    stdin_open: service.stdinOpen,
    sysctls: service.sysctls,
    dns: service.dns,
    devices: service.devices?.map(formatDevice),
    extra_hosts: service.extraHosts,
    working_dir: service.workingDir,
    privileged: service.privileged,
    network_mode: service.networkMode,
    pid: service.pid,
    ipc: service.ipc,
    deploy: service.deploy && renderDeploy(service),
  };
}

/** The `deploy:` section `docker stack deploy` reads; limits come from memoryLimitMb and cpus, as on a single host. */
function renderDeploy(service: ServiceSpec): object {
  const deploy: DeploySpec = service.deploy!;
  const reservations = deploy.resources?.reservations;
  const limits = service.memoryLimitMb !== undefined || service.cpus !== undefined;
  return {
    mode: deploy.mode,
    replicas: deploy.replicas,
    endpoint_mode: deploy.endpointMode,
    placement: deploy.placement && { constraints: deploy.placement.constraints, max_replicas_per_node: deploy.placement.maxReplicasPerNode },
    update_config: deploy.updateConfig && renderRollout(deploy.updateConfig),
    rollback_config: deploy.rollbackConfig && renderRollout(deploy.rollbackConfig),
    resources: (limits || reservations) && {
      limits: limits ? { cpus: service.cpus === undefined ? undefined : String(service.cpus), memory: service.memoryLimitMb === undefined ? undefined : `${service.memoryLimitMb}M` } : undefined,
      reservations: reservations && { cpus: reservations.cpus === undefined ? undefined : String(reservations.cpus), memory: reservations.memoryMb === undefined ? undefined : `${reservations.memoryMb}M` },
    },
    restart_policy: { condition: restartPolicy(service.restart).condition, max_attempts: restartPolicy(service.restart).maxAttempts },
    labels: deploy.labels,
  };
}

function renderRollout(rollout: SwarmRolloutSpec): object {
  return { parallelism: rollout.parallelism, delay: rollout.delay, failure_action: rollout.failureAction, monitor: rollout.monitor, order: rollout.order };
}

/**
 * The networks a service joins: a list (with `default` unless the service left it), or the long
 * syntax when it has aliases, which then apply on every network as the model has them.
 */
function renderNetworks(service: ServiceSpec): object | undefined {
  const names = [...(service.defaultNetwork === false ? [] : [STACK_NETWORK]), ...(service.networks ?? [])];
  if (service.aliases?.length) return Object.fromEntries(names.map((name) => [name, { aliases: service.aliases }]));
  return service.networks || service.defaultNetwork === false ? names : undefined;
}

function renderHealthcheck(healthcheck: HealthcheckSpec): object {
  return {
    test: healthcheck.test,
    interval: healthcheck.interval,
    timeout: healthcheck.timeout,
    start_period: healthcheck.startPeriod,
    retries: healthcheck.retries,
  };
}

/** Keeps the form the spec uses: a list stays a list, conditions become the long syntax. */
function renderDependsOn(dependsOn: NonNullable<ServiceSpec["dependsOn"]>): object {
  if (isDependencyList(dependsOn)) return dependsOn;
  return mapValues(dependencyConditions(dependsOn), (condition) => ({ condition }));
}

function renderVolume(volume: VolumeSpec): object {
  return {
    external: volume.external,
    [SIZE_BUDGET_KEY]: volume.sizeBudgetGb,
    [BACKUP_KEY]: volume.backup,
    [NO_BACKUP_REASON_KEY]: volume.noBackupReason,
  };
}

function renderNetwork(network: NetworkSpec): object {
  return { name: network.name, external: network.external, internal: network.internal, driver_opts: network.encrypted ? { encrypted: "" } : undefined };
}

/** Compose interpolates every string value, so a literal `$` is written `$$`. Keys are left alone. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("$", "$$$$");
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (typeof value === "object" && value !== null) return mapValues(value as Record<string, unknown>, escapeDollars);
  return value;
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, render: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, render(value)]));
}
